"""Time fields: every timestamp is ISO 8601 with an offset, timezone-aware, normalised to UTC
(``LocalDatetime`` keeps the offset it was sent with)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

# Offsets in use on Earth run from -12:00 to +14:00.
MAX_UTC_OFFSET = timedelta(hours=14)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
# "...T09:30:00 07:00": a query string turned the offset's "+" into a space.
_SPACE_FOR_PLUS = re.compile(r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}:?\d{2}$")


def _iso_text(value: object) -> object:
    """Text must read as an ISO 8601 date and time: a bare number (pydantic would take it
    as Unix seconds) is more likely a client's bug than a time."""
    if isinstance(value, str | bytes) and not _ISO.match(
        value.decode("ascii", "replace") if isinstance(value, bytes) else value.strip()
    ):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-05-12T09:30:00+08:00")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("must be an ISO 8601 date and time, not a number")
    if isinstance(value, str) and _SPACE_FOR_PLUS.search(value):
        raise ValueError(
            "has a space where its offset's + belongs: in a URL write + as %2B "
            "(2026-05-12T09:30:00%2B07:00)"
        )
    return value


def _with_offset(value: datetime) -> datetime:
    offset = value.utcoffset() if value.tzinfo is not None else None
    if offset is None:
        raise ValueError("must include a timezone offset, e.g. 2026-05-12T09:30:00+08:00")
    if abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(f"has the offset {value:%z}, beyond the -12:00 to +14:00 in use")
    try:
        value.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00:00+01:00 has no UTC equivalent
        raise ValueError("is out of the range of representable times") from exc
    return value


def _aware(value: datetime) -> datetime:
    return _with_offset(value).astimezone(UTC)


def parse_offset(text: str | None) -> timezone | None:
    """``+08:00`` -> a fixed timezone; None when absent, malformed or beyond +-14:00."""
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    if minutes >= 60 or offset > MAX_UTC_OFFSET:
        return None
    return timezone(offset if text[0] == "+" else -offset)


def offset_minutes(value: datetime | tzinfo | None) -> int | None:
    """The UTC offset of an aware time or a fixed zone, in minutes east of UTC."""
    offset = value.utcoffset() if isinstance(value, datetime) else (
        value.utcoffset(None) if value is not None else None
    )  # fmt: skip
    return None if offset is None else round(offset.total_seconds() / 60)


def offset_text(minutes: int) -> str:
    """Minutes east of UTC as people write them: ``+07:00``, ``-03:30``."""
    sign, size = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"{sign}{size // 60:02d}:{size % 60:02d}"


def local_date(moment: datetime, offset_min: int | None) -> date:
    """The calendar day of ``moment`` where it happened: in the UTC offset its phone sent
    (minutes east of UTC), else in UTC."""
    return (moment.astimezone(UTC) + timedelta(minutes=offset_min or 0)).date()


# Minutes east of UTC that a phone may send: -12:00 to +14:00.
UtcOffsetMinutes = Annotated[int, Field(ge=-12 * 60, le=14 * 60)]

AwareDatetime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_aware)]
# The same, keeping the offset it was sent with (a phone's local time zone says something).
LocalDatetime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_with_offset)]


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not _DAY.fullmatch(value.strip()):
        raise ValueError("must be a date like 2026-05-12")
    return value


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A calendar day written as people write it (pydantic alone reads "0" as 1970-01-01).
IsoDate = Annotated[date, BeforeValidator(_iso_day)]


def spoken_duration(seconds: float) -> str:
    """A gap as a person says it: ``40 s``, ``12 min``, ``5.5 h``, ``3 days``, ``9.2 years``."""
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    if seconds < 365 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365.25 * 86400):.1f} years"
