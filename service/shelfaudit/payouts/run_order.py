"""Which periods may be run, and when.

Periods are run in order and never overlap: a run whose period overlaps a stored one other
than itself would pay the same photos twice (neither sees the other's lines as history), and
running a period once a later one is stored would settle again what the later one settled
(its holds released twice, a rejection charged twice) or leave the later one's clawbacks
counted against lines that are gone. Both are refused (409) with the statements in the way
named: periods are run in order, and a period skipped cannot be run after a later one.
So a run is refused too while photos captured since the last run wait in a period not yet
run (their statements would never come), as is a period that has not started (its
statements would be "later" than every period not yet run) or one that is closed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.commission import Period
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import Conflict
from shelfaudit.payouts.closing import refuse_if_closed
from shelfaudit.scoring.wording import counted
from shelfaudit.store.tables import PayoutRun, PayoutStatement, Photo


def refuse_out_of_order(session: Session, period: Period, *, now: datetime) -> None:
    """``Conflict`` naming what is in the way when ``period`` may not be run now."""
    if now < period.start:
        raise Conflict(
            f"period {period.label} starts on {period.start:%Y-%m-%d}: it cannot be run "
            "before it starts"
        )
    refuse_if_closed(session, period)
    overlapping, later = _periods_in_the_way(session, period)
    if overlapping:
        raise Conflict(
            f"period {period.label} overlaps the stored statements of "
            f"{', '.join(overlapping)}: the same photos would be paid twice; run periods "
            "that follow each other without overlapping"
        )
    if later:
        raise Conflict(
            f"statements of a later period ({', '.join(later)}) are stored: they settled "
            f"what came before them, so {period.label} can no longer be run; run periods in "
            "order (what changed since is settled in the next period)"
        )
    gap = _unpaid_gap(session, period)
    if gap is not None:
        start, waiting = gap
        raise Conflict(
            f"{counted(waiting, 'photo')} captured between {start:%Y-%m-%d} and "
            f"{period.start:%Y-%m-%d} {'has' if waiting == 1 else 'have'} been in no "
            "statement: run that period first (periods run in order; a skipped one cannot be "
            "run later)"
        )


def _periods_in_the_way(session: Session, period: Period) -> tuple[list[str], list[str]]:
    """Labels of stored periods that overlap ``period`` (but are not it), and of stored
    periods that start at or after its end."""
    stored = session.execute(
        select(
            PayoutStatement.period_label, PayoutStatement.period_start, PayoutStatement.period_end
        )
        .distinct()
        .order_by(PayoutStatement.period_start)
    ).all()
    same = (period.start, period.end)
    overlapping = [
        label
        for label, start, end in stored
        if (start, end) != same and start < period.end and period.start < end
    ]
    later = [label for label, start, _ in stored if start >= period.end]
    return list(dict.fromkeys(overlapping)), list(dict.fromkeys(later))


def _unpaid_gap(session: Session, period: Period) -> tuple[datetime, int] | None:
    """When the runs before ``period`` end before it starts and photos were captured in
    between: the gap's start and how many photos it holds (they would never be paid: only
    a period's own photos are priced, and no later run may fill the gap)."""
    stored_end = session.scalar(
        select(func.max(PayoutRun.period_end)).where(PayoutRun.period_end <= period.start)
    )
    if stored_end is None or stored_end >= period.start:
        return None
    waiting = session.scalar(
        select(func.count())
        .select_from(Photo)
        .where(
            Photo.captured_at >= stored_end,
            Photo.captured_at < period.start,
            Photo.status == PhotoStatus.analysed,
            Photo.activity_id.is_not(None),
        )
    )
    return (stored_end, waiting) if waiting else None
