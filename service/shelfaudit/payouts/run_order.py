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

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.commission import Period
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import Conflict
from shelfaudit.payouts.closing import closure_of, refuse_if_closed
from shelfaudit.scoring.wording import counted
from shelfaudit.store.tables import PayoutRun, PayoutStatement, Photo, utcnow

# A period still running may be run (provisional) when it ends within this: a month.
AHEAD = timedelta(days=31)


def refuse_out_of_order(session: Session, period: Period, *, now: datetime) -> None:
    """``Conflict`` naming what is in the way when ``period`` may not be run now."""
    if now < period.start:
        raise Conflict(
            f"period {period.label} starts on {period.local(period.start):%Y-%m-%d}: it cannot "
            "be run "
            "before it starts"
        )
    if period.end > now + AHEAD:
        # A mistyped end year (2026-12-07..2027-12-07) was run, overlapped every period
        # after it, and could be neither closed nor replaced until it ended.
        raise Conflict(
            f"period {period.label} runs until {period.local(period.end):%Y-%m-%d}, more than "
            f"{AHEAD.days} days from now: run it once it has ended (a run before the end is "
            "provisional), or check the dates"
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
            f"{counted(waiting, 'photo')} captured between {period.local(start):%Y-%m-%d} and "
            f"{period.local(period.start):%Y-%m-%d} (exclusive) "
            f"{'has' if waiting == 1 else 'have'} been in no "
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


@dataclass(frozen=True)
class PeriodState:
    """What the statements page says of a period, whatever rep it is filtered to."""

    end: datetime
    closed_by: str | None
    closed_at: datetime | None
    ran_by: str | None
    ran_at: datetime | None  # the latest run, stored statements or not
    ended: bool
    later: tuple[str, ...]  # later periods with stored statements: this one cannot be run
    too_early: bool  # not started, or ends too far ahead to be run now
    refused: str | None = None  # why a run would be refused now (overlap, a skipped period)

    @property
    def provisional(self) -> bool:
        return self.ran_at is not None and self.ran_at < self.end


def period_state(session: Session, period: Period, *, now: datetime | None = None) -> PeriodState:
    now = now or utcnow()
    closed = closure_of(session, period)
    last = session.execute(
        select(PayoutRun.ran_by, PayoutRun.ran_at)
        .where(PayoutRun.period_start == period.start, PayoutRun.period_end == period.end)
        .order_by(PayoutRun.ran_at.desc())
        .limit(1)
    ).first()
    later = session.scalars(
        select(PayoutStatement.period_label)
        .where(PayoutStatement.period_start >= period.end)
        .distinct()
        .order_by(PayoutStatement.period_label)
    )
    try:
        refuse_out_of_order(session, period, now=now)
        refused = None
    except Conflict as exc:  # the page offers no Run button that would answer 409
        refused = exc.message
    return PeriodState(
        refused=refused,
        end=period.end,
        closed_by=closed.closed_by if closed else None,
        closed_at=closed.closed_at if closed else None,
        ran_by=last.ran_by if last else None,
        ran_at=last.ran_at if last else None,
        ended=period.end <= now,
        later=tuple(later),
        too_early=now < period.start or period.end > now + AHEAD,
    )
