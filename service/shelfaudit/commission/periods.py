"""Statement periods and cap/budget windows: half-open ``[start, end)`` intervals of time.

A photo captured exactly at ``end`` belongs to the next period. Months are calendar months
and weeks ISO weeks (Monday to Monday) of the business's own days: they start at midnight
in its UTC offset (``offset_min``, minutes east of UTC; the setting
``SHELFAUDIT_BUSINESS_UTC_OFFSET``). At offset 0 a rep in UTC+7 photographing at 06:00 local
time on the 1st would still be in the previous month; at +07:00 May runs from 30 April
17:00 UTC to 31 May 17:00 UTC. ``start`` and ``end`` are always UTC instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from shelfaudit.domain.times import AwareDatetime, UtcOffsetMinutes, local_date


class Cadence(StrEnum):
    """The window a cap or budget counts over."""

    month = "month"
    week = "week"


def _midnight(day: date, offset_min: int = 0) -> datetime:
    """Midnight starting ``day`` in the offset, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=UTC) - timedelta(minutes=offset_min)


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 1, 1, tzinfo=UTC)


class Period(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime
    # The business's UTC offset its months, weeks and days are read in (labels, windows).
    offset_min: UtcOffsetMinutes = 0

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"period end {self.end.isoformat()} is not after its start")
        if self.start < EARLIEST or self.end > LATEST:
            # Room on both sides for the month or week around it (labels, caps, budgets).
            raise ValueError(f"periods lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
        return self

    @classmethod
    def month(cls, year: int, month: int, offset_min: int = 0) -> Period:
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(
            start=_midnight(first, offset_min),
            end=_midnight(following, offset_min),
            offset_min=offset_min,
        )

    @classmethod
    def iso_week(cls, year: int, week: int, offset_min: int = 0) -> Period:
        monday = date.fromisocalendar(year, week, 1)
        return cls(
            start=_midnight(monday, offset_min),
            end=_midnight(monday + timedelta(days=7), offset_min),
            offset_min=offset_min,
        )

    @classmethod
    def days(cls, first: date, end: date, offset_min: int = 0) -> Period:
        """From midnight starting ``first`` to midnight starting ``end`` (exclusive)."""
        return cls(
            start=_midnight(first, offset_min),
            end=_midnight(end, offset_min),
            offset_min=offset_min,
        )

    @classmethod
    def between(cls, start: datetime, end: datetime, offset_min: int = 0) -> Period:
        return cls(start=start, end=end, offset_min=offset_min)

    @classmethod
    def containing(cls, moment: datetime, cadence: Cadence, offset_min: int = 0) -> Period:
        day = local_date(moment, offset_min)
        if cadence is Cadence.month:
            return cls.month(day.year, day.month, offset_min)
        year, week, _ = day.isocalendar()
        return cls.iso_week(year, week, offset_min)

    def window(self, moment: datetime, cadence: Cadence) -> Period:
        """The month or week holding ``moment`` in this period's offset (caps, budgets)."""
        return Period.containing(moment, cadence, self.offset_min)

    def local(self, moment: datetime) -> datetime:
        """``moment`` on the business's clock (naive)."""
        return (moment.astimezone(UTC) + timedelta(minutes=self.offset_min)).replace(tzinfo=None)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def label(self) -> str:
        """``2026-05``, ``2026-W19``, ``2026-05-01..2026-05-16`` (days, the end exclusive) or
        ``2026-05-01T00:00Z..2026-05-15T12:00Z``: each as people may type it back."""
        start, end = self.local(self.start), self.local(self.end)
        if self == self.window(self.start, Cadence.month):
            return f"{start:%Y-%m}"
        if self == self.window(self.start, Cadence.week):
            year, week, _ = start.date().isocalendar()
            return f"{year}-W{week:02d}"
        if start.time() == end.time() == time(0):
            return f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%dT%H:%MZ}..{self.end:%Y-%m-%dT%H:%MZ}"

    @property
    def title(self) -> str:
        """For sentences: ``May 2026``, ``week 2026-W19``, or the explicit range."""
        if self == self.window(self.start, Cadence.month):
            return f"{self.local(self.start):%B %Y}"
        label = self.label
        return f"week {label}" if "-W" in label else label
