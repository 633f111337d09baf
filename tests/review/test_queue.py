"""The queue: order by risk then amount at stake, keyset pages, filters, neighbours."""

from __future__ import annotations

from datetime import date

import pytest

from shelfaudit.review.queue import Cursor, QueueFilters, neighbours, queue_page
from shelfaudit.runtime import Runtime
from tests.seeds import LAST_MONTH, add_photo, add_scheme, seed_master_data


@pytest.fixture
def queued(runtime: Runtime) -> list[int]:
    """Seven open items with distinct risks; R2's two in the north."""
    seed_master_data(runtime)
    add_scheme(runtime)
    ids = [add_photo(runtime, fraud_score=0.40 + i / 100, score=65) for i in range(5)]
    ids += [
        add_photo(runtime, fraud_score=0.9, rep_id="R2", store_id="S2", score=s) for s in (65, 85)
    ]
    return ids


def test_riskiest_first_then_the_most_money(runtime: Runtime, queued: list[int]) -> None:
    with runtime.sessions() as session:
        page = queue_page(session)
    order = [item.photo_id for item in page.items]
    # R2's photos share the top risk; the one scoring 85 has more at stake.
    assert order == [queued[6], queued[5], *reversed(queued[:5])]
    assert page.total == 7


def test_keyset_pages_cover_everything_once(runtime: Runtime, queued: list[int]) -> None:
    seen: list[int] = []
    after = None
    with runtime.sessions() as session:
        while True:
            page = queue_page(session, after=after, limit=3)
            seen += [item.photo_id for item in page.items]
            if page.next is None:
                break
            after = Cursor.decode(page.next.encode())
        back = queue_page(
            session,
            before=Cursor.decode(
                f"{page.items[0].risk}.{page.items[0].at_stake_milli}.{page.items[0].photo_id}"
            ),
            limit=3,
        )
    assert sorted(seen) == sorted(queued)
    assert len(seen) == len(set(seen))
    assert [i.photo_id for i in back.items] == seen[3:6]


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        (QueueFilters(rep_id="R2"), 2),
        (QueueFilters(region="south"), 5),
        (QueueFilters(store_id="S2", activity_id="A1"), 2),
        (QueueFilters(activity_id="A2"), 0),
        (QueueFilters(date_from=LAST_MONTH.start.date()), 7),
        (QueueFilters(date_to=date(2000, 1, 1)), 0),
    ],
)
def test_filters(runtime: Runtime, queued: list[int], filters: QueueFilters, count: int) -> None:
    with runtime.sessions() as session:
        page = queue_page(session, filters=filters)
    assert page.total == count
    assert len(page.items) == count


def test_neighbours_follow_queue_order(runtime: Runtime, queued: list[int]) -> None:
    with runtime.sessions() as session:
        assert neighbours(session, queued[5]) == (queued[6], queued[4])
        assert neighbours(session, queued[6]) == (None, queued[5])


def test_a_bad_cursor_is_invalid_input() -> None:
    from shelfaudit.errors import InvalidInput

    with pytest.raises(InvalidInput):
        Cursor.decode("1.2")
