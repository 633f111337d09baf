"""Master data the checks need: stores (location, geofence), reps and activities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shelfaudit.domain.text import check_plain_text, clean_plain_text
from shelfaudit.domain.times import AwareDatetime
from shelfaudit.errors import Forbidden, NotFound
from shelfaudit.store.tables import Activity, Base, Rep, ReviewItem, Store

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_plain_text),
]

# Ids of stores, reps and activities: they travel in URLs and upload forms.
ROW_ID_PATTERN = r"^[A-Za-z0-9._:\-]+$"
ROW_ID_MAX_LENGTH = 64


def _strip(value: str | None) -> str | None:
    return check_plain_text(value) or None if value is not None else None


Region = Annotated[str | None, Field(default=None, max_length=100), AfterValidator(_strip)]


class StoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    region: Region = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    geofence_m: float = Field(default=150.0, gt=0, le=50_000)

    @model_validator(mode="after")
    def _pair(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        return self


# What is read back: a row stored before today's checks were tightened (a name holding a
# line separator pasted from a spreadsheet) must still be readable. It is shown cleaned,
# never refused: re-running the input checks on it answered every store list with a 500.
Shown = Annotated[str, AfterValidator(clean_plain_text)]


class StorePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: Shown
    region: Shown | None = None
    lat: float | None = None
    lon: float | None = None
    geofence_m: float
    created_at: datetime


class RepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    region: Region = None


class RepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: Shown
    region: Shown | None = None
    created_at: datetime


class ActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    brand: Annotated[str, Field(max_length=100), AfterValidator(check_plain_text)] | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class ActivityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: Shown
    brand: Shown | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    created_at: datetime


Row = TypeVar("Row", bound=Base)


@dataclass(frozen=True)
class Written(Generic[Row]):
    row: Row
    before: dict[str, Any] | None  # the fields replaced; None when the row was created
    changed: bool


def put_row(
    session: Session,
    model: type[Row],
    *,
    row_id: str,
    data: BaseModel,
    may_replace: bool = True,
) -> Written[Row]:
    """Create or replace the master-data row ``row_id`` with ``data``. Without
    ``may_replace`` an existing row may only be sent again unchanged (``Forbidden``)."""
    row = session.get(model, row_id)
    fields = data.model_dump()
    before = None
    if row is None:
        row = model(id=row_id, **fields)
        session.add(row)
    else:
        before = {key: getattr(row, key) for key in fields}
        if before == fields:
            return Written(row, before, changed=False)
        if not may_replace:
            kind = model.__name__.lower()
            raise Forbidden(
                f"{kind} {row_id!r} exists with other values: an SFA key creates master data "
                f"but may not change it (a store's place and geofence are fraud checks); "
                f"an admin changes {kind}s"
            )
        for key, value in fields.items():
            setattr(row, key, value)
    if isinstance(row, Store):
        # Queue items carry their store's region for the region filter: a store moved to
        # another region takes its items along (they stayed under the old one, unfindable).
        session.execute(
            update(ReviewItem).where(ReviewItem.store_id == row_id).values(region=row.region)
        )
    session.flush()
    return Written(row, before, changed=True)


def get_row(session: Session, model: type[Row], row_id: str) -> Row:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {row_id!r} does not exist")
    return row


def list_rows(
    session: Session, model: type[Row], *, after: str | None = None, limit: int = 1000
) -> list[Row]:
    """Rows in id order, at most ``limit``, starting after the id ``after`` (keyset paging)."""
    query = select(model).order_by(model.id)  # type: ignore[attr-defined]
    if after is not None:
        query = query.where(model.id > after)  # type: ignore[attr-defined]
    return list(session.scalars(query.limit(limit)))


__all__ = [
    "ROW_ID_MAX_LENGTH",
    "ROW_ID_PATTERN",
    "Activity",
    "ActivityIn",
    "ActivityPublic",
    "Rep",
    "RepIn",
    "RepPublic",
    "Row",
    "Store",
    "StoreIn",
    "StorePublic",
    "Written",
    "get_row",
    "list_rows",
    "put_row",
]
