"""The review queue: open items, riskiest and costliest first, in keyset pages.

Order is ``risk`` desc, ``at_stake_milli`` desc, ``photo_id`` desc; a page is read after
(or before) the key of a row, never with OFFSET, so page 200 costs what page 1 costs. The
index ``ix_review_items_order`` serves the order; each filter has its own index.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from shelfaudit.errors import InvalidInput
from shelfaudit.review.vocabulary import ItemState
from shelfaudit.store.tables import ReviewItem

_KEY = (ReviewItem.risk, ReviewItem.at_stake_milli, ReviewItem.photo_id)
_DESC = tuple(column.desc() for column in _KEY)


@dataclass(frozen=True)
class QueueFilters:
    activity_id: str | None = None
    region: str | None = None
    rep_id: str | None = None
    store_id: str | None = None
    date_from: date | None = None  # capture date, UTC, inclusive
    date_to: date | None = None  # inclusive

    def params(self) -> dict[str, str]:
        """The non-empty filters, as query parameters for links."""
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}

    def apply(self, query: Select[Any]) -> Select[Any]:
        for column, value in (
            (ReviewItem.activity_id, self.activity_id),
            (ReviewItem.region, self.region),
            (ReviewItem.rep_id, self.rep_id),
            (ReviewItem.store_id, self.store_id),
        ):
            if value:
                query = query.where(column == value)
        if self.date_from is not None:
            query = query.where(ReviewItem.captured_at >= _midnight(self.date_from))
        if self.date_to is not None and self.date_to < date.max:  # 9999-12-31: no bound
            query = query.where(ReviewItem.captured_at < _midnight(self.date_to + timedelta(1)))
        return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# ASCII digits only (int() also reads "１", "1_0" and " 1"), at most 18 of them: within the
# 64-bit columns.
_CURSOR = re.compile(r"-?[0-9]{1,18}\.-?[0-9]{1,18}\.[0-9]{1,18}")


@dataclass(frozen=True)
class Cursor:
    risk: int
    stake: int
    photo_id: int

    def encode(self) -> str:
        return f"{self.risk}.{self.stake}.{self.photo_id}"

    @classmethod
    def decode(cls, text: str, *, field: str = "after") -> Cursor:
        """The cursor ``encode`` wrote: three integers a stored row can hold, "." between."""
        if not _CURSOR.fullmatch(text):
            raise InvalidInput(f"invalid page cursor {text[:40]!r}", field=field)
        risk, stake, photo_id = (int(part) for part in text.split("."))
        return cls(risk, stake, photo_id)

    @classmethod
    def of(cls, item: ReviewItem) -> Cursor:
        return cls(item.risk, item.at_stake_milli, item.photo_id)

    def values(self) -> tuple[int, int, int]:
        return (self.risk, self.stake, self.photo_id)


@dataclass(frozen=True)
class QueuePage:
    items: list[ReviewItem]
    total: int
    next: Cursor | None  # read the following page after this
    previous: Cursor | None  # read the preceding page before this


def _open(filters: QueueFilters) -> Select[Any]:
    return filters.apply(select(ReviewItem).where(ReviewItem.state == ItemState.open.value))


def queue_page(
    session: Session,
    *,
    filters: QueueFilters = QueueFilters(),
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = 50,
) -> QueuePage:
    """One page of open items; ``after`` pages forward, ``before`` back (one of them)."""
    if after is not None and before is not None:
        raise InvalidInput("give after or before, not both", field="before")
    query = _open(filters)
    if before is not None:
        rows = list(
            session.scalars(
                query.where(tuple_(*_KEY) > tuple_(*before.values()))
                .order_by(*_KEY)
                .limit(limit + 1)
            )
        )
        more_before = len(rows) > limit
        items = rows[:limit][::-1]
        has_next, has_previous = True, more_before
    else:
        if after is not None:
            query = query.where(tuple_(*_KEY) < tuple_(*after.values()))
        rows = list(session.scalars(query.order_by(*_DESC).limit(limit + 1)))
        items = rows[:limit]
        has_next, has_previous = len(rows) > limit, after is not None
    total = session.scalar(
        filters.apply(
            select(func.count())
            .select_from(ReviewItem)
            .where(ReviewItem.state == ItemState.open.value)
        )
    )
    return QueuePage(
        items=items,
        total=int(total or 0),
        next=Cursor.of(items[-1]) if items and has_next else None,
        previous=Cursor.of(items[0]) if items and has_previous else None,
    )


def neighbours(
    session: Session, photo_id: int, *, filters: QueueFilters = QueueFilters()
) -> tuple[int | None, int | None]:
    """The open items just before and just after ``photo_id`` in queue order.

    For a photo not (or no longer) open, "next" is the head of the queue after its old key,
    so deciding one item leads straight to the next.
    """
    item = session.get(ReviewItem, photo_id)
    query = _open(filters).where(ReviewItem.photo_id != photo_id)
    if item is None:
        head = session.scalar(query.order_by(*_DESC).limit(1))
        return None, head.photo_id if head else None
    key = tuple_(*Cursor.of(item).values())
    before = session.scalar(query.where(tuple_(*_KEY) > key).order_by(*_KEY).limit(1))
    after = session.scalar(query.where(tuple_(*_KEY) < key).order_by(*_DESC).limit(1))
    return (
        before.photo_id if before else None,
        after.photo_id if after else None,
    )
