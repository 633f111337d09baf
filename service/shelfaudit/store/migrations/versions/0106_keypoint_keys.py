"""keypoint keys per photo: what the hash index's keypoint postings are built from

Revision ID: 0106
Revises: 0105
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0106"
down_revision: str | None = "0105"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("photo_hashes") as batch:
        batch.add_column(sa.Column("orb_keys", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photo_hashes") as batch:
        batch.drop_column("orb_keys")
