"""hashes of the picture inside a photo's flat bars: a second row in the hash index

Revision ID: 0108
Revises: 0107
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0108"
down_revision: str | None = "0107"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("photo_hashes") as batch:
        batch.add_column(sa.Column("inside_phash", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("inside_dhash", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("inside_pdq", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photo_hashes") as batch:
        batch.drop_column("inside_pdq")
        batch.drop_column("inside_dhash")
        batch.drop_column("inside_phash")
