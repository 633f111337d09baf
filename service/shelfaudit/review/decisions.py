"""Approve or reject a photo; every decision is written to the audit trail.

The decision in force lives in ``photo_reviews`` and reaches commission through
``payouts.inputs``: the next statement run releases a held photo that was approved, lets a
hold lapse and (for the reason codes a rule set lists) penalises a rejected one, and claws
back what was already paid for a photo rejected later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.commission import Decision
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.domain.fraud import Verdict
from shelfaudit.domain.text import check_note
from shelfaudit.errors import Conflict, InvalidInput, NotAnalysed, NotFound
from shelfaudit.notify.events import EventType, photo_changed
from shelfaudit.review import audit
from shelfaudit.review.analysis_view import latest_analysis, stamp_of
from shelfaudit.review.vocabulary import APPROVE_REASONS, REJECT_REASONS, ItemState, ReasonCode
from shelfaudit.store.tables import Analysis, Photo, PhotoReview, ReviewItem, utcnow
from shelfaudit.store.upsert import insert_if_absent, upsert

_UNFINISHED = (PhotoStatus.received, PhotoStatus.processing)

MAX_COMMENT = 2000


def _state(row: PhotoReview | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "decision": row.decision,
        "reason_code": row.reason_code,
        "comment": row.comment,
        "decided_at": row.decided_at.isoformat(),
        "decided_by": row.decided_by,
    }


_VERB = {Decision.approved: "approve", Decision.rejected: "reject"}

UNDECIDED = "none"


def decision_stamp(row: PhotoReview | None) -> str:
    """What a page showed of the decision in force: ``none``, or when it was made. A
    decision sent with the stamp it saw is refused if another came in meanwhile."""
    return UNDECIDED if row is None else row.decided_at.isoformat()


def _same_moment(stored: datetime, sent: datetime) -> bool:
    """``sent`` is ``stored`` as the caller wrote it back: to the microsecond, or to the
    millisecond as a JavaScript ``toISOString()`` does."""
    if sent.microsecond % 1000 == 0 and stored.microsecond % 1000:
        stored = stored.replace(microsecond=stored.microsecond // 1000 * 1000)
    return stored == sent


def _changed(row: PhotoReview | None) -> Conflict:
    now = (
        "it is undecided"
        if row is None
        else f"{row.decided_by} {row.decision} it at {row.decided_at:%Y-%m-%d %H:%M:%S} UTC"
    )
    return Conflict(
        f"the decision changed since you looked ({now}): look again before deciding",
        field="seen",
    )


def _check_seen(row: PhotoReview | None, seen: str) -> None:
    if seen == UNDECIDED:
        unchanged = row is None
    else:
        try:
            moment = datetime.fromisoformat(seen)
        except ValueError as exc:
            raise InvalidInput(
                "seen is 'none' or the decided_at of the decision you saw", field="seen"
            ) from exc
        if moment.tzinfo is None:
            raise InvalidInput("seen needs its UTC offset, as decided_at has", field="seen")
        unchanged = row is not None and _same_moment(row.decided_at, moment)
    if not unchanged:
        raise _changed(row)


def _check_analysis(shown: Analysis | None, seen_analysis: str) -> None:
    """A re-analysis since the page was drawn may have changed the verdict the person
    decided on."""
    if seen_analysis != stamp_of(shown):
        raise Conflict(
            "the photo was analysed again since you looked: look at the new results before "
            "deciding",
            field="seen_analysis",
        )


def _write(
    session: Session,
    photo_id: int,
    values: dict[str, Any],
    *,
    overwrite: bool,
    seen: PhotoReview | None,
) -> None:
    """Put the decision in force in one statement: with ``overwrite``, whatever is there;
    else only if the decision ``seen`` is still in force (None: only if there is none; of
    two first decisions racing, one wins and the other is a ``Conflict``)."""
    if overwrite:
        upsert(
            session,
            PhotoReview.__table__,  # type: ignore[arg-type]
            {"photo_id": photo_id, **values},
            keys=["photo_id"],
            update=list(values),
        )
        return
    if seen is None:
        written = insert_if_absent(
            session,
            PhotoReview.__table__,  # type: ignore[arg-type]
            {"photo_id": photo_id, **values},
            keys=["photo_id"],
        )
    else:
        result = session.execute(
            update(PhotoReview)
            .where(PhotoReview.photo_id == photo_id, PhotoReview.decided_at == seen.decided_at)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        written = result.rowcount == 1  # type: ignore[attr-defined]
    if not written:
        raise _changed(session.get(PhotoReview, photo_id, populate_existing=True))


def _confirm_unchanged(session: Session, row: PhotoReview) -> None:
    """``Conflict`` unless ``row`` is still the decision in force (one statement, like
    ``_write``'s guarded update)."""
    result = session.execute(
        update(PhotoReview)
        .where(
            PhotoReview.photo_id == row.photo_id,
            PhotoReview.decided_at == row.decided_at,
            PhotoReview.decided_by == row.decided_by,
        )
        .values(decided_by=row.decided_by)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _changed(session.get(PhotoReview, row.photo_id, populate_existing=True))


def _check(decision: Decision, reason_code: ReasonCode | None) -> None:
    allowed = APPROVE_REASONS if decision is Decision.approved else REJECT_REASONS
    if decision is Decision.rejected and reason_code is None:
        raise InvalidInput("a rejection needs a reason code", field="reason_code")
    if reason_code is not None and reason_code not in allowed:
        raise InvalidInput(
            f"{reason_code} is not a reason to {_VERB[decision]}; use one of {', '.join(allowed)}",
            field="reason_code",
        )


def _note(comment: str | None) -> str | None:
    try:
        return check_note(comment or "")[:MAX_COMMENT] or None
    except ValueError as exc:
        raise InvalidInput(f"comment {exc}", field="comment") from exc


def decide(
    session: Session,
    *,
    photo_id: int,
    decision: Decision,
    actor: Principal,
    reason_code: ReasonCode | None = None,
    comment: str | None = None,
    seen: str | None = None,
    seen_analysis: str | None = None,
) -> PhotoReview:
    """Record ``actor``'s decision on ``photo_id`` (replacing an earlier one) and its trail.
    With ``seen`` (``decision_stamp`` of what the person looked at), a decision someone else
    made meanwhile, even at the same instant, is a ``Conflict`` instead of being overwritten
    unread; with ``seen_analysis`` (``analysis_stamp``), so is a re-analysis since."""
    _check(decision, reason_code)
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    if decision is Decision.approved and photo.status in _UNFINISHED:
        # Failed photos may be approved by a person who looked; unfinished ones are still
        # to be scored and checked for fraud.
        raise NotAnalysed(f"photo {photo_id} is {photo.status}: wait for its analysis")
    comment = _note(comment)
    shown = latest_analysis(session, photo_id)  # the one decided on, kept for label export
    if seen_analysis is not None:
        _check_analysis(shown, seen_analysis)
    row = session.get(PhotoReview, photo_id, populate_existing=True)
    if seen is not None:
        _check_seen(row, seen)
    if row is not None and (row.decision, row.reason_code, row.comment, row.decided_by) == (
        decision.value,
        reason_code.value if reason_code else None,
        comment,
        actor.name,
    ):
        # The same person repeating the same decision (a second key press): nothing to
        # record again, and its time stays (statements count a decision from that time);
        # but only if it is still the one in force.
        _confirm_unchanged(session, row)
        return row
    before = _state(row)
    values = {
        "decision": decision.value,
        "reason_code": reason_code.value if reason_code else None,
        "comment": comment,
        "decided_at": utcnow(),
        "decided_by": actor.name,
        "analysis_id": shown.id if shown is not None else None,
    }
    _write(session, photo_id, values, overwrite=seen is None, seen=row)
    row = session.get(PhotoReview, photo_id, populate_existing=True)
    assert row is not None
    item = session.get(ReviewItem, photo_id)
    if item is not None:
        item.state = ItemState.decided.value
        item.updated_at = row.decided_at
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"photo_{decision.value}",
        subject=f"photo {photo_id}",
        photo_id=photo_id,
        before=before,
        after=_state(row),
    )
    photo_changed(session, EventType.photo_decided, photo_id)
    return row


@dataclass
class BulkResult:
    approved: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # photo id -> why not


NOT_IN_QUEUE = "not in the queue"


def bulk_approve(
    session: Session, *, photo_ids: Iterable[int], actor: Principal, comment: str | None = None
) -> BulkResult:
    """Approve the given open items whose fraud verdict is ``clean`` (queued only for low
    model confidence or a score near a threshold); anything else needs a look of its own."""
    wanted = sorted(set(photo_ids))
    items = {
        item.photo_id: item
        for item in session.scalars(select(ReviewItem).where(ReviewItem.photo_id.in_(wanted)))
    }
    statuses = {
        photo_id: status
        for photo_id, status in session.execute(
            select(Photo.id, Photo.status).where(Photo.id.in_(wanted))
        )
    }
    result = BulkResult()
    for photo_id in wanted:
        item = items.get(photo_id)
        if item is None or item.state != ItemState.open:
            result.skipped[photo_id] = NOT_IN_QUEUE
        elif statuses.get(photo_id) in _UNFINISHED:  # re-analysis asked for since it was queued
            result.skipped[photo_id] = "being analysed again: decide it when it is done"
        elif item.verdict != Verdict.clean:
            result.skipped[photo_id] = f"verdict {item.verdict}: decide it on its own page"
        else:
            decide(
                session,
                photo_id=photo_id,
                decision=Decision.approved,
                reason_code=ReasonCode.genuine,
                comment=comment or "bulk approval of clean items",
                actor=actor,
            )
            result.approved.append(photo_id)
    return result
