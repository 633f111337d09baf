from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shelfaudit.commission import Decision, evaluate, simulate
from shelfaudit.domain.fraud import Verdict
from shelfaudit.errors import InvalidRuleSet
from tests.unit.commission.factories import (
    CLAWBACK,
    HOLD,
    JUNE,
    MAY,
    at,
    bands,
    photo,
    review,
    rule_set,
)

ACTIVE = rule_set(bands(), HOLD, version=1)
RICHER = [{"min": 60, "max": 79, "amount": 10}, {"min": 80, "max": 100, "amount": 60}]
# A draft for July, tried on May: its dates do not matter for a simulation.
DRAFT = rule_set(bands(bands=RICHER), HOLD, version=2, effective_from=date(2026, 7, 1))
PHOTOS = [photo(1, score=85), photo(2, score=75, rep="R2"), photo(3, score=95, rep="R3")]


def test_simulation_shows_the_difference_per_rep() -> None:
    diffs = simulate(PHOTOS, active=[ACTIVE], draft=DRAFT, period=MAY)
    assert [(d.rep_id, d.old_total, d.new_total, d.delta) for d in diffs] == [
        ("R1", Decimal(40), Decimal(60), Decimal(20)),
        ("R2", Decimal(20), Decimal(10), Decimal(-10)),
        ("R3", Decimal(50), Decimal(60), Decimal(10)),
    ]
    (change,) = diffs[0].changes
    assert change.key == "hnk/bands/earn/1"
    assert change.before is not None
    assert change.after is not None
    assert change.after.rule_set_key == "hnk@2"
    assert "band 80–100 → ¥60" in change.after.explanation


def test_reps_with_nothing_changed_are_left_out() -> None:
    unchanged = rule_set(bands(), HOLD, version=2, effective_from=date(2026, 7, 1))
    assert simulate(PHOTOS, active=[ACTIVE], draft=unchanged, period=MAY) == []


def test_simulation_pays_nothing_and_settles_history_as_before() -> None:
    rules = rule_set(bands(), HOLD, CLAWBACK)
    (may,) = evaluate([photo(1)], [rules], MAY)
    rejected = photo(1, review=review(Decision.rejected, when=at(2, month=6)))
    new = photo(2, when=at(3, month=6), verdict=Verdict.review)
    draft = rules.model_copy(update={"version": 2, "rules": (rules.rules[0],)})
    (diff,) = simulate(
        [rejected, new], active=[rules], draft=draft, period=JUNE, prior_payouts=may.lines
    )
    # The clawback under v1 is on both sides; only the hold rule's absence changes photo 2.
    assert (diff.old_total, diff.new_total) == (Decimal(-40), Decimal(0))
    assert (diff.old_held, diff.new_held) == (Decimal(40), Decimal(0))
    assert [c.key for c in diff.changes] == ["hnk/bands/earn/2", "hnk/bands/hold/2"]


def test_a_draft_reusing_an_active_version_number_is_refused() -> None:
    clash = DRAFT.model_copy(update={"version": 1})
    with pytest.raises(InvalidRuleSet, match="give it a new version number"):
        simulate(PHOTOS, active=[ACTIVE], draft=clash, period=MAY)
