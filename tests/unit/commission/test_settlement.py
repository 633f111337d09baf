"""Earlier photos: holds released or lapsed, paid photos clawed back, late penalties."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from shelfaudit.commission import AuditedPhoto, Decision, PayoutLine, Period, RuleSet, evaluate
from shelfaudit.commission.statement import Statement
from shelfaudit.domain.fraud import Verdict
from shelfaudit.errors import CommissionError
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
    summary,
)

JULY = Period.month(2026, 7)
PENALTY = {"id": "fraud", "kind": "fraud_penalty", "amount": 100, "rejected_reasons": ["duplicate"]}
RULES = rule_set(bands(), HOLD, CLAWBACK, PENALTY)


def may_then(
    later: AuditedPhoto, rules: RuleSet = RULES, period: Period = JUNE
) -> tuple[Statement, list[Statement]]:
    """May's statement for the photo as it stood then, and the later period's statements."""
    as_in_may = later.model_copy(update={"review": None})
    (may,) = evaluate([as_in_may], [rules], MAY)
    return may, evaluate([later], [rules], period, may.lines)


def decided(decision: Decision, day: datetime, **photo_args: Any) -> AuditedPhoto:
    rejected = decision is Decision.rejected
    verdict = photo_args.pop("verdict", Verdict.review)
    return photo(
        1,
        verdict=verdict,
        review=review(
            decision,
            when=day,
            reason="duplicate" if rejected else None,
            comment="of photo 5531" if rejected else None,
        ),
        **photo_args,
    )


def test_an_approved_hold_is_released_on_the_next_statement() -> None:
    may, (june,) = may_then(decided(Decision.approved, at(3, month=6)))
    assert summary(may) == [("hold", "bands", 1, Decimal(0), Decimal(40))]
    assert summary(june) == [("release", "hold", 1, Decimal(40), Decimal(-40))]
    assert june.lines[0].refers_to == (may.lines[0].line_id,)
    assert (june.total, june.on_hold) == (Decimal(40), Decimal(0))
    assert june.lines[0].explanation == (
        "Store 114, Heineken stack, photo 1 of 12 May 2026: ¥40 released, held on the "
        "May 2026 statement: approved on 3 June 2026"
    )


def test_a_rejected_hold_lapses_without_pay() -> None:
    _, (june,) = may_then(decided(Decision.rejected, at(3, month=6)))
    assert summary(june) == [
        ("release", "hold", 1, Decimal(0), Decimal(-40)),
        ("penalty", "fraud", 1, Decimal(-100), Decimal(0)),
    ]
    assert "no longer held: rejected on 3 June 2026" in june.lines[0].explanation


def test_an_undecided_hold_stays_open() -> None:
    may, later = may_then(photo(1, verdict=Verdict.review))
    assert later == []
    assert may.on_hold == Decimal(40)


def test_a_paid_photo_rejected_later_is_clawed_back_once() -> None:
    rejected = decided(Decision.rejected, at(12, month=6), verdict=Verdict.clean)
    may, (june,) = may_then(rejected)
    assert summary(june) == [
        ("clawback", "claw", 1, Decimal(-40), Decimal(0)),
        ("penalty", "fraud", 1, Decimal(-100), Decimal(0)),
    ]
    assert june.lines[0].refers_to == (may.lines[0].line_id,)
    assert june.lines[0].explanation == (
        "Store 114, Heineken stack, photo 1 of 12 May 2026: −¥40 clawback: photo rejected on "
        "12 June 2026, duplicate: of photo 5531; paid on the May 2026 statement"
    )
    assert evaluate([rejected], [RULES], JULY, [*may.lines, *june.lines]) == []


def test_a_decision_after_the_period_waits_for_the_next_statement() -> None:
    _, june = may_then(decided(Decision.rejected, at(1, month=7), verdict=Verdict.clean))
    assert june == []


@pytest.mark.parametrize(
    ("clawback", "reason", "decided_day", "clawed"),
    [
        (CLAWBACK, "duplicate", 12, True),
        (None, "duplicate", 12, False),
        (CLAWBACK | {"reason_codes": ["recapture"]}, "duplicate", 12, False),
        (CLAWBACK | {"reason_codes": ["duplicate"]}, "duplicate", 12, True),
        (CLAWBACK | {"within_days": 30}, "blurry", 11, True),  # 30 days after 12 May
        (CLAWBACK | {"within_days": 30}, "blurry", 12, False),
    ],
)
def test_clawback_conditions(
    clawback: dict[str, Any] | None, reason: str, decided_day: int, clawed: bool
) -> None:
    rules = rule_set(bands(), *([clawback] if clawback else []))
    rejected = photo(
        1, review=review(Decision.rejected, when=at(decided_day, month=6), reason=reason)
    )
    _, june = may_then(rejected, rules)
    kinds = [line.kind for s in june for line in s.lines]
    assert kinds == (["clawback"] if clawed else [])


def test_clawback_takes_back_what_was_paid_after_the_cap() -> None:
    cap = {"id": "cap", "kind": "cap", "amount": 50, "period": "month"}
    rules = rule_set(bands(), CLAWBACK, cap)
    first, second = photo(1, when=at(1)), photo(2, when=at(2))
    (may,) = evaluate([first, second], [rules], MAY)
    rejected = second.model_copy(update={"review": review(Decision.rejected, when=at(3, month=6))})
    (june,) = evaluate([first, rejected], [rules], JUNE, may.lines)
    assert summary(june) == [("clawback", "claw", 2, Decimal(-10), Decimal(0))]
    assert len(june.lines[0].refers_to) == 2  # the earn line and its cut


def test_settling_needs_the_version_that_priced_the_photo() -> None:
    may, _ = may_then(photo(1, verdict=Verdict.review))
    approved = decided(Decision.approved, at(3, month=6))
    newer = RULES.model_copy(update={"version": 2})
    with pytest.raises(CommissionError, match="hnk@1, which was not given"):
        evaluate([approved], [newer], JUNE, may.lines)
    other = RULES.model_copy(update={"id": "other"})
    with pytest.raises(CommissionError, match="hnk@1, which was not given"):
        evaluate([approved], [other], JUNE, may.lines)


def test_a_hold_whose_verdict_cleared_is_released() -> None:
    may, _ = may_then(photo(1, verdict=Verdict.review))
    (june,) = evaluate([photo(1)], [RULES], JUNE, may.lines)
    assert summary(june) == [("release", "hold", 1, Decimal(40), Decimal(-40))]


def test_history_lines_of_this_period_or_later_are_ignored() -> None:
    (may,) = evaluate([photo(1)], [RULES], MAY)
    (again,) = evaluate([photo(1)], [RULES], MAY, may.lines)
    assert again == may
    lines: list[PayoutLine] = list(may.lines)
    assert evaluate([photo(1)], [RULES], Period.month(2026, 4), lines) == []


AUGUST = Period.month(2026, 8)


def test_an_overturned_rejection_pays_back_its_clawback_and_penalty_once() -> None:
    rejected = decided(Decision.rejected, at(12, month=6), verdict=Verdict.clean)
    may, (june,) = may_then(rejected)
    approved = decided(Decision.approved, at(3, month=7), verdict=Verdict.clean)

    (july,) = evaluate([approved], [RULES], JULY, [*may.lines, *june.lines])

    assert summary(july) == [
        ("clawback_refund", "claw", 1, Decimal(40), Decimal(0)),
        ("penalty_refund", "fraud", 1, Decimal(100), Decimal(0)),
    ]
    assert july.total == Decimal(140)  # May's 40 paid again, June's -140 undone
    assert july.lines[0].refers_to == (june.lines[0].line_id,)
    assert july.lines[0].explanation == (
        "Store 114, Heineken stack, photo 1 of 12 May 2026: ¥40 clawback of the June 2026 "
        "statement paid back: approved on 3 July 2026"
    )
    history = [*may.lines, *june.lines, *july.lines]
    assert evaluate([approved], [RULES], AUGUST, history) == []
    # rejected once more: clawed back and penalised again
    again = decided(Decision.rejected, at(3, month=8), verdict=Verdict.clean)
    (august,) = evaluate([again], [RULES], AUGUST, history)
    assert [(kind, amount) for kind, _, _, amount, _ in summary(august)] == [
        ("clawback", Decimal(-40)),
        ("penalty", Decimal(-100)),
    ]


def test_an_overturned_fraud_verdict_is_paid_late_and_its_penalty_paid_back() -> None:
    rules = rule_set(bands(), CLAWBACK, PENALTY)  # no hold: a fraud verdict is not paid
    fraud = photo(1, verdict=Verdict.fraud)
    (may,) = evaluate([fraud], [rules], MAY)
    assert [(kind, amount) for kind, _, _, amount, _ in summary(may)] == [
        ("earn", Decimal(0)),
        ("penalty", Decimal(-100)),
    ]
    approved = photo(
        1, verdict=Verdict.fraud, review=review(Decision.approved, when=at(3, month=6))
    )

    (june,) = evaluate([approved], [rules], JUNE, may.lines)

    assert summary(june) == [
        ("earn", "bands", 1, Decimal(40), Decimal(0)),
        ("penalty_refund", "fraud", 1, Decimal(100), Decimal(0)),
    ]
    assert june.lines[0].explanation.endswith("(approved on 3 June 2026), paid late")
    assert evaluate([approved], [rules], JULY, [*may.lines, *june.lines]) == []


def test_a_repeat_of_an_earlier_photos_file_is_neither_paid_nor_penalised() -> None:
    rules = rule_set(bands(), CLAWBACK, PENALTY)
    original = photo(1)
    again = photo(2, verdict=Verdict.fraud).model_copy(update={"repeat_of": 1})

    (may,) = evaluate([original, again], [rules], MAY)

    assert [(kind, pid, amount) for kind, _, pid, amount, _ in summary(may)] == [
        ("earn", 1, Decimal(40)),
        ("earn", 2, Decimal(0)),
    ]
    assert "not paid: the same file as photo 1, which counts instead" in may.lines[1].explanation


def test_a_hold_that_lapsed_on_rejection_is_paid_late_when_approved() -> None:
    may, (june,) = may_then(decided(Decision.rejected, at(3, month=6)))
    assert summary(june)[0] == ("release", "hold", 1, Decimal(0), Decimal(-40))  # lapsed
    approved = decided(Decision.approved, at(3, month=7))

    (july,) = evaluate([approved], [RULES], JULY, [*may.lines, *june.lines])

    assert summary(july) == [
        ("earn", "bands", 1, Decimal(40), Decimal(0)),
        ("penalty_refund", "fraud", 1, Decimal(100), Decimal(0)),
    ]
    assert evaluate([approved], [RULES], AUGUST, [*may.lines, *june.lines, *july.lines]) == []


def test_a_repeat_a_reviewer_rejected_is_penalised() -> None:
    rules = rule_set(bands(), CLAWBACK, PENALTY)
    rejected = review(Decision.rejected, when=at(20), reason="duplicate")
    again = photo(2, review=rejected).model_copy(update={"repeat_of": 1})
    (may,) = evaluate([photo(1), again], [rules], MAY)
    assert ("penalty", "fraud", 2, Decimal(-100), Decimal(0)) in summary(may)
