"""payout_lines.visit_offset_min: the UTC offset the phone sent with the visit's photo

Store visits are grouped by rep, store and day; the day is now the local one (the phone's
offset), so a visit straddling UTC midnight (06:50 and 07:10 in UTC+7) is one visit, paid
once. Lines stored before keep NULL and their UTC day.

Revision ID: 0115
Revises: 0114
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0115"
down_revision: str | None = "0114"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payout_lines") as batch:
        batch.add_column(sa.Column("visit_offset_min", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payout_lines") as batch:
        batch.drop_column("visit_offset_min")
