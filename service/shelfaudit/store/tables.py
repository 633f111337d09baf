"""Database tables (SQLAlchemy 2 declarative). Migrations live in ``store/migrations``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no zone; we only ever write UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """Money as exact decimal text, on SQLite as on PostgreSQL (SQLite has no decimal type)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geofence_m: Mapped[float] = mapped_column(Float, default=150.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rep(Base):
    __tablename__ = "reps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Photo(Base):
    """One accepted upload. The original lives in object storage under ``object_key``."""

    __tablename__ = "photos"
    __table_args__ = (
        Index("ix_photos_status_updated", "status", "updated_at"),
        Index("ix_photos_sha256", "sha256"),
        # The duplicate search verifies a store's and a rep's latest photos.
        Index("ix_photos_store_id_id", "store_id", "id"),
        Index("ix_photos_rep_id_id", "rep_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_photo_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str | None] = mapped_column(String(500))

    rep_id: Mapped[str | None] = mapped_column(ForeignKey("reps.id"))
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id"))
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activities.id"))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The UTC offset captured_at was sent with (minutes): the phone's local time zone.
    captured_offset_min: Mapped[int | None] = mapped_column(SmallInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_model: Mapped[str | None] = mapped_column(String(200))
    app_version: Mapped[str | None] = mapped_column(String(64))

    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PhotoHash(Base):
    """Perceptual hashes per photo; 64-bit hashes stored as signed BIGINT."""

    __tablename__ = "photo_hashes"

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    phash: Mapped[int] = mapped_column(BigInteger)
    dhash: Mapped[int] = mapped_column(BigInteger)
    pdq: Mapped[str] = mapped_column(String(64))
    pdq_quality: Mapped[int] = mapped_column(Integer)
    # Keypoint keys (index/keypoint_keys.py, little-endian uint32); NULL for photos analysed
    # before they were kept, which the keypoint index then does not hold.
    orb_keys: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The hashes of the picture inside the photo's flat bars (a letterboxed export, a
    # framed print), so a later screenshot of it, whose trimmed hashes drop those bars too,
    # is found in the index. ``inside_pdq`` is "" for a photo without bars, NULL for one
    # hashed before they were kept (``shelfaudit db backfill-inside``).
    inside_phash: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    inside_dhash: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    inside_pdq: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Analysis(Base):
    """The results of one pipeline version on one photo, upserted by (photo, version)."""

    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("photo_id", "pipeline_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    pipeline_version: Mapped[str] = mapped_column(String(1000))
    checks: Mapped[dict[str, Any]] = mapped_column(JSON)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CameraFingerprint(Base):
    """Per photo: which camera EXIF claims, and the JPEG quantisation tables it carries."""

    __tablename__ = "camera_fingerprints"
    __table_args__ = (Index("ix_camera_fingerprints_camera", "camera"),)

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )
    camera: Mapped[str] = mapped_column(String(200))  # "make|model", lower case
    quant_fp: Mapped[str] = mapped_column(String(32))


class PhotoHashFeed(Base):
    """One row each time a photo's hashes are saved, in commit-independent ``seq`` order.

    Hash indexes in every analysing process catch up by ``seq``; a number missing below the
    highest seen is an uncommitted (or rolled back) save, re-checked for a while.
    """

    __tablename__ = "photo_hash_feed"
    __table_args__ = (
        Index("ix_photo_hash_feed_photo_id", "photo_id"),
        {"sqlite_autoincrement": True},  # never reuse a seq, even after deletes
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))


# Access: people log in with a password (roles admin, approver, ml_engineer); SFA apps send
# an API key. Only hashes are stored: scrypt for passwords, SHA-256 for keys and session ids.


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginSession(Base):
    """A browser session; ``id`` is the SHA-256 of the cookie value, never the value."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # to recognise a key in logs and lists
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """One failed login, kept for the throttle's window (``auth/throttle.py``) and then
    pruned. ``username`` is normalised (stripped, case-folded) and may name nobody;
    ``client`` is the caller's address (an IPv6 caller's /64 network)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username", "username", "at"),
        Index("ix_login_failures_client", "client", "at"),
        Index("ix_login_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# Review: the queue (one row per photo that needs a person), decisions, label corrections
# and the append-only audit trail.


class ReviewItem(Base):
    """A photo in the review queue, with what the queue sorts and filters on copied in.

    ``risk`` is the fraud score in basis points (0-10000) and ``at_stake_milli`` the amount
    the photo's payout depends on in thousandths of ``currency``: integers, so that keyset
    pages compare exactly.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_order", "state", "risk", "at_stake_milli", "photo_id"),
        Index("ix_review_items_rep", "state", "rep_id"),
        Index("ix_review_items_store", "state", "store_id"),
        Index("ix_review_items_activity", "state", "activity_id"),
        Index("ix_review_items_region", "state", "region"),
        Index("ix_review_items_captured", "state", "captured_at"),
    )

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    verdict: Mapped[str] = mapped_column(String(16))
    risk: Mapped[int] = mapped_column(Integer)
    at_stake_milli: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    confidence: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    rep_id: Mapped[str | None] = mapped_column(String(64))
    store_id: Mapped[str | None] = mapped_column(String(64))
    activity_id: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(100))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PhotoReview(Base):
    """The decision in force on a photo; every decision ever taken is in ``audit_events``."""

    __tablename__ = "photo_reviews"
    __table_args__ = (Index("ix_photo_reviews_decided_at", "decided_at"),)

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(100))
    # The analysis on screen when deciding (no foreign key: analyses are upserted by
    # version and a photo's rows go with it): exported labels are its boxes, corrected.
    analysis_id: Mapped[int | None] = mapped_column(Integer)


class LabelCorrection(Base):
    """A reviewer's correction of one detection box: a new class, or the box is wrong."""

    __tablename__ = "label_corrections"
    __table_args__ = (Index("ix_label_corrections_photo", "photo_id", "box_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    box_index: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    class_name: Mapped[str | None] = mapped_column(String(100))
    # The box as the reviewer saw it; None on corrections saved before migration 0109.
    model_class: Mapped[str | None] = mapped_column(String(100))
    xyxy: Mapped[list[float] | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DrawnBox(Base):
    """A box a reviewer drew round an object the detector missed: a label for retraining.

    It belongs to the photo, not to an analysis (the object is in the picture whatever a
    model finds), in upright original pixels like the detector's boxes. Removing one keeps
    the row (``removed_at``), so the trail can say what was drawn and taken back."""

    __tablename__ = "drawn_boxes"
    __table_args__ = (Index("ix_drawn_boxes_photo", "photo_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    class_name: Mapped[str] = mapped_column(String(100))
    xyxy: Mapped[list[float]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_by: Mapped[str | None] = mapped_column(String(100))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookEndpoint(Base):
    """Where an SFA app or another system wants to hear about photos (``notify/``)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    # Signs every delivery (HMAC-SHA256); kept in clear because signing needs it, shown to
    # the admin once, at creation.
    secret: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One event for one endpoint: the outbox row, written in the transaction of the change
    it tells of, sent (and re-sent with back-off) by ``notify/deliver.py``."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(32))
    photo_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Who did what, when, with the state before and after. Rows are only ever inserted
    (the migration adds triggers that refuse UPDATE and DELETE); no foreign key, so the
    trail outlives what it talks about."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_photo", "photo_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    photo_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# Payouts: commission rule sets as data, and the statements and lines they produced.


class RuleSetVersion(Base):
    """One version of a rule set, as uploaded (``source``); ``status`` draft or active."""

    __tablename__ = "rule_set_versions"
    __table_args__ = (UniqueConstraint("rule_set_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_set_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    syntax: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PayoutStatement(Base):
    __tablename__ = "payout_statements"
    __table_args__ = (UniqueConstraint("rep_id", "currency", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rep_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    period_label: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    total: Mapped[Decimal] = mapped_column(DecimalText())
    held: Mapped[Decimal] = mapped_column(DecimalText())
    on_hold: Mapped[Decimal] = mapped_column(DecimalText())
    rule_sets: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PayoutRun(Base):
    """One statement run of a period, stored or not (a run with nothing to pay stores no
    statement, yet its period was run: photos arriving later are priced late)."""

    __tablename__ = "payout_runs"
    __table_args__ = (Index("ix_payout_runs_period", "period_end", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period_label: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    ran_by: Mapped[str] = mapped_column(String(100))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    statements: Mapped[int] = mapped_column(Integer)


class PayoutClosure(Base):
    """A period whose statements are final (paid out): never run again."""

    __tablename__ = "payout_closures"
    __table_args__ = (UniqueConstraint("period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period_label: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PayoutLineRow(Base):
    """One ``commission.PayoutLine`` as paid: the rule-set version and rule behind it."""

    __tablename__ = "payout_lines"
    __table_args__ = (
        Index("ix_payout_lines_photo", "photo_id"),
        Index("ix_payout_lines_period", "period_end", "rep_id"),
    )

    line_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("payout_statements.id", ondelete="CASCADE")
    )
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    rep_id: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[str] = mapped_column(String(64))
    photo_id: Mapped[int] = mapped_column(Integer)
    photo_ids: Mapped[list[int]] = mapped_column(JSON)
    visit_at: Mapped[datetime] = mapped_column(UTCDateTime())
    visit_offset_min: Mapped[int | None] = mapped_column(SmallInteger)
    rule_set_id: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(DecimalText())
    held: Mapped[Decimal] = mapped_column(DecimalText())
    refers_to: Mapped[list[str]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)


class ActivityStandard(Base):
    """One version of an activity's display standard, kept as the YAML that defined it."""

    __tablename__ = "activity_standards"

    activity_id: Mapped[str] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# The SKU catalogue: products and their packshots. A packshot's embedding is a cache: it is
# recomputed from the original in object storage whenever the embedding model changes.


class Sku(Base):
    """A product. Never deleted (deactivated instead), so past results keep their meaning.

    ``revision`` goes up by one on every change, so the sum over all rows changes whenever
    any SKU does: ``store.catalogue.catalogue_revision`` reads it without trusting clocks.
    """

    __tablename__ = "skus"
    __table_args__ = (Index("ix_skus_brand", "brand"),)

    sku_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(100))
    barcode: Mapped[str | None] = mapped_column(String(14), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SkuPackshot(Base):
    """One reference picture of a SKU; the original lives in object storage at ``object_key``.

    ``embedding`` is float32 little-endian bytes made by model ``model_version``. ``kind``
    (``domain.enums.ExampleKind``) says whether it is a packshot or a field example a person
    confirmed, cut from photo ``source_photo_id``.
    """

    __tablename__ = "sku_packshots"
    __table_args__ = (
        UniqueConstraint("sku_id", "sha256"),
        # Ids are never reused (SQLite would reuse the highest after a delete otherwise), so
        # the catalogue revision's max id changes whenever a packshot is added.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sku_id: Mapped[str] = mapped_column(ForeignKey("skus.sku_id"))
    object_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    model_version: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default="packshot", server_default="packshot")
    source_photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))

    @property
    def embedded(self) -> bool:
        return self.embedding is not None
