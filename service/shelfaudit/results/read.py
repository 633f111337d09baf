"""Reading photos with their results, for the API and the CLI."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.errors import NotFound
from shelfaudit.results.schemas import AnalysisPublic, PhotoPublic
from shelfaudit.store.tables import Analysis, Photo


def read_photo(session: Session, photo_id: int) -> PhotoPublic:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    analyses = session.scalars(
        select(Analysis).where(Analysis.photo_id == photo_id).order_by(Analysis.updated_at.desc())
    )
    public = PhotoPublic.model_validate(photo)
    return public.model_copy(
        update={"results": [AnalysisPublic.model_validate(a) for a in analyses]}
    )


def list_photos(
    session: Session,
    *,
    status: str | None = None,
    store_id: str | None = None,
    rep_id: str | None = None,
    activity_id: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[PhotoPublic]:
    query = select(Photo).where(Photo.id > after_id)
    for column, value in (
        (Photo.status, status),
        (Photo.store_id, store_id),
        (Photo.rep_id, rep_id),
        (Photo.activity_id, activity_id),
    ):
        if value is not None:
            query = query.where(column == value)
    photos = session.scalars(query.order_by(Photo.id).limit(limit))
    return [PhotoPublic.model_validate(p) for p in photos]


def audit_record(photo: PhotoPublic, *, file: str | None) -> dict[str, Any]:
    """The CLI's one-JSON-object-per-photo shape: the newest result's checks and flags."""
    latest = photo.results[0] if photo.results else None
    return {
        "file": file,
        "photo_id": photo.id,
        "status": photo.status.value,
        "pipeline_version": latest.pipeline_version if latest else None,
        "checks": latest.checks if latest else {},
        "flags": latest.flags if latest else [],
        "error": photo.last_error,
    }
