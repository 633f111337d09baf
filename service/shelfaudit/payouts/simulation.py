"""Simulation: a stored draft over a past period against the active versions, per rep.

Nothing is paid or stored. The draft is in force for the whole period for its id (see
``commission.simulate``); history is the stored lines of earlier periods, as in a real run.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.commission import Period, RepDiff, simulate
from shelfaudit.payouts.rule_store import active_rule_sets, get_version, parsed
from shelfaudit.payouts.statements import run_inputs
from shelfaudit.store.tables import PayoutStatement


def simulate_draft(
    session: Session, *, rule_set_id: str, version: int, period: Period
) -> list[RepDiff]:
    draft = parsed(get_version(session, rule_set_id, version))
    found = run_inputs(session, period)  # late photos included, as a real run prices them
    # The draft may be an active version itself (then nothing changes): its earlier lines
    # still need it on the active side.
    active = active_rule_sets(session)
    diffs = simulate(
        found.inputs.photos,
        active=active,
        draft=draft,
        period=period,
        prior_payouts=found.prior,
        late=found.late,
    )
    stored = _stored_totals(session, period)
    return [
        diff.model_copy(update={"stored_total": stored.get((diff.rep_id, diff.currency))})
        for diff in diffs
    ]


def _stored_totals(session: Session, period: Period) -> dict[tuple[str, str], Decimal]:
    rows = session.scalars(
        select(PayoutStatement).where(
            PayoutStatement.period_start == period.start, PayoutStatement.period_end == period.end
        )
    )
    return {(row.rep_id, row.currency): row.total for row in rows}
