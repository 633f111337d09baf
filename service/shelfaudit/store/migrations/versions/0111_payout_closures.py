"""payout_closures: periods whose statements are final

A statement run replaced the period's statements whenever it was run again, so a period
paid from its CSV could be rewritten afterwards (a decision taken since moved money into
the rewritten statement only, and the payment made from the first export never saw it).
A closed period is never run again; what changes later is settled in the next period.

Revision ID: 0111
Revises: 0110
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0111"
down_revision: str | None = "0110"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payout_closures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period_label", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_closures")),
        sa.UniqueConstraint(
            "period_start", "period_end", name=op.f("uq_payout_closures_period_start")
        ),
    )


def downgrade() -> None:
    op.drop_table("payout_closures")
