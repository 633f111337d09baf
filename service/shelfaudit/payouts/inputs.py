"""``commission.AuditedPhoto`` records built from the database: the photo and its visit,
the newest analysis (verdict, display score) and the decision in force.

Only analysed photos with a rep, a store, an activity and a capture time can be paid;
others are left out (``skipped`` says which and why, for the statement run's report).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.commission import AuditedPhoto, CriterionResult, Decision, Review
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import CommissionError
from shelfaudit.results.newest import latest_analyses
from shelfaudit.review.analysis_view import (
    display,
    display_score,
    verdict_of,
    verdict_reason,
)
from shelfaudit.store.tables import Activity, Photo, PhotoReview, Store


@dataclass
class Inputs:
    photos: list[AuditedPhoto] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _criteria(checks: dict[str, Any]) -> tuple[CriterionResult, ...]:
    raw = display(checks).get("criteria") or []
    return tuple(
        CriterionResult(
            name=str(c["name"]), mandatory=bool(c.get("mandatory")), passed=bool(c.get("passed"))
        )
        for c in raw
        if isinstance(c, dict) and c.get("name")
    )


def _measures(checks: dict[str, Any]) -> dict[str, Decimal]:
    raw = display(checks).get("measures") or {}
    found = {str(k): _decimal(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    return {k: v for k, v in found.items() if v is not None}


def review_record(row: PhotoReview | None) -> Review | None:
    if row is None:
        return None
    return Review(
        decision=Decision(row.decision),
        decided_at=row.decided_at,
        reason_code=row.reason_code,
        comment=row.comment,
    )


def audited_photo(
    photo: Photo,
    checks: dict[str, Any],
    *,
    store: Store | None,
    activity: Activity | None,
    review: PhotoReview | None,
) -> AuditedPhoto:
    score = display_score(checks)
    if (
        photo.rep_id is None
        or photo.store_id is None
        or photo.activity_id is None
        or photo.captured_at is None
    ):
        raise CommissionError(f"photo {photo.id} cannot be paid: {_unpayable(photo)}")
    return AuditedPhoto(
        photo_id=photo.id,
        rep_id=photo.rep_id,
        store_id=photo.store_id,
        store_name=store.name if store else "",
        activity_id=photo.activity_id,
        activity_name=activity.name if activity else "",
        captured_at=photo.captured_at,
        captured_offset_min=photo.captured_offset_min,
        score=Decimal(str(score)) if score is not None else None,
        measures=_measures(checks),
        criteria=_criteria(checks),
        verdict=verdict_of(checks),
        verdict_reason=verdict_reason(checks),
        review=review_record(review),
    )


def load_inputs(
    session: Session,
    *,
    captured_from: datetime | None = None,
    captured_before: datetime | None = None,
    photo_ids: Iterable[int] = (),
) -> Inputs:
    """Photos captured in ``[captured_from, captured_before)`` plus ``photo_ids``."""
    wanted = set(photo_ids)
    query = (
        select(Photo, Store, Activity, PhotoReview)
        .outerjoin(Store, Store.id == Photo.store_id)
        .outerjoin(Activity, Activity.id == Photo.activity_id)
        .outerjoin(PhotoReview, PhotoReview.photo_id == Photo.id)
    )
    ranged = captured_from is not None and captured_before is not None
    in_range = query.where(Photo.captured_at >= captured_from, Photo.captured_at < captured_before)
    rows = list(session.execute(in_range).all()) if ranged else []
    seen = {row[0].id for row in rows}
    extra = sorted(wanted - seen)
    for start in range(0, len(extra), 500):
        chunk = extra[start : start + 500]
        rows.extend(session.execute(query.where(Photo.id.in_(chunk))).all())
    analyses = latest_analyses(session, [row[0].id for row in rows])
    first_of = _first_with_same_bytes(session, {_copy(row[0]) for row in rows})
    inputs = Inputs()
    for photo, store, activity, review in rows:
        problem = _unpayable(photo)
        analysis = analyses.get(photo.id)
        if problem is None and analysis is None:
            problem = "no analysis"
        if problem is not None:
            inputs.skipped[photo.id] = problem
            continue
        assert analysis is not None
        audited = audited_photo(
            photo, analysis.checks, store=store, activity=activity, review=review
        )
        inputs.photos.append(
            audited.model_copy(update={"repeat_of": _earlier_copy(first_of, photo)})
        )
    return inputs


Copy = tuple[str, str | None, str | None]  # sha256, rep, store


def repeat_of(session: Session, photo: Photo) -> int | None:
    """The earlier analysed photo of the same file from the same rep and store, which is paid
    instead; else None."""
    return _earlier_copy(_first_with_same_bytes(session, {_copy(photo)}), photo)


def _copy(photo: Photo) -> Copy:
    return (photo.sha256, photo.rep_id, photo.store_id)


def _earlier_copy(first_of: dict[Copy, int], photo: Photo) -> int | None:
    first = first_of.get(_copy(photo), photo.id)
    return first if first < photo.id else None


def _first_with_same_bytes(session: Session, copies: set[Copy]) -> dict[Copy, int]:
    """The lowest id of an analysed photo of each file sent by one rep for one store: the
    copy that is paid (a first upload that failed to analyse does not take the place of its
    retry). Another rep's or store's copy is not a retry: the fraud checks judge it."""
    found: dict[Copy, int] = {}
    shas = sorted({sha for sha, _, _ in copies})
    for start in range(0, len(shas), 500):
        chunk = shas[start : start + 500]
        rows = session.execute(
            select(Photo.sha256, Photo.rep_id, Photo.store_id, func.min(Photo.id))
            .where(Photo.sha256.in_(chunk), Photo.status == PhotoStatus.analysed)
            .group_by(Photo.sha256, Photo.rep_id, Photo.store_id)
        ).all()
        found.update({(sha, rep, store): int(first) for sha, rep, store, first in rows})
    return found


def _unpayable(photo: Photo) -> str | None:
    if photo.status != PhotoStatus.analysed:
        return f"status {photo.status}"
    missing = [
        name
        for name in ("rep_id", "store_id", "activity_id", "captured_at")
        if getattr(photo, name) is None
    ]
    return f"no {', '.join(missing)}" if missing else None
