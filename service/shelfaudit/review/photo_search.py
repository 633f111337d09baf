"""Finding any photo by rep, store and capture day: the queue holds only open items, but a
rep disputing a penalty, or a lead checking a store, asks about photos already decided,
judged fraud with confidence, or never queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.domain.fraud import Verdict
from shelfaudit.results.newest import latest_analyses
from shelfaudit.review.analysis_view import verdict_of
from shelfaudit.store.tables import Photo, PhotoReview

MAX_FOUND = 200


@dataclass(frozen=True)
class FoundPhoto:
    id: int
    captured_at: datetime | None
    received_at: datetime
    rep_id: str | None
    store_id: str | None
    activity_id: str | None
    status: str
    verdict: Verdict | None  # None until analysed
    decision: str | None  # a person's decision, if any


def find_photos(
    session: Session,
    *,
    rep_id: str | None = None,
    store_id: str | None = None,
    day: date | None = None,
    limit: int = MAX_FOUND,
) -> list[FoundPhoto]:
    """Photos matching every filter given, newest capture first (``day``: captured that UTC
    day), at most ``limit``."""
    query = select(Photo, PhotoReview.decision).outerjoin(
        PhotoReview, PhotoReview.photo_id == Photo.id
    )
    if rep_id:
        query = query.where(Photo.rep_id == rep_id)
    if store_id:
        query = query.where(Photo.store_id == store_id)
    if day is not None:
        start = datetime.combine(day, time(0), tzinfo=UTC)
        query = query.where(Photo.captured_at >= start)
        if day < date.max:  # the day after 9999-12-31 cannot be written
            query = query.where(Photo.captured_at < start + timedelta(1))
    rows = session.execute(
        query.order_by(Photo.captured_at.desc().nulls_last(), Photo.id.desc()).limit(limit)
    ).all()
    analyses = latest_analyses(session, [photo.id for photo, _ in rows])
    return [
        FoundPhoto(
            id=photo.id,
            captured_at=photo.captured_at,
            received_at=photo.received_at,
            rep_id=photo.rep_id,
            store_id=photo.store_id,
            activity_id=photo.activity_id,
            status=photo.status,
            verdict=verdict_of(analyses[photo.id].checks) if photo.id in analyses else None,
            decision=decision,
        )
        for photo, decision in rows
    ]
