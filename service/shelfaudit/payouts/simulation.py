"""Simulation: a stored draft over a past period against the active versions, per rep.

Nothing is paid or stored. The draft is in force for the whole period for its id (see
``commission.simulate``); history is the stored lines of earlier periods, as in a real run.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shelfaudit.commission import Period, RepDiff, simulate
from shelfaudit.payouts.inputs import load_inputs
from shelfaudit.payouts.rule_store import active_rule_sets, get_version, parsed
from shelfaudit.payouts.statements import late_arrivals, prior_lines


def simulate_draft(
    session: Session, *, rule_set_id: str, version: int, period: Period
) -> list[RepDiff]:
    draft = parsed(get_version(session, rule_set_id, version))
    prior = prior_lines(session, period)
    priced = {pid for line in prior for pid in (line.photo_id, *line.photo_ids)}
    late = late_arrivals(session, period, priced)  # as a real run of the period would price
    inputs = load_inputs(
        session,
        captured_from=period.start,
        captured_before=period.end,
        photo_ids=priced | late,
    )
    # The draft may be an active version itself (then nothing changes): its earlier lines
    # still need it on the active side.
    active = active_rule_sets(session)
    return simulate(
        inputs.photos, active=active, draft=draft, period=period, prior_payouts=prior, late=late
    )
