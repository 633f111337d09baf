"""Whole runs: order independence, period boundaries, effective-date switches, statements."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from shelfaudit.commission import Period, evaluate
from shelfaudit.domain.fraud import Verdict
from shelfaudit.errors import CommissionError, InvalidRuleSet
from tests.unit.commission.factories import (
    HOLD,
    JUNE,
    MAY,
    at,
    bands,
    one_statement,
    photo,
    rule_set,
    summary,
)

CAP = {"id": "cap", "kind": "cap", "amount": 150, "period": "month"}
PENALTY = {"id": "fraud", "kind": "fraud_penalty", "amount": 100}
VISIT = bands("visit", kind="visit_band")


def test_input_order_does_not_matter() -> None:
    photos = [
        photo(
            i,
            score=50 + 4 * i,
            when=at(1 + i % 5, 9 + i % 3),
            rep=f"R{i % 2}",
            verdict=[Verdict.clean, Verdict.review, Verdict.fraud][i % 3],
        )
        for i in range(1, 13)
    ]
    rules = rule_set(VISIT, bands(), HOLD, PENALTY, CAP)
    expected = evaluate(photos, [rules], MAY)
    shuffled = random.Random(7)
    for _ in range(3):
        mixed = photos[:]
        shuffled.shuffle(mixed)
        reordered = rules.model_copy(update={"rules": tuple(reversed(rules.rules))})
        assert evaluate(mixed, [reordered], MAY) == expected


@pytest.mark.parametrize(
    ("moment", "period"),
    [
        (MAY.start, MAY),
        (MAY.end - timedelta(microseconds=1), MAY),
        (MAY.end, JUNE),  # exactly at May's end: June's
    ],
)
def test_period_boundaries_are_half_open(moment: datetime, period: Period) -> None:
    record = photo(1, when=moment)
    (statement,) = evaluate([record], [rule_set(bands())], period)
    other = JUNE if period == MAY else MAY
    assert statement.lines[0].period_start == period.start
    assert evaluate([record], [rule_set(bands())], other) == []


def test_the_version_in_force_on_the_visit_day_prices_the_photo() -> None:
    v1 = rule_set(bands(), version=1, effective_to=date(2026, 5, 15))
    v2 = rule_set(
        bands(bands=[{"min": 80, "max": 100, "amount": 45}]),
        version=2,
        effective_from=date(2026, 5, 16),
    )
    photos = [photo(1, when=at(15, 23, minute=59)), photo(2, when=at(16, 0))]
    statement = one_statement(photos, [v2, v1])
    assert [(line.rule_set_key, line.amount) for line in statement.lines] == [
        ("hnk@1", Decimal(40)),
        ("hnk@2", Decimal(45)),
    ]
    assert statement.rule_sets == ("hnk@1", "hnk@2")


def test_a_monthly_cap_spans_a_version_switch() -> None:
    v1 = rule_set(bands(), version=1, effective_to=date(2026, 5, 15))
    v2 = rule_set(bands(), CAP | {"amount": 60}, version=2, effective_from=date(2026, 5, 16))
    statement = one_statement([photo(1, when=at(10)), photo(2, when=at(20))], [v1, v2])
    assert summary(statement)[-1] == ("cap_cut", "cap", 2, Decimal(-20), Decimal(0))


def test_overlapping_versions_are_refused() -> None:
    v1 = rule_set(bands(), version=1, effective_to=date(2026, 5, 20))
    v2 = rule_set(bands(), version=2, effective_from=date(2026, 5, 16))
    with pytest.raises(InvalidRuleSet, match="overlaps"):
        evaluate([photo(1)], [v1, v2], MAY)


def test_a_photo_given_twice_is_refused() -> None:
    with pytest.raises(CommissionError, match="photo 1 was given twice"):
        evaluate([photo(1), photo(1)], [rule_set(bands())], MAY)


def test_no_version_in_force_pays_nothing() -> None:
    later = rule_set(bands(), effective_from=date(2026, 6, 1))
    assert evaluate([photo(1)], [later], MAY) == []


def test_statements_per_rep_and_currency() -> None:
    cny = rule_set(bands())
    vnd = rule_set(bands(), currency="VND").model_copy(update={"id": "vnd"})
    photos = [photo(1, rep="R2"), photo(2, rep="R1"), photo(3, rep="R1", when=at(13))]
    statements = evaluate(photos, [vnd, cny], MAY)
    assert [(s.rep_id, s.currency, s.total) for s in statements] == [
        ("R1", "CNY", Decimal(80)),
        ("R1", "VND", Decimal(80)),
        ("R2", "CNY", Decimal(40)),
        ("R2", "VND", Decimal(40)),
    ]


def test_line_ids_are_stable_and_name_period_version_rule_kind_photo() -> None:
    (first,) = evaluate([photo(1)], [rule_set(bands())], MAY)
    (second,) = evaluate([photo(1)], [rule_set(bands())], MAY)
    assert first.lines[0].line_id == second.lines[0].line_id == "2026-05/hnk@1/bands/earn/1"


def test_totals_are_quantized_decimals() -> None:
    statement = one_statement([photo(1)], rule_set(bands(), HOLD))
    assert statement.total == Decimal("40.00")
    assert str(statement.lines[0].amount) == "40.00"
