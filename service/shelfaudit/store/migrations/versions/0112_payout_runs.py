"""payout_runs: every statement run, even one that stored nothing

A run with nothing to pay stored no statement, so nothing remembered that its period had
been run: a photo captured in it and sent afterwards was priced by no later run. Existing
periods get one run each, at the time their statements were stored.

Revision ID: 0112
Revises: 0111
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0112"
down_revision: str | None = "0111"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payout_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period_label", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_by", sa.String(length=100), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_runs")),
    )
    op.create_index("ix_payout_runs_period", "payout_runs", ["period_end", "period_start"])
    op.execute(
        "INSERT INTO payout_runs (period_label, period_start, period_end, ran_by, ran_at, "
        "statements) SELECT MIN(period_label), period_start, period_end, MIN(created_by), "
        "MIN(created_at), COUNT(*) FROM payout_statements GROUP BY period_start, period_end"
    )


def downgrade() -> None:
    op.drop_index("ix_payout_runs_period", table_name="payout_runs")
    op.drop_table("payout_runs")
