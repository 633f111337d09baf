"""Periods as people type them: ``2026-05`` (a month), ``2026-W19`` (an ISO week) or
``2026-05-01..2026-05-15`` (dates, the end exclusive), all days of the business (midnight in
its UTC offset); a range with UTC times, ``2026-05-01T06:00Z..2026-05-15T12:00Z``, is read
too (``Period.label`` writes it where a period does not start and end at midnight)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from pydantic import ValidationError

from shelfaudit.commission import Period
from shelfaudit.errors import InvalidInput

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
_RANGE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$")
_MINUTE = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z"
_TIMED_RANGE = re.compile(rf"^({_MINUTE})\.\.({_MINUTE})$")


def _minute(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


def parse_period(text: str, offset_min: int = 0) -> Period:
    """``text`` read in the business's UTC offset (minutes east of UTC)."""
    text = text.strip()
    try:
        if match := _MONTH.match(text):
            return Period.month(int(match[1]), int(match[2]), offset_min)
        if match := _WEEK.match(text):
            return Period.iso_week(int(match[1]), int(match[2]), offset_min)
        if match := _RANGE.match(text):
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if end <= start:
                raise InvalidInput(
                    f"invalid period {text!r}: the end date is exclusive and must come after "
                    f"the start (one day is {match[1]}..{(start + timedelta(1)):%Y-%m-%d})",
                    field="period",
                )
            return Period.days(start, end, offset_min)
        if match := _TIMED_RANGE.match(text):
            start, end = _minute(match[1]), _minute(match[2])
            if end <= start:
                raise InvalidInput(
                    f"invalid period {text!r}: the end must come after the start", field="period"
                )
            return Period.between(start, end, offset_min)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"invalid period {text!r}: {reason}", field="period") from exc
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"invalid period {text!r}: {exc}", field="period") from exc
    raise InvalidInput(
        f"invalid period {text!r}: write 2026-05, 2026-W19 or 2026-05-01..2026-05-16",
        field="period",
    )
