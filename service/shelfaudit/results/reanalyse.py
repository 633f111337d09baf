"""Analyse stored photos again: after a display standard is published for photos that came
before it, after a model or threshold change, or for photos whose analysis failed.

The original is kept, so a photo is simply set back to ``received`` and queued; the task
re-runs the whole pipeline and replaces the analysis of the current pipeline version
(upsert), and the review triage runs again on the new result.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.results.newest import latest_analyses
from shelfaudit.store.tables import Photo, utcnow

_DONE = (PhotoStatus.analysed.value, PhotoStatus.failed.value)  # others are on their way


def photos_to_reanalyse(
    session: Session,
    *,
    photo_ids: Iterable[int] = (),
    activity_id: str | None = None,
    missing_score: bool = False,
) -> list[int]:
    """Finished photos (analysed or failed) by id and/or activity, in id order; with
    ``missing_score`` only those whose newest analysis has no display score."""
    query = select(Photo.id).where(Photo.status.in_(_DONE)).order_by(Photo.id)
    wanted = sorted(set(photo_ids))
    if wanted:
        query = query.where(Photo.id.in_(wanted))
    if activity_id is not None:
        query = query.where(Photo.activity_id == activity_id)
    ids = list(session.scalars(query))
    if missing_score:
        scored = _scored(session, ids)
        ids = [photo_id for photo_id in ids if photo_id not in scored]
    return ids


def _scored(session: Session, photo_ids: list[int]) -> set[int]:
    newest = latest_analyses(session, photo_ids)
    return {pid for pid, row in newest.items() if (row.checks or {}).get("display") is not None}


def mark_for_reanalysis(session: Session, photo_ids: Iterable[int]) -> None:
    """Set the photos back to ``received`` with a fresh attempt count (queue them next)."""
    now = utcnow()
    for photo in session.scalars(select(Photo).where(Photo.id.in_(list(photo_ids)))):
        photo.status = PhotoStatus.received.value
        photo.attempts = 0
        photo.last_error = None
        photo.updated_at = now


# A resend retries a failed photo at most this often: a file that kills workers is not
# run again at the pace an app retries.
RETRY_FAILED_AFTER = timedelta(minutes=10)


def retry_failed(sessions: sessionmaker[Session], photo_id: int, *, now: datetime) -> bool:
    """Set a failed photo back to ``received`` when its app sends it again (the fault may
    be fixed since: a model, a server); True when the caller should queue it."""
    with sessions.begin() as session:
        photo = session.get(Photo, photo_id, with_for_update=True)
        if photo is None or photo.status != PhotoStatus.failed.value:
            return False
        if photo.updated_at > now - RETRY_FAILED_AFTER:
            return False
        mark_for_reanalysis(session, [photo_id])
        return True
