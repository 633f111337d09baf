from __future__ import annotations

import pytest

from shelfaudit.commission import Period
from shelfaudit.errors import InvalidInput
from shelfaudit.payouts.period_text import parse_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05", Period.month(2026, 5)),
        ("2026-W19", Period.iso_week(2026, 19)),
        ("2026-05-01..2026-05-16", Period.month(2026, 5).model_copy()),
    ],
)
def test_periods_people_type(text: str, expected: Period) -> None:
    period = parse_period(text)
    assert period.start == expected.start
    if ".." not in text:
        assert period == expected


@pytest.mark.parametrize("text", ["May", "2026-13", "2026-05-10..2026-05-01", "2026-W60"])
def test_nonsense_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_period(text)
