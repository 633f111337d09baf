"""analyses.pipeline_version up to 1,000 characters

The version names every check and model that made an analysis; with the SKU embedder's
colour signature it reached 211 characters, past the 200 the column held (PostgreSQL refused
the analysis, so every photo failed).

Revision ID: 0110
Revises: 0109
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0110"
down_revision: str | None = "0109"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.alter_column(
            "pipeline_version",
            existing_type=sa.String(length=200),
            type_=sa.String(length=1000),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.alter_column(
            "pipeline_version",
            existing_type=sa.String(length=1000),
            type_=sa.String(length=200),
            existing_nullable=False,
        )
