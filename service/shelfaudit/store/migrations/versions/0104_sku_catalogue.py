"""SKU catalogue: products and their packshots (with cached embeddings)

Revision ID: 0104
Revises: 0103
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0104"
down_revision: str | None = "0103"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "skus",
        sa.Column("sku_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=True),
        sa.Column("barcode", sa.String(length=14), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku_id", name=op.f("pk_skus")),
        sa.UniqueConstraint("barcode", name=op.f("uq_skus_barcode")),
    )
    op.create_index("ix_skus_brand", "skus", ["brand"], unique=False)
    op.create_table(
        "sku_packshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sku_id", sa.String(length=100), nullable=False),
        sa.Column("object_key", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("model_version", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.sku_id"], name=op.f("fk_sku_packshots_sku_id_skus")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sku_packshots")),
        sa.UniqueConstraint("sku_id", "sha256", name=op.f("uq_sku_packshots_sku_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("sku_packshots")
    op.drop_index("ix_skus_brand", table_name="skus")
    op.drop_table("skus")
