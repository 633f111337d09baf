"""Visit reports: a rep's photos of one store on one day, by activity (scene), as SFA
systems report them (visit -> scene -> image).

A visit is a rep, a store and the local day of the photos (the phone's UTC offset, else
UTC), as the commission's visit bands count it. A report is ``partial`` while any of its
photos is still being analysed or could not be analysed, and its ``revision`` changes
whenever anything in it does (a photo arrives, is analysed again, or is decided), so an app
can tell a recalculated report from the one it showed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.domain.times import local_date, offset_text
from shelfaudit.errors import InvalidInput
from shelfaudit.results.newest import latest_analyses
from shelfaudit.results.read import reviews_of
from shelfaudit.results.schemas import ReviewPublic, ReviewState
from shelfaudit.store.tables import Activity, Photo, Store

MAX_DAYS = 31
MAX_PHOTOS = 5000  # read for one request; a wider question is refused, not cut short
# Phones are at most 14 hours either side of UTC: a local day lies in this UTC window.
_SLACK = timedelta(hours=14)


class VisitStatus(StrEnum):
    complete = "complete"  # every photo analysed
    partial = "partial"  # a photo is still being analysed, or failed


class VisitPhoto(BaseModel):
    id: int
    client_photo_id: str | None
    status: PhotoStatus
    captured_at: datetime | None
    captured_offset: str | None = Field(
        description="the UTC offset the phone sent with captured_at (+07:00), if any"
    )
    verdict: str | None = Field(description="clean | review | fraud, once analysed")
    display_score: float | None = Field(description="0-100 against the activity's standard")
    review: ReviewPublic


class VisitScene(BaseModel):
    activity_id: str | None
    activity_name: str | None
    best_score: float | None = Field(
        description="the highest display score of the scene's photos that count (not judged "
        "fraud, not rejected)"
    )
    photos: list[VisitPhoto]


class VisitReport(BaseModel):
    rep_id: str
    store_id: str
    store_name: str | None
    day: date = Field(description="the local day of the visit")
    status: VisitStatus
    waiting: int = Field(description="photos still being analysed")
    failed: int = Field(description="photos that could not be analysed")
    revision: str = Field(description="changes whenever anything in the report does")
    scenes: list[VisitScene]


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    try:
        start = datetime.combine(first, time(0), tzinfo=UTC) - _SLACK
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC) + _SLACK
    except OverflowError as exc:  # 0001-01-01, 9999-12-31
        raise InvalidInput(
            "no visits are that far in the past or future", field="day_from"
        ) from exc
    return start, end


def _moment(photo: Photo) -> datetime:
    return photo.captured_at or photo.received_at


def visit_reports(
    session: Session,
    *,
    first: date,
    last: date,
    rep_id: str | None = None,
    store_id: str | None = None,
) -> list[VisitReport]:
    """Reports of the visits on local days ``first`` to ``last``, newest day first."""
    if last < first:
        raise InvalidInput("day_to is before day_from", field="day_to")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"ask for at most {MAX_DAYS} days at a time", field="day_to")
    start, end = _window(first, last)
    query = select(Photo).where(
        Photo.rep_id.is_not(None),
        Photo.store_id.is_not(None),
        or_(
            and_(Photo.captured_at >= start, Photo.captured_at < end),
            and_(Photo.captured_at.is_(None), Photo.received_at >= start, Photo.received_at < end),
        ),
    )
    if rep_id is not None:
        query = query.where(Photo.rep_id == rep_id)
    if store_id is not None:
        query = query.where(Photo.store_id == store_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if count > MAX_PHOTOS:
        raise InvalidInput(
            f"{count} photos in that range: name a rep or a store, or ask for fewer days",
            field="day_from",
        )
    photos = [
        p
        for p in session.scalars(query.order_by(Photo.id))
        if first <= local_date(_moment(p), p.captured_offset_min) <= last
    ]
    visits: dict[tuple[str, str, date], list[Photo]] = {}
    for photo in sorted(photos, key=lambda p: (_moment(p), p.id)):  # as they were taken
        day = local_date(_moment(photo), photo.captured_offset_min)
        visits.setdefault((str(photo.rep_id), str(photo.store_id), day), []).append(photo)
    return [
        _report(session, key, members)
        for key, members in sorted(visits.items(), key=lambda kv: (-kv[0][2].toordinal(), kv[0]))
    ]


def visit_of(session: Session, photo: Photo) -> VisitReport | None:
    """The report of the visit ``photo`` belongs to; None for a photo of no rep or store."""
    if photo.rep_id is None or photo.store_id is None:
        return None
    day = local_date(_moment(photo), photo.captured_offset_min)
    found = visit_reports(
        session, first=day, last=day, rep_id=photo.rep_id, store_id=photo.store_id
    )
    return found[0] if found else None


def _report(session: Session, key: tuple[str, str, date], photos: Sequence[Photo]) -> VisitReport:
    rep_id, store_id, day = key
    ids = [p.id for p in photos]
    analyses = latest_analyses(session, ids)
    reviews = reviews_of(session, ids)
    shown: list[tuple[str | None, VisitPhoto]] = []
    for photo in photos:
        checks = analyses[photo.id].checks if photo.id in analyses else {}
        score = (checks.get("display") or {}).get("score")
        shown.append(
            (
                photo.activity_id,
                VisitPhoto(
                    id=photo.id,
                    client_photo_id=photo.client_photo_id,
                    status=PhotoStatus(photo.status),
                    captured_at=photo.captured_at,
                    captured_offset=None
                    if photo.captured_offset_min is None
                    else offset_text(photo.captured_offset_min),
                    verdict=(checks.get("fraud") or {}).get("verdict"),
                    display_score=float(score) if isinstance(score, int | float) else None,
                    review=reviews.get(photo.id) or ReviewPublic(state=ReviewState.not_needed),
                ),
            )
        )
    scenes = _scenes(session, shown)
    waiting = sum(p.status in (PhotoStatus.received, PhotoStatus.processing) for p in photos)
    failed = sum(p.status == PhotoStatus.failed for p in photos)
    store = session.get(Store, store_id)
    body = {
        "store_name": store.name if store is not None else None,
        "scenes": [s.model_dump(mode="json") for s in scenes],
        "analysed": sorted((a.photo_id, a.updated_at.isoformat()) for a in analyses.values()),
    }
    revision = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return VisitReport(
        rep_id=rep_id,
        store_id=store_id,
        store_name=store.name if store is not None else None,
        day=day,
        status=VisitStatus.partial if waiting or failed else VisitStatus.complete,
        waiting=waiting,
        failed=failed,
        revision=revision,
        scenes=scenes,
    )


def _counts(photo: VisitPhoto) -> bool:
    return photo.verdict != "fraud" and photo.review.decision != "rejected"


def _scenes(session: Session, shown: list[tuple[str | None, VisitPhoto]]) -> list[VisitScene]:
    by_activity: dict[str | None, list[VisitPhoto]] = {}
    for activity_id, photo in shown:
        by_activity.setdefault(activity_id, []).append(photo)
    scenes = []
    for activity_id in sorted(by_activity, key=lambda a: (a is None, a or "")):
        members = by_activity[activity_id]
        scores = [p.display_score for p in members if p.display_score is not None and _counts(p)]
        activity = session.get(Activity, activity_id) if activity_id else None
        scenes.append(
            VisitScene(
                activity_id=activity_id,
                activity_name=activity.name if activity is not None else None,
                best_score=max(scores) if scores else None,
                photos=members,
            )
        )
    return scenes
