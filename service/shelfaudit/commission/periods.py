"""Statement periods and cap/budget windows: half-open ``[start, end)`` intervals in UTC.

A photo captured exactly at ``end`` belongs to the next period. Months are calendar months,
weeks are ISO weeks (Monday 00:00 UTC to the next Monday), all in UTC: a rep in UTC+7
photographing at 06:00 local time on the 1st is still in the previous month's last day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from shelfaudit.domain.times import AwareDatetime


class Cadence(StrEnum):
    """The window a cap or budget counts over."""

    month = "month"
    week = "week"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 1, 1, tzinfo=UTC)


class Period(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"period end {self.end.isoformat()} is not after its start")
        if self.start < EARLIEST or self.end > LATEST:
            # Room on both sides for the month or week around it (labels, caps, budgets).
            raise ValueError(f"periods lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
        return self

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(start=_midnight(first), end=_midnight(following))

    @classmethod
    def iso_week(cls, year: int, week: int) -> Period:
        monday = date.fromisocalendar(year, week, 1)
        return cls(start=_midnight(monday), end=_midnight(monday + timedelta(days=7)))

    @classmethod
    def between(cls, start: datetime, end: datetime) -> Period:
        return cls(start=start, end=end)

    @classmethod
    def containing(cls, moment: datetime, cadence: Cadence) -> Period:
        day = moment.astimezone(UTC).date()
        if cadence is Cadence.month:
            return cls.month(day.year, day.month)
        year, week, _ = day.isocalendar()
        return cls.iso_week(year, week)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def label(self) -> str:
        """``2026-05``, ``2026-W19``, ``2026-05-01..2026-05-16`` (days, the end exclusive) or
        ``2026-05-01T00:00Z..2026-05-15T12:00Z``: each as people may type it back."""
        if self == Period.containing(self.start, Cadence.month):
            return f"{self.start:%Y-%m}"
        if self == Period.containing(self.start, Cadence.week):
            year, week, _ = self.start.date().isocalendar()
            return f"{year}-W{week:02d}"
        if self.start.time() == self.end.time() == time(0):
            return f"{self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%dT%H:%MZ}..{self.end:%Y-%m-%dT%H:%MZ}"

    @property
    def title(self) -> str:
        """For sentences: ``May 2026``, ``week 2026-W19``, or the explicit range."""
        if self == Period.containing(self.start, Cadence.month):
            return f"{self.start:%B %Y}"
        label = self.label
        return f"week {label}" if "-W" in label else label
