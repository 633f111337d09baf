"""Payout statements: run the engine over a period, store what it says, read it back.

A run evaluates every payable photo captured in the period, plus every earlier photo that
earlier lines paid or hold (so approvals release holds and rejections claw back), plus every
earlier photo its own period's run never saw (sent or analysed after that run: priced late,
per photo), under
every active rule-set version, with the lines of earlier periods as history. Running a
period again replaces its statements: line ids are stable, so the same inputs give the same
lines, and a decision taken since shows up as the difference.

Which periods may be run, and when, is ``run_order``'s to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.commission import LineKind, PayoutLine, Period, Statement, evaluate
from shelfaudit.commission.lines import photos_named, sort_key
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.payouts.closing import lock_payouts
from shelfaudit.payouts.inputs import Inputs, load_inputs
from shelfaudit.payouts.rule_store import active_rule_sets
from shelfaudit.payouts.run_order import refuse_out_of_order
from shelfaudit.review import audit
from shelfaudit.store.tables import (
    PayoutClosure,
    PayoutLineRow,
    PayoutRun,
    PayoutStatement,
    Photo,
    utcnow,
)


@dataclass(frozen=True)
class Run:
    statements: list[Statement]
    skipped: dict[int, str]  # photo id -> why it could not be paid


def line_from_row(row: PayoutLineRow) -> PayoutLine:
    return PayoutLine(
        line_id=row.line_id,
        period_start=row.period_start,
        period_end=row.period_end,
        rep_id=row.rep_id,
        store_id=row.store_id,
        activity_id=row.activity_id,
        photo_ids=tuple(row.photo_ids),
        visit_at=row.visit_at,
        visit_offset_min=row.visit_offset_min,
        rule_set_id=row.rule_set_id,
        rule_set_version=row.rule_set_version,
        rule_id=row.rule_id,
        kind=LineKind(row.kind),
        currency=row.currency,
        amount=row.amount,
        held=row.held,
        refers_to=tuple(row.refers_to),
        explanation=row.explanation,
    )


def prior_lines(session: Session, period: Period) -> list[PayoutLine]:
    """Lines of statements that ended by the period's start: the engine's history."""
    rows = session.scalars(select(PayoutLineRow).where(PayoutLineRow.period_end <= period.start))
    return [line_from_row(row) for row in rows]


# Photo times come from the worker's clock, run times from the API's, and an analysis
# stamps its time before it commits: a photo stamped a little before a run may still have
# been unseen by it. Looking this far back is safe, because a photo a run did see has lines
# and is left out as priced (or, in no rule set's activities, prices to nothing again).
SEEN_MARGIN = timedelta(hours=1)


def late_arrivals(session: Session, period: Period, priced: set[int]) -> set[int]:
    """Analysed photos captured in a period run before ``period`` that changed (arrived, or
    finished their analysis) after that period's last run, and that no stored line names:
    its run never saw them, and no later run would price them."""
    runs = session.execute(
        select(
            PayoutRun.period_start,
            PayoutRun.period_end,
            func.max(PayoutRun.ran_at),
        )
        .where(PayoutRun.period_end <= period.start)
        .group_by(PayoutRun.period_start, PayoutRun.period_end)
    ).all()
    if not runs:
        return set()
    # Each run's own threshold, computed here: date arithmetic in SQL differs per database.
    unseen = [
        and_(
            Photo.captured_at >= start,
            Photo.captured_at < end,
            Photo.updated_at > ran_at - SEEN_MARGIN,
        )
        for start, end, ran_at in runs
    ]
    found = session.scalars(
        select(Photo.id).where(
            Photo.status == PhotoStatus.analysed,
            Photo.activity_id.is_not(None),
            or_(*unseen),
        )
    )
    return set(found) - priced


@dataclass(frozen=True)
class RunInputs:
    """What a run of a period evaluates: earlier statements' lines, the photos (the period's,
    those earlier lines name, and those arrived late) and which of them arrived late."""

    prior: list[PayoutLine]
    inputs: Inputs
    late: set[int]


def run_inputs(session: Session, period: Period) -> RunInputs:
    prior = prior_lines(session, period)
    priced = photos_named(prior)
    late = late_arrivals(session, period, priced)
    inputs = load_inputs(
        session,
        captured_from=period.start,
        captured_before=period.end,
        photo_ids=priced | late,
    )
    return RunInputs(prior=prior, inputs=inputs, late=late)


def compute(session: Session, period: Period) -> Run:
    """The statements of ``period`` without storing anything."""
    found = run_inputs(session, period)
    statements = evaluate(
        found.inputs.photos, active_rule_sets(session), period, found.prior, found.late
    )
    return Run(statements=statements, skipped=found.inputs.skipped)


def run_statements(
    session: Session, *, period: Period, actor: Principal, now: datetime | None = None
) -> Run:
    """Compute and store the period's statements, replacing any earlier run of it; refused
    (``Conflict``) when the period has not started or is closed, or stored statements
    overlap it or come after it."""
    now = now or utcnow()
    lock_payouts(session)
    refuse_out_of_order(session, period, now=now)
    run = compute(session, period)
    session.execute(
        delete(PayoutStatement).where(
            PayoutStatement.period_start == period.start, PayoutStatement.period_end == period.end
        )
    )
    for statement in run.statements:
        _store(session, statement, actor=actor, at=now)
    session.add(
        PayoutRun(
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            ran_by=actor.name,
            ran_at=now,
            statements=len(run.statements),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="payout_run",
        subject=f"period {period.label}",
        after={
            "statements": len(run.statements),
            "totals": {f"{s.rep_id} {s.currency}": str(s.total) for s in run.statements},
        },
    )
    # As read back: stamped with this run, provisional when run before the period ended.
    stamped = [statement.model_copy(update={"run_at": now}) for statement in run.statements]
    return Run(statements=stamped, skipped=run.skipped)


def _store(session: Session, statement: Statement, *, actor: Principal, at: datetime) -> None:
    row = PayoutStatement(
        rep_id=statement.rep_id,
        currency=statement.currency,
        period_label=statement.period.label,
        period_start=statement.period.start,
        period_end=statement.period.end,
        total=statement.total,
        held=statement.held,
        on_hold=statement.on_hold,
        rule_sets=list(statement.rule_sets),
        created_by=actor.name,
        created_at=at,
    )
    session.add(row)
    session.flush()
    # A line id names its period, so lines of a replaced run went with their statement.
    session.add_all(
        PayoutLineRow(
            line_id=line.line_id,
            statement_id=row.id,
            period_start=line.period_start,
            period_end=line.period_end,
            rep_id=line.rep_id,
            store_id=line.store_id,
            activity_id=line.activity_id,
            photo_id=line.photo_id,
            photo_ids=list(line.photo_ids),
            visit_at=line.visit_at,
            visit_offset_min=line.visit_offset_min,
            rule_set_id=line.rule_set_id,
            rule_set_version=line.rule_set_version,
            rule_id=line.rule_id,
            kind=line.kind.value,
            currency=line.currency,
            amount=line.amount,
            held=line.held,
            refers_to=list(line.refers_to),
            explanation=line.explanation,
        )
        for line in statement.lines
    )
    session.flush()


def read_statements(
    session: Session, *, period: Period | None = None, rep_id: str | None = None
) -> list[Statement]:
    """Stored statements, by period then rep and currency."""
    query = select(PayoutStatement)
    if period is not None:
        query = query.where(
            PayoutStatement.period_start == period.start, PayoutStatement.period_end == period.end
        )
    if rep_id is not None:
        query = query.where(PayoutStatement.rep_id == rep_id)
    rows = list(
        session.scalars(
            query.order_by(
                PayoutStatement.period_start, PayoutStatement.rep_id, PayoutStatement.currency
            )
        )
    )
    starts = {row.period_start for row in rows}
    closures = {
        (c.period_start, c.period_end): c
        for c in session.scalars(
            select(PayoutClosure).where(PayoutClosure.period_start.in_(starts))
        )
    }
    return [
        _statement(
            session,
            row,
            closures.get((row.period_start, row.period_end)),
            period.offset_min if period is not None else 0,
        )
        for row in rows
    ]


def _statement(
    session: Session, row: PayoutStatement, closure: PayoutClosure | None, offset_min: int
) -> Statement:
    lines = session.scalars(select(PayoutLineRow).where(PayoutLineRow.statement_id == row.id))
    return Statement(
        rep_id=row.rep_id,
        currency=row.currency,
        period=Period(start=row.period_start, end=row.period_end, offset_min=offset_min),
        lines=tuple(sorted((line_from_row(r) for r in lines), key=sort_key)),
        total=row.total,
        held=row.held,
        on_hold=row.on_hold,
        rule_sets=tuple(row.rule_sets),
        run_at=row.created_at,
        closed_at=closure.closed_at if closure else None,
        closed_by=closure.closed_by if closure else None,
    )


def lines_for_photo(session: Session, photo_id: int) -> Sequence[PayoutLine]:
    """Every stored line attached to ``photo_id``, oldest period first."""
    rows = session.scalars(
        select(PayoutLineRow)
        .where(PayoutLineRow.photo_id == photo_id)
        .order_by(PayoutLineRow.period_end, PayoutLineRow.line_id)
    )
    return [line_from_row(row) for row in rows]
