"""review: queue items, decisions, label corrections, the append-only audit trail

Revision ID: 0101
Revises: 0100
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = "audit_events is append-only"


def _photo_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["photo_id"], ["photos.id"], name=op.f(f"fk_{table}_photo_id_photos"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.Integer(), nullable=False),
        sa.Column("at_stake_milli", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rep_id", sa.String(length=64), nullable=True),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("activity_id", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _photo_fk("review_items"),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_review_items")),
    )
    for name, columns in (
        ("ix_review_items_order", ["state", "risk", "at_stake_milli", "photo_id"]),
        ("ix_review_items_rep", ["state", "rep_id"]),
        ("ix_review_items_store", ["state", "store_id"]),
        ("ix_review_items_activity", ["state", "activity_id"]),
        ("ix_review_items_region", ["state", "region"]),
        ("ix_review_items_captured", ["state", "captured_at"]),
    ):
        op.create_index(name, "review_items", columns, unique=False)

    op.create_table(
        "photo_reviews",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        _photo_fk("photo_reviews"),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_photo_reviews")),
    )
    op.create_index("ix_photo_reviews_decided_at", "photo_reviews", ["decided_at"], unique=False)

    op.create_table(
        "label_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("box_index", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("class_name", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _photo_fk("label_corrections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_corrections")),
    )
    op.create_index(
        "ix_label_corrections_photo", "label_corrections", ["photo_id", "box_index"], unique=False
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_photo", "audit_events", ["photo_id", "id"], unique=False)
    _append_only_triggers()


def _append_only_triggers() -> None:
    """The database itself refuses to change or delete audit rows, whoever asks."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
        )
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
            )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    for event in ("update", "delete"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event} ON audit_events")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_index("ix_audit_events_photo", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_label_corrections_photo", table_name="label_corrections")
    op.drop_table("label_corrections")
    op.drop_index("ix_photo_reviews_decided_at", table_name="photo_reviews")
    op.drop_table("photo_reviews")
    for name in (
        "ix_review_items_captured",
        "ix_review_items_region",
        "ix_review_items_activity",
        "ix_review_items_store",
        "ix_review_items_rep",
        "ix_review_items_order",
    ):
        op.drop_index(name, table_name="review_items")
    op.drop_table("review_items")
