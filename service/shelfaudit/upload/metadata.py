"""Visit metadata sent with each photo by the SFA app."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shelfaudit.domain.times import LocalDatetime, offset_minutes
from shelfaudit.errors import InvalidMetadata

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ClientPhotoId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$"
    ),
]


PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters (NUL, newlines) in free text


class VisitMetadata(BaseModel):
    """Who took the photo, where, when, for which activity, on what device."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_photo_id: ClientPhotoId | None = Field(
        default=None, description="the app's own id for this photo; re-sending it is harmless"
    )
    rep_id: Identifier | None = None
    store_id: Identifier | None = None
    activity_id: Identifier | None = None
    captured_at: LocalDatetime | None = None  # kept in the phone's offset
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    device_model: Annotated[str, StringConstraints(max_length=200, pattern=PRINTABLE)] | None = None
    app_version: Annotated[str, StringConstraints(max_length=64, pattern=PRINTABLE)] | None = None

    @property
    def captured_offset_min(self) -> int | None:
        """The UTC offset ``captured_at`` was sent with, in minutes."""
        return offset_minutes(self.captured_at)

    @model_validator(mode="after")
    def _gps_pairs(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be sent together")
        if self.accuracy_m is not None and self.lat is None:
            raise ValueError("accuracy_m without lat/lon")
        return self


# A phone clock this far ahead is set to the wrong day or the app sends a wrong time: the
# app must be fixed. Less than this is a phone's clock or zone set wrong: the photo is taken
# and flagged (``clock_ahead``) rather than refused, which lost an honest rep's photo.
MAX_CLOCK_AHEAD = timedelta(days=1)


def check_capture_time(captured_at: datetime | None, *, now: datetime, max_age: timedelta) -> None:
    """Reject capture times no phone could have produced for a live visit."""
    if captured_at is None:
        return
    if captured_at > now + MAX_CLOCK_AHEAD:
        raise InvalidMetadata(
            f"captured_at {captured_at.isoformat()} is more than a day in the future "
            f"(server time {now.isoformat(timespec='seconds')})",
            field="captured_at",
        )
    if captured_at < now - max_age:
        raise InvalidMetadata(
            f"captured_at {captured_at.isoformat()} is more than {max_age.days} days old",
            field="captured_at",
        )
