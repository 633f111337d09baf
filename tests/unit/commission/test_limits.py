"""Caps per rep and budgets per activity: first come (capture time, photo id), first served."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shelfaudit.commission import AuditedPhoto, Period, evaluate
from shelfaudit.domain.fraud import Verdict
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


def cap(amount: int, **extra: Any) -> dict[str, Any]:
    return {"id": "cap", "kind": "cap", "amount": amount, "period": "month", **extra}


FOUR = [photo(i, when=at(i)) for i in (1, 2, 3, 4)]  # ¥40 each, 1-4 May


@pytest.mark.parametrize(
    ("photos", "rules", "expected"),
    [
        (FOUR, [cap(100)], [(3, Decimal(-20)), (4, Decimal(-40))]),
        (FOUR, [cap(160)], []),
        (list(reversed(FOUR)), [cap(100)], [(3, Decimal(-20)), (4, Decimal(-40))]),
        # Per activity (the default): a cooler photo has its own cap.
        ([*FOUR[:3], photo(9, when=at(2, 12), activity="cooler")], [cap(100)], [(3, Decimal(-20))]),
        (
            [*FOUR[:3], photo(9, when=at(2, 12), activity="cooler")],
            [cap(100, per_activity=False)],
            [(9, Decimal(-20)), (3, Decimal(-40))],
        ),
        # Per rep: another rep's photos do not use this rep's cap.
        ([*FOUR[:2], photo(9, when=at(1, 12), rep="R2")], [cap(80)], []),
        # Weekly: 1-3 May is ISO week 18, 4 May starts week 19.
        (FOUR, [cap(100, period="week")], [(3, Decimal(-20))]),
        # Budget across reps: same minute, so the lower photo id goes first.
        (
            [photo(2, rep="R2"), photo(1)],
            [{"id": "budget", "kind": "budget", "amount": 50, "period": "month"}],
            [(2, Decimal(-30))],
        ),
    ],
)
def test_caps_and_budgets(
    photos: list[AuditedPhoto], rules: list[dict[str, Any]], expected: list[tuple[int, Decimal]]
) -> None:
    sets = rule_set(bands(), *rules)
    lines = [line for s in evaluate(photos, [sets], MAY) for line in s.lines]
    assert [(line.photo_id, line.amount) for line in lines if line.kind == "cap_cut"] == expected


def test_cap_cut_explains_itself() -> None:
    statement = one_statement(FOUR[:3], rule_set(bands(), cap(100)))
    assert statement.total == Decimal(100)
    assert statement.lines[-1].explanation == (
        "Store 114, Heineken stack, photo 3 of 3 May 2026: monthly cap of ¥100 per rep for "
        "Heineken stack in May 2026, ¥80 earned before → −¥20"
    )


def test_a_hold_uses_cap_room_and_is_cut_before_paid_money() -> None:
    photos = [photo(1, when=at(1)), photo(2, when=at(2), verdict=Verdict.review)]
    statement = one_statement(photos, rule_set(bands(), HOLD, cap(60)))
    assert summary(statement)[-1] == ("cap_cut", "cap", 2, Decimal(0), Decimal(-20))
    assert (statement.total, statement.held) == (Decimal(40), Decimal(20))
    assert statement.lines[-1].explanation.endswith("→ ¥20 less held")


def test_earlier_statements_in_the_window_count() -> None:
    weeks = [photo(1, when=at(1)), photo(2, when=at(2))]
    sets = rule_set(bands(), cap(60))
    (first,) = evaluate(weeks[:1], [sets], _days(1, 2))
    (second,) = evaluate(weeks, [sets], _days(2, 3), first.lines)
    assert summary(second) == [
        ("earn", "bands", 2, Decimal(40), Decimal(0)),
        ("cap_cut", "cap", 2, Decimal(-20), Decimal(0)),
    ]


def test_a_new_month_starts_a_new_cap() -> None:
    sets = rule_set(bands(), cap(40))
    (may,) = evaluate([photo(1, when=at(31))], [sets], MAY)
    (june,) = evaluate([photo(2, when=at(1, month=6))], [sets], JUNE, may.lines)
    assert june.total == Decimal(40)


def _days(first: int, last: int) -> Period:
    return Period.between(at(first, 0), at(last, 0))
