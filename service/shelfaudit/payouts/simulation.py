"""Simulation: a stored draft over a past period against the active versions, per rep.

Nothing is paid or stored. The draft is in force for the whole period for its id (see
``commission.simulate``); history is the stored lines of earlier periods, as in a real run.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shelfaudit.commission import Period, RepDiff, simulate
from shelfaudit.payouts.rule_store import active_rule_sets, get_version, parsed
from shelfaudit.payouts.statements import run_inputs


def simulate_draft(
    session: Session, *, rule_set_id: str, version: int, period: Period
) -> list[RepDiff]:
    draft = parsed(get_version(session, rule_set_id, version))
    found = run_inputs(session, period)  # late photos included, as a real run prices them
    # The draft may be an active version itself (then nothing changes): its earlier lines
    # still need it on the active side.
    active = active_rule_sets(session)
    return simulate(
        found.inputs.photos,
        active=active,
        draft=draft,
        period=period,
        prior_payouts=found.prior,
        late=found.late,
    )
