from __future__ import annotations

from datetime import UTC, datetime

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


@pytest.mark.parametrize(
    "period",
    [
        Period.month(2026, 5),
        Period.iso_week(2026, 19),
        Period.between(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 16, tzinfo=UTC)),
        Period.between(datetime(2026, 5, 1, 6, tzinfo=UTC), datetime(2026, 5, 2, 6, tzinfo=UTC)),
    ],
)
def test_every_label_a_page_shows_can_be_typed_back(period: Period) -> None:
    assert parse_period(period.label) == period


def test_a_range_of_whole_days_is_labelled_by_its_dates() -> None:
    period = Period.between(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 16, tzinfo=UTC))
    assert period.label == "2026-05-01..2026-05-16"
    assert parse_period("2026-05-01T00:00Z..2026-05-16T00:00Z") == period  # as stored before


@pytest.mark.parametrize(
    "text",
    [
        "May",
        "2026-13",
        "2026-05-10..2026-05-01",
        "2026-W60",
        "2026-05-02T06:00Z..2026-05-02T06:00Z",
        "2026-05-02T25:00Z..2026-05-03T06:00Z",
    ],
)
def test_nonsense_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_period(text)
