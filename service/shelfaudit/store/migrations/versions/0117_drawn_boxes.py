"""drawn_boxes: boxes reviewers draw round objects the detector missed

Until now a reviewer could relabel a box or mark it wrong, but an object the detector
never boxed stayed unlabelled in the export: retraining learnt that it was background.

Revision ID: 0117
Revises: 0116
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0117"
down_revision: str | None = "0116"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drawn_boxes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("class_name", sa.String(length=100), nullable=False),
        sa.Column("xyxy", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.String(length=100), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_drawn_boxes_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawn_boxes")),
    )
    op.create_index("ix_drawn_boxes_photo", "drawn_boxes", ["photo_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_drawn_boxes_photo", table_name="drawn_boxes")
    op.drop_table("drawn_boxes")
