"""Per-photo rules: score bands, mandatory bonus, fraud penalty and review hold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shelfaudit.commission import AuditedPhoto, Decision, Review
from shelfaudit.domain.fraud import Verdict
from shelfaudit.errors import MissingField
from tests.unit.commission.factories import (
    HOLD,
    at,
    bands,
    one_statement,
    photo,
    review,
    rule_set,
    summary,
)

PENALTY = {"id": "fraud", "kind": "fraud_penalty", "amount": 100, "rejected_reasons": ["duplicate"]}
BONUS = {"id": "musts", "kind": "mandatory_bonus", "amount": 5}


@pytest.mark.parametrize(
    ("score", "amount", "words"),
    [
        (59, "0", "score 59 → below the lowest band 60–69 → nothing"),
        (60, "10", "score 60 → band 60–69 → ¥10"),
        (69.4, "10", "score 69 → band 60–69 → ¥10"),
        (69.5, "20", "score 70 → band 70–79 → ¥20"),  # rounded half-up as displayed
        (82, "40", "score 82 → band 80–89 → ¥40"),
        (100, "50", "score 100 → band 90–100 → ¥50"),
    ],
)
def test_score_bands(score: float, amount: str, words: str) -> None:
    statement = one_statement([photo(1, score=score)], rule_set(bands()))
    (line,) = statement.lines
    assert (line.kind, line.amount) == ("earn", Decimal(amount))
    assert line.explanation == f"Store 114, Heineken stack, photo 1 of 12 May 2026: {words}"


def test_a_band_rule_on_a_missing_score_is_an_error() -> None:
    with pytest.raises(MissingField) as caught:
        one_statement([photo(1), photo(2, score=None)], rule_set(bands()))
    assert (caught.value.rule, caught.value.field, caught.value.photo_id) == (
        "hnk@1/bands",
        "score",
        2,
    )


def test_a_band_rule_that_skips_missing_scores_says_so() -> None:
    statement = one_statement([photo(1, score=None)], rule_set(bands(missing="skip")))
    (line,) = statement.lines
    assert line.amount == 0
    assert line.explanation.endswith("no score; the rule skips such photos")


def test_bands_on_a_measure() -> None:
    rule = bands(
        field="measures.share_of_shelf",
        decimals=2,
        bands=[
            {"min": "0.30", "max": "0.49", "amount": 5},
            {"min": "0.50", "max": "1", "amount": 9},
        ],
    )
    statement = one_statement(
        [photo(1, measures={"share_of_shelf": "0.495"}), photo(2, when=at(13))],
        rule_set(rule | {"missing": "skip"}),
    )
    assert [(line.amount, line.explanation.split(": ")[1]) for line in statement.lines] == [
        (Decimal(9), "share of shelf 0.50 → band 0.50–1 → ¥9"),
        (Decimal(0), "no share of shelf; the rule skips such photos"),
    ]


REJECTED_DUP = review(Decision.rejected, when=at(20), reason="duplicate", comment="of photo 5531")


@pytest.mark.parametrize(
    ("verdict", "decision", "expected"),
    [
        (Verdict.clean, None, [("earn", "bands", 1, 40, 0)]),
        (Verdict.review, None, [("hold", "bands", 1, 0, 40)]),
        (Verdict.review, review(Decision.approved), [("earn", "bands", 1, 40, 0)]),
        # A decision after the period's end does not count for this period.
        (
            Verdict.review,
            review(Decision.approved, when=at(1, month=6)),
            [("hold", "bands", 1, 0, 40)],
        ),
        (Verdict.fraud, None, [("earn", "bands", 1, 0, 0), ("penalty", "fraud", 1, -100, 0)]),
        (Verdict.fraud, review(Decision.approved), [("earn", "bands", 1, 40, 0)]),
        (
            Verdict.clean,
            REJECTED_DUP,
            [("earn", "bands", 1, 0, 0), ("penalty", "fraud", 1, -100, 0)],
        ),
        (Verdict.review, review(Decision.rejected, reason="blurry"), [("earn", "bands", 1, 0, 0)]),
    ],
)
def test_standing_decides_paid_held_or_penalised(
    verdict: Verdict, decision: Review | None, expected: list[tuple[str, str, int, int, int]]
) -> None:
    record = photo(1, verdict=verdict, reason="Same picture as photo 5531.", review=decision)
    statement = one_statement([record], rule_set(bands(), HOLD, PENALTY))
    assert summary(statement) == [(k, r, p, Decimal(a), Decimal(h)) for k, r, p, a, h in expected]


@pytest.mark.parametrize(
    ("record", "ending"),
    [
        (
            photo(1, verdict=Verdict.review, reason="Same picture as photo 5531."),
            "→ ¥40, held: under review (Same picture as photo 5531)",
        ),
        (
            photo(1, verdict=Verdict.fraud, reason="Photo of a screen."),
            "→ ¥40; not paid: fraud verdict (Photo of a screen)",
        ),
        (
            photo(1, review=REJECTED_DUP),
            "→ ¥40; not paid: rejected on 20 May 2026, duplicate: of photo 5531",
        ),
        (
            photo(1, verdict=Verdict.review, review=review(Decision.approved)),
            "→ ¥40 (approved on 20 May 2026)",
        ),
    ],
)
def test_explanations_say_why_a_band_was_not_paid(record: AuditedPhoto, ending: str) -> None:
    statement = one_statement([record], rule_set(bands(), HOLD))
    assert statement.lines[0].explanation.endswith(ending)


def test_without_a_hold_rule_a_photo_under_review_is_paid() -> None:
    statement = one_statement([photo(1, verdict=Verdict.review)], rule_set(bands()))
    assert summary(statement) == [("earn", "bands", 1, Decimal(40), Decimal(0))]


@pytest.mark.parametrize(
    ("criteria", "names", "amount", "words"),
    [
        (
            (("hero", True, True), ("tag", True, True)),
            None,
            5,
            "mandatory criteria met (hero, tag) → bonus ¥5",
        ),
        (
            (("hero", True, True), ("tag", True, False)),
            None,
            0,
            "mandatory criterion tag failed → no bonus",
        ),
        (
            (("hero", True, True), ("wobbler", False, False)),
            None,
            5,
            "mandatory criteria met (hero) → bonus ¥5",
        ),
        (
            (("hero", True, False), ("wobbler", False, True)),
            ["wobbler"],
            5,
            "mandatory criteria met (wobbler) → bonus ¥5",
        ),
    ],
)
def test_mandatory_bonus(
    criteria: tuple[tuple[str, bool, bool], ...], names: list[str] | None, amount: int, words: str
) -> None:
    rule = BONUS | ({"criteria": names} if names else {})
    statement = one_statement([photo(1, criteria=criteria)], rule_set(rule))
    (line,) = statement.lines
    assert (line.kind, line.amount) == ("bonus", Decimal(amount))
    assert line.explanation.endswith(words)


def test_a_bonus_on_a_photo_without_mandatory_criteria_is_an_error_unless_skipped() -> None:
    with pytest.raises(MissingField, match=r"criteria\.mandatory"):
        one_statement([photo(1)], rule_set(BONUS))
    statement = one_statement([photo(1)], rule_set(BONUS | {"missing": "skip"}))
    assert statement.lines[0].amount == 0


def test_a_photo_not_paid_anyway_does_not_need_its_score() -> None:
    statement = one_statement(
        [photo(1, score=None, verdict=Verdict.fraud)], rule_set(bands(), PENALTY)
    )
    assert summary(statement) == [
        ("earn", "bands", 1, Decimal(0), Decimal(0)),
        ("penalty", "fraud", 1, Decimal(-100), Decimal(0)),
    ]


def test_rules_apply_only_to_their_activities() -> None:
    sets = rule_set(bands(activities=["cooler"]), bands("all"))
    statement = one_statement([photo(1), photo(2, activity="cooler", when=at(13))], sets)
    assert [(line.rule_id, line.photo_id) for line in statement.lines] == [
        ("all", 1),
        ("all", 2),
        ("bands", 2),
    ]


def test_a_rule_set_pays_only_for_its_activities() -> None:
    sets = rule_set(bands(), activities=["cooler"])
    assert one_statement([photo(1, activity="cooler"), photo(2)], sets).lines[0].photo_id == 1


def test_a_decision_is_dated_on_the_reps_day() -> None:
    from shelfaudit.commission import Decision
    from shelfaudit.commission.standing import standing_of
    from tests.unit.commission.factories import at, photo, review, rule_set

    decided = review(Decision.approved, when=at(20, 18))  # 18:00 UTC: the 21st in Hanoi
    hanoi = photo(1, review=decided, offset_min=420)
    state = standing_of(hanoi, rule_set(), as_of=at(31))
    assert state.why == "approved on 21 May 2026"
    assert standing_of(photo(2, review=decided), rule_set(), as_of=at(31)).why == (
        "approved on 20 May 2026"
    )
