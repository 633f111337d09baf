"""label corrections remember the box they were made on (class and corners)

A correction was applied by box index alone, so after a re-analysis that found the boxes
in another order it fell on another box (and into the exported labels).

Revision ID: 0109
Revises: 0108
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0109"
down_revision: str | None = "0108"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("label_corrections") as batch:
        batch.add_column(sa.Column("model_class", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("xyxy", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("label_corrections") as batch:
        batch.drop_column("xyxy")
        batch.drop_column("model_class")
