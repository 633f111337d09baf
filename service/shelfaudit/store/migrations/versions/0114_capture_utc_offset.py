"""photos.captured_offset_min: the UTC offset the app sent with captured_at

Without it the camera's local EXIF time was compared with the app's time under every UTC
offset in use, so a photo taken any whole number of hours earlier (within the tolerance)
passed as taken when the app said.

Revision ID: 0114
Revises: 0113
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0114"
down_revision: str | None = "0113"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("captured_offset_min", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("captured_offset_min")
