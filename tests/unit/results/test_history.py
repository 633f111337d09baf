"""What an analysis is told of a photo's past: the rep's other photos around it."""

from __future__ import annotations

from datetime import timedelta

from shelfaudit.analyse.visit_facts import Place
from shelfaudit.results.history import load_visit, place_of
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import Photo
from tests.seeds import LAST_MONTH, add_photo, seed_master_data

NOON = LAST_MONTH.start + timedelta(days=3, hours=12)


def sent_together_without_capture_times(runtime: Runtime, stores: list[str]) -> list[int]:
    """A day's photos an app sent at once when it found a network, with no capture times."""
    ids = [add_photo(runtime, store_id=store, verdict="clean") for store in stores]
    with runtime.sessions.begin() as session:
        for i, photo_id in enumerate(ids):
            photo = session.get_one(Photo, photo_id)
            photo.captured_at = None
            photo.received_at = NOON + timedelta(seconds=i)
    return ids


def test_photos_without_capture_times_have_no_pace_to_judge(runtime: Runtime) -> None:
    seed_master_data(runtime)
    ids = sent_together_without_capture_times(runtime, ["S1", "S2", "S1"])
    with runtime.sessions() as session:
        visit = load_visit(session, session.get_one(Photo, ids[-1]))
    assert visit.facts.neighbours == []


def test_neighbours_are_the_reps_photos_taken_around_this_one(runtime: Runtime) -> None:
    seed_master_data(runtime)
    undated = sent_together_without_capture_times(runtime, ["S1", "S2"])
    earlier = add_photo(runtime, store_id="S2", captured_at=NOON - timedelta(hours=2))
    this = add_photo(runtime, store_id="S1", captured_at=NOON)
    with runtime.sessions() as session:
        visit = load_visit(session, session.get_one(Photo, this))
    assert [n.photo_id for n in visit.facts.neighbours] == [earlier]
    assert set(undated).isdisjoint(n.photo_id for n in visit.facts.neighbours)


def test_null_island_is_read_as_no_fix_by_the_history() -> None:
    assert place_of(0.0, 0.0) is None
    assert place_of(0.0, 106.7) == Place(0.0, 106.7)
