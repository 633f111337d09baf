"""photo_reviews.analysis_id: the analysis a person looked at when deciding

Exported labels are that analysis's boxes as the reviewer corrected them. Read from the
newest analysis instead, re-analysing approved photos with another model rewrote them (the
reviewer's relabels lapsed, the boxes were the new model's, or none at all). Decisions
stored before keep NULL and export from the newest analysis, as they did.

Revision ID: 0116
Revises: 0115
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0116"
down_revision: str | None = "0115"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("photo_reviews") as batch:
        batch.add_column(sa.Column("analysis_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photo_reviews") as batch:
        batch.drop_column("analysis_id")
