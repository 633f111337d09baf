"""duplicate index: hash feed for catching up, store/rep indexes on photos

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_hash_feed",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_photo_hash_feed_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_photo_hash_feed")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_photo_hash_feed_photo_id", "photo_hash_feed", ["photo_id"], unique=False)
    # Photos analysed before the feed existed: one feed row each, in id order.
    op.execute(
        "INSERT INTO photo_hash_feed (photo_id) SELECT photo_id FROM photo_hashes ORDER BY photo_id"
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index("ix_photos_store_id_id", ["store_id", "id"], unique=False)
        batch_op.create_index("ix_photos_rep_id_id", ["rep_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index("ix_photos_rep_id_id")
        batch_op.drop_index("ix_photos_store_id_id")
    op.drop_index("ix_photo_hash_feed_photo_id", table_name="photo_hash_feed")
    op.drop_table("photo_hash_feed")
