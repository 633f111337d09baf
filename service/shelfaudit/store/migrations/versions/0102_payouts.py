"""payouts: commission rule-set versions, statements and their lines

Revision ID: 0102
Revises: 0101
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102"
down_revision: str | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_set_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule_set_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("syntax", sa.String(length=8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_set_versions")),
        sa.UniqueConstraint(
            "rule_set_id", "version", name=op.f("uq_rule_set_versions_rule_set_id")
        ),
    )
    op.create_table(
        "payout_statements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rep_id", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period_label", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total", sa.String(length=40), nullable=False),
        sa.Column("held", sa.String(length=40), nullable=False),
        sa.Column("on_hold", sa.String(length=40), nullable=False),
        sa.Column("rule_sets", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_statements")),
        sa.UniqueConstraint(
            "rep_id",
            "currency",
            "period_start",
            "period_end",
            name=op.f("uq_payout_statements_rep_id"),
        ),
    )
    op.create_table(
        "payout_lines",
        sa.Column("line_id", sa.String(length=300), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rep_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("visit_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_set_id", sa.String(length=64), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("held", sa.String(length=40), nullable=False),
        sa.Column("refers_to", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["payout_statements.id"],
            name=op.f("fk_payout_lines_statement_id_payout_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_payout_lines")),
    )
    op.create_index("ix_payout_lines_photo", "payout_lines", ["photo_id"], unique=False)
    op.create_index(
        "ix_payout_lines_period", "payout_lines", ["period_end", "rep_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_payout_lines_period", table_name="payout_lines")
    op.drop_index("ix_payout_lines_photo", table_name="payout_lines")
    op.drop_table("payout_lines")
    op.drop_table("payout_statements")
    op.drop_table("rule_set_versions")
