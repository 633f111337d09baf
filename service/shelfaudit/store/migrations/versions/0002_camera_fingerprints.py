"""camera fingerprints (JPEG quantisation tables per claimed camera)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "camera_fingerprints",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("camera", sa.String(length=200), nullable=False),
        sa.Column("quant_fp", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_camera_fingerprints_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_camera_fingerprints")),
    )
    op.create_index(
        "ix_camera_fingerprints_camera", "camera_fingerprints", ["camera"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_camera_fingerprints_camera", table_name="camera_fingerprints")
    op.drop_table("camera_fingerprints")
