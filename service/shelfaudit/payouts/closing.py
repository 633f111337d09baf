"""Closing a period: its statements become final (paid out) and are never run again.

A run replaces the statements of its period, which is right until they are paid: a period
paid from its CSV and then run again would move money (a release, a late photo) into
statements nobody pays from. Once closed, a period's run is refused; what changes later
(decisions, late photos) is settled in the next period, as for any earlier one. A period is
closed only after it has ended and its statements were run after the end, so decisions
taken until the end are in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.commission import Period
from shelfaudit.errors import Conflict
from shelfaudit.review import audit
from shelfaudit.store.tables import PayoutClosure, PayoutStatement, utcnow


@dataclass(frozen=True)
class Closure:
    period: Period
    closed_by: str
    closed_at: datetime
    statements: int


# Any number, the same in every process: the PostgreSQL advisory lock payout writes share.
_PAYOUTS_LOCK = 0x5A_0A_D1_75


def lock_payouts(session: Session) -> None:
    """Serialise statement runs and closings until the transaction ends: a run and a
    closing of one period sent together both succeeded, so closed statements could be
    replaced. PostgreSQL takes a transaction-level advisory lock; SQLite serialises writers
    already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PAYOUTS_LOCK})


def closure_of(session: Session, period: Period) -> PayoutClosure | None:
    return session.scalar(
        select(PayoutClosure).where(
            PayoutClosure.period_start == period.start, PayoutClosure.period_end == period.end
        )
    )


def refuse_if_closed(session: Session, period: Period) -> None:
    closed = closure_of(session, period)
    if closed is not None:
        raise Conflict(
            f"period {period.label} was closed by {closed.closed_by} on "
            f"{closed.closed_at:%Y-%m-%d %H:%M} UTC: its statements are final; what changed "
            "since is settled in the next period"
        )


def close_period(
    session: Session, *, period: Period, actor: Principal, now: datetime | None = None
) -> Closure:
    """Mark the period's stored statements final; ``Conflict`` while the period is still
    running, when its statements were run before it ended or never, or when it is closed."""
    now = now or utcnow()
    lock_payouts(session)
    if now < period.end:
        raise Conflict(
            f"period {period.label} runs until {period.end:%Y-%m-%d %H:%M} UTC: close it "
            "after it ends (decisions until then count in it)"
        )
    refuse_if_closed(session, period)
    count, ran_at = session.execute(
        select(func.count(), func.min(PayoutStatement.created_at)).where(
            PayoutStatement.period_start == period.start,
            PayoutStatement.period_end == period.end,
        )
    ).one()
    if not count:
        raise Conflict(f"no statements of {period.label} are stored: run the period first")
    if ran_at < period.end:
        raise Conflict(
            f"the statements of {period.label} were run on {ran_at:%Y-%m-%d %H:%M} UTC, "
            "before the period ended: run it again, check them, then close it"
        )
    session.add(
        PayoutClosure(
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            closed_by=actor.name,
            closed_at=now,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="payout_close",
        subject=f"period {period.label}",
        after={"statements": count},
    )
    session.flush()
    return Closure(period=period, closed_by=actor.name, closed_at=now, statements=count)
