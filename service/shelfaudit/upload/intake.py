"""Accept one upload: validate, store the original, write the photo row.

Order matters for "never lose an accepted upload": the original is stored durably before
the row exists, and the row exists (status ``received``) before anything is queued, so a
broker outage or a dead worker only delays analysis until the sweep re-queues it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.analyse import decode
from shelfaudit.analyse.pipeline import sha256_hex
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import Conflict, PayloadTooLarge, UnknownReference
from shelfaudit.settings import Settings
from shelfaudit.store.objects import ObjectStore, original_key
from shelfaudit.store.tables import Activity, Photo, Rep, Store, utcnow
from shelfaudit.upload.metadata import VisitMetadata, check_capture_time

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}

# Decoding at 1/8 still reads the whole entropy-coded stream (so truncation is caught)
# for about 25 ms on a 12 MP JPEG.
_VALIDATION_LONG_SIDE = 256
_CHEAP_PIXELS = 16_000_000  # a 12 MP phone photo as PNG: ~50 MB decoded
_COSTLY_AT_ONCE = 2
_costly_decodes = threading.BoundedSemaphore(_COSTLY_AT_ONCE)


@dataclass(frozen=True)
class Accepted:
    photo: Photo
    created: bool  # False when the client_photo_id was seen before


def validate_image(data: bytes, *, max_bytes: int, max_pixels: int) -> decode.ImageHeader:
    """Refuse empty, oversized, non-image, unsupported, bomb, truncated or corrupt files."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"file is {len(data):,} bytes; the limit is {max_bytes:,} bytes "
            f"({max_bytes / 2**20:.1f} MiB)"
        )
    header = decode.read_header(data, max_pixels=max_pixels)
    cheap = header.format != "HEIF" and header.width * header.height <= _CHEAP_PIXELS
    if header.format == "JPEG" or cheap:
        decode.decode(data, target_long_side=_VALIDATION_LONG_SIDE, max_pixels=max_pixels)
    else:
        # A PNG or WebP is decoded whole (JPEG shrinks while decoding): a flat 100 MP PNG
        # of 300 KB costs ~770 MB, and forty at once would take the API down with every
        # upload in it. At most ``_COSTLY_AT_ONCE`` such decodes run; the rest wait. HEVC
        # (HEIC) decodes whole too, at about 0.3 s of CPU for 5 MP: every HEIC waits its turn.
        with _costly_decodes:
            decode.decode(data, target_long_side=_VALIDATION_LONG_SIDE, max_pixels=max_pixels)
    return header


def check_references(session: Session, meta: VisitMetadata) -> None:
    for model, value, field in (
        (Store, meta.store_id, "store_id"),
        (Rep, meta.rep_id, "rep_id"),
        (Activity, meta.activity_id, "activity_id"),
    ):
        if value is not None and session.get(model, value) is None:
            noun = field.removesuffix("_id")
            raise UnknownReference(f"unknown {noun} {value!r}", field=field)


def find_by_client_id(session: Session, client_photo_id: str) -> Photo | None:
    return session.scalar(select(Photo).where(Photo.client_photo_id == client_photo_id))


def replayed(existing: Photo, *, data: bytes, meta: VisitMetadata) -> Accepted:
    """The photo stored under this client_photo_id, when the request is a resend of it.

    A retry after a lost response sends the same file and visit; anything else under a
    seen id is an app bug (an id counter reset after reinstall) or a new photo that would
    silently be dropped, so it is refused naming what differs.
    """
    differs = [
        field
        for field, stored, sent in (
            ("rep_id", existing.rep_id, meta.rep_id),
            ("store_id", existing.store_id, meta.store_id),
            ("activity_id", existing.activity_id, meta.activity_id),
            ("captured_at", existing.captured_at, meta.captured_at),
        )
        if stored != sent
    ]
    if existing.sha256 != sha256_hex(data):
        differs.insert(0, "file")
    if differs:
        raise Conflict(
            f"client_photo_id {existing.client_photo_id!r} was used for photo {existing.id} "
            f"with a different {', '.join(differs)}; a resend must repeat the same photo "
            "and visit, and a new photo needs a new client_photo_id",
            field="client_photo_id",
        )
    return Accepted(existing, created=False)


def accept_photo(
    *,
    sessions: sessionmaker[Session],
    objects: ObjectStore,
    settings: Settings,
    data: bytes,
    meta: VisitMetadata,
    source_name: str | None = None,
) -> Accepted:
    """Validate and keep one photo; raises an ``InvalidInput`` subclass for bad input."""
    if meta.client_photo_id:
        with sessions() as session:
            existing = find_by_client_id(session, meta.client_photo_id)
            if existing is not None:
                return replayed(existing, data=data, meta=meta)

    now = utcnow()
    check_capture_time(
        meta.captured_at,
        now=now,
        max_age=timedelta(days=settings.capture_max_age_days),
    )
    header = validate_image(
        data, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_pixels
    )
    with sessions() as session:
        check_references(session, meta)

    sha256 = sha256_hex(data)
    key = original_key(sha256)
    objects.put(key, data, CONTENT_TYPES[header.format])

    photo = Photo(
        client_photo_id=meta.client_photo_id,
        sha256=sha256,
        object_key=key,
        size_bytes=len(data),
        format=header.format,
        width=header.width,
        height=header.height,
        source_name=source_name,
        rep_id=meta.rep_id,
        store_id=meta.store_id,
        activity_id=meta.activity_id,
        captured_at=meta.captured_at,
        captured_offset_min=meta.captured_offset_min,
        received_at=now,
        lat=meta.lat,
        lon=meta.lon,
        accuracy_m=meta.accuracy_m,
        device_model=meta.device_model,
        app_version=meta.app_version,
        status=PhotoStatus.received,
        attempts=0,
        updated_at=now,
    )
    try:
        with sessions.begin() as session:
            session.add(photo)
    except IntegrityError:
        # Two requests with one client_photo_id raced; the other one won.
        if not meta.client_photo_id:
            raise
        with sessions() as session:
            existing = find_by_client_id(session, meta.client_photo_id)
        if existing is None:
            raise
        return replayed(existing, data=data, meta=meta)
    return Accepted(photo, created=True)
