"""Reading photos with their results, for the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shelfaudit.errors import NotFound
from shelfaudit.results.schemas import AnalysisPublic, PhotoPublic, ReviewPublic, ReviewState
from shelfaudit.store.tables import Analysis, Photo, PhotoReview, ReviewItem

_WAITING = "open"  # review.vocabulary.ItemState.open: the queue's own vocabulary


def reviews_of(session: Session, photo_ids: list[int]) -> dict[int, ReviewPublic]:
    """Each photo's review standing: the decision in force, else its open queue item."""
    found: dict[int, ReviewPublic] = {}
    items = session.scalars(
        select(ReviewItem).where(ReviewItem.photo_id.in_(photo_ids), ReviewItem.state == _WAITING)
    )
    for item in items:
        found[item.photo_id] = ReviewPublic(state=ReviewState.waiting, reasons=item.reasons)
    for row in session.scalars(select(PhotoReview).where(PhotoReview.photo_id.in_(photo_ids))):
        found[row.photo_id] = ReviewPublic(
            state=ReviewState.decided,
            decision=row.decision,
            reason_code=row.reason_code,
            comment=row.comment,
            decided_at=row.decided_at,
        )
    return found


def read_photo(session: Session, photo_id: int) -> PhotoPublic:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    analyses = session.scalars(
        select(Analysis).where(Analysis.photo_id == photo_id).order_by(Analysis.updated_at.desc())
    )
    public = PhotoPublic.model_validate(photo)
    update: dict[str, Any] = {"results": [AnalysisPublic.model_validate(a) for a in analyses]}
    if review := reviews_of(session, [photo_id]).get(photo_id):
        update["review"] = review
    return public.model_copy(update=update)


def list_photos(
    session: Session,
    *,
    status: str | None = None,
    store_id: str | None = None,
    rep_id: str | None = None,
    activity_id: str | None = None,
    after_id: int = 0,
    limit: int = 100,
    changed_since: datetime | None = None,
) -> list[PhotoPublic]:
    query = select(Photo).where(Photo.id > after_id)
    if changed_since is not None:
        decided = select(PhotoReview.photo_id).where(PhotoReview.decided_at >= changed_since)
        query = query.where(or_(Photo.updated_at >= changed_since, Photo.id.in_(decided)))
    for column, value in (
        (Photo.status, status),
        (Photo.store_id, store_id),
        (Photo.rep_id, rep_id),
        (Photo.activity_id, activity_id),
    ):
        if value is not None:
            query = query.where(column == value)
    photos = [
        PhotoPublic.model_validate(p)
        for p in session.scalars(query.order_by(Photo.id).limit(limit))
    ]
    reviews = reviews_of(session, [p.id for p in photos])
    return [
        p.model_copy(update={"review": reviews[p.id]}) if p.id in reviews else p for p in photos
    ]


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
