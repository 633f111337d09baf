from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shelfaudit.commission import Cadence, Period


def test_month_is_half_open_in_utc() -> None:
    may = Period.month(2026, 5)
    assert may.start == datetime(2026, 5, 1, tzinfo=UTC)
    assert may.end == datetime(2026, 6, 1, tzinfo=UTC)
    assert may.contains(may.start)
    assert may.contains(may.end - timedelta(microseconds=1))
    assert not may.contains(may.end)  # exactly at the end: the next period's


def test_december_rolls_into_next_year() -> None:
    assert Period.month(2026, 12).end == datetime(2027, 1, 1, tzinfo=UTC)


def test_iso_week_starts_on_monday() -> None:
    week = Period.iso_week(2026, 19)
    assert week.start == datetime(2026, 5, 4, tzinfo=UTC)
    assert week.end - week.start == timedelta(days=7)
    assert week.label == "2026-W19"


@pytest.mark.parametrize(
    ("moment", "cadence", "label"),
    [
        (datetime(2026, 5, 31, 23, 59, tzinfo=UTC), Cadence.month, "2026-05"),
        (datetime(2026, 6, 1, 0, 0, tzinfo=UTC), Cadence.month, "2026-06"),
        # 06:00 in Ho Chi Minh City on 1 June is still 31 May in UTC.
        (datetime(2026, 6, 1, 6, 0, tzinfo=timezone(timedelta(hours=7))), Cadence.month, "2026-05"),
        (datetime(2026, 5, 10, 23, 0, tzinfo=UTC), Cadence.week, "2026-W19"),
        (datetime(2026, 5, 11, 0, 0, tzinfo=UTC), Cadence.week, "2026-W20"),
    ],
)
def test_window_containing_a_moment(moment: datetime, cadence: Cadence, label: str) -> None:
    assert Period.containing(moment, cadence).label == label


def test_explicit_period_is_normalised_to_utc_and_labelled_by_its_bounds() -> None:
    plus8 = timezone(timedelta(hours=8))
    period = Period.between(
        datetime(2026, 5, 1, 8, tzinfo=plus8), datetime(2026, 5, 16, tzinfo=UTC)
    )
    assert period.start == datetime(2026, 5, 1, tzinfo=UTC)
    assert period.label == "2026-05-01..2026-05-16"
    assert Period.month(2026, 5).title == "May 2026"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 5, 2, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)),
        (datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)),
        (datetime(2026, 5, 1), datetime(2026, 6, 1, tzinfo=UTC)),
    ],
)
def test_bad_periods_are_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(ValidationError):
        Period.between(start, end)


VIETNAM = 7 * 60  # SHELFAUDIT_BUSINESS_UTC_OFFSET=+07:00


def test_a_business_month_starts_at_its_own_midnight() -> None:
    may = Period.month(2026, 5, VIETNAM)
    assert may.start == datetime(2026, 4, 30, 17, 0, tzinfo=UTC)
    assert may.end == datetime(2026, 5, 31, 17, 0, tzinfo=UTC)
    assert (may.label, may.title) == ("2026-05", "May 2026")
    # 06:00 in Ho Chi Minh City on 1 June is June's at +07:00.
    early = datetime(2026, 6, 1, 6, 0, tzinfo=timezone(timedelta(hours=7)))
    assert not may.contains(early)
    assert may.window(early, Cadence.month).label == "2026-06"


@pytest.mark.parametrize(
    ("offset", "label"),
    [(VIETNAM, "2026-W19"), (-5 * 60, "2026-W19"), (0, "2026-W19")],
)
def test_a_business_week_runs_monday_to_monday_on_its_clock(offset: int, label: str) -> None:
    week = Period.iso_week(2026, 19, offset)
    assert week.start == datetime(2026, 5, 4, tzinfo=UTC) - timedelta(minutes=offset)
    assert week.label == label
    assert Period.containing(week.start, Cadence.week, offset) == week


def test_business_days_label_as_typed() -> None:
    from datetime import date

    from shelfaudit.payouts.period_text import parse_period

    days = Period.days(date(2026, 5, 1), date(2026, 5, 16), VIETNAM)
    assert days.label == "2026-05-01..2026-05-16"
    assert parse_period("2026-05-01..2026-05-16", VIETNAM) == days
    assert parse_period("2026-05", VIETNAM) == Period.month(2026, 5, VIETNAM)
    assert parse_period("2026-W19", VIETNAM) == Period.iso_week(2026, 19, VIETNAM)
    # Times in UTC are read as written, whatever the business's offset.
    timed = parse_period("2026-05-01T06:00Z..2026-05-15T12:00Z", VIETNAM)
    assert timed.start == datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
