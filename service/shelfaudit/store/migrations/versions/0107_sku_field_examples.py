"""field examples of SKUs: a packshot row's kind, and the photo a field example was cut from

Revision ID: 0107
Revises: 0106
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0107"
down_revision: str | None = "0106"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite rebuilds the table to add a foreign key: keep AUTOINCREMENT, so packshot ids are
# never reused (the catalogue revision relies on it; see store/catalogue.py).
KEEP = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("sku_packshots", table_kwargs=KEEP) as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="packshot")
        )
        batch.add_column(sa.Column("source_photo_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_sku_packshots_source_photo_id_photos", "photos", ["source_photo_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sku_packshots", table_kwargs=KEEP) as batch:
        batch.drop_constraint("fk_sku_packshots_source_photo_id_photos", type_="foreignkey")
        batch.drop_column("source_photo_id")
        batch.drop_column("kind")
