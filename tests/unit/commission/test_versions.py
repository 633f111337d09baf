from __future__ import annotations

from datetime import date

import pytest

from shelfaudit.commission import RuleSet
from shelfaudit.commission.versions import RuleBook, check_versions
from shelfaudit.errors import CommissionError, InvalidRuleSet
from tests.unit.commission.factories import bands, rule_set


def version(n: int, start: date, end: date | None) -> RuleSet:
    return rule_set(bands(), version=n, effective_from=start, effective_to=end)


JAN, JUN30, JUL1, JUL15 = date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 15)


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ([(1, JAN, JUN30), (2, JUL1, None)], None),
        ([(1, JAN, None), (2, JUL1, None)], None),  # 1 runs until 2 starts
        ([(1, JAN, None), (2, JAN, None)], "hnk@2 starts 2026-01-01, the day hnk@1 starts"),
        ([(1, JAN, None), (2, JUL1, JUL15), (3, date(2026, 7, 16), None)], None),
        ([(1, JAN, JUL1), (2, JUL1, None)], "start hnk@2 on 2026-07-02, after hnk@1 ends"),
        ([(1, JAN, JUN30), (2, JUL15, None)], "from 2026-07-01 to 2026-07-14"),
        ([(1, JAN, JUN30), (1, JUL1, None)], "has version 1 twice"),
        ([(2, JAN, JUN30), (1, JUL1, None)], "version numbers must rise with the dates"),
    ],
)
def test_versions_follow_each_other_without_overlap_or_gap(
    versions: list[tuple[int, date, date | None]], message: str | None
) -> None:
    sets = [version(*v) for v in versions]
    if message is None:
        check_versions(sets)
        return
    with pytest.raises(InvalidRuleSet) as caught:
        check_versions(sets)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 12, 31), None),
        (JAN, 1),
        (JUN30, 1),  # effective_to is inclusive
        (JUL1, 2),
        (date(2030, 1, 1), 2),  # the last version is open-ended
    ],
)
def test_the_version_in_force_on_a_day(day: date, expected: int | None) -> None:
    book = RuleBook([version(2, JUL1, None), version(1, JAN, JUN30)])
    found = book.in_force("hnk", day)
    assert (found.version if found else None) == expected


@pytest.mark.parametrize(
    ("day", "expected"), [(JUN30, 1), (JUL1, 2), (JUL15, 2), (date(2026, 7, 16), 3)]
)
def test_an_open_ended_version_runs_until_the_next_one_starts(day: date, expected: int) -> None:
    book = RuleBook(
        [version(1, JAN, None), version(2, JUL1, JUL15), version(3, date(2026, 7, 16), None)]
    )
    found = book.in_force("hnk", day)
    assert found is not None
    assert found.version == expected


def test_an_open_ended_version_does_not_come_back_after_a_closed_later_one() -> None:
    book = RuleBook([version(1, JAN, None), version(2, JUL1, JUL15)])
    assert [
        r.version if (r := book.in_force("hnk", day)) else None
        for day in (JUN30, JUL1, JUL15, date(2026, 7, 16))
    ] == [1, 2, 2, None]


def test_asking_for_a_version_not_given_is_an_error() -> None:
    book = RuleBook([version(2, JUL1, None)])
    with pytest.raises(CommissionError, match="pass every version"):
        book.get("hnk", 1)
