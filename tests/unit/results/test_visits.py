"""Visit reports: a rep's photos of a store on a local day, by activity."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from shelfaudit.commission import Decision
from shelfaudit.errors import InvalidInput
from shelfaudit.results.visits import VisitReport, VisitStatus, visit_reports
from shelfaudit.review.decisions import decide
from shelfaudit.review.vocabulary import ReasonCode
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import Photo
from tests.seeds import APPROVER, add_photo, seed_master_data

DAY = date(2026, 11, 3)


def at(hour: int, minute: int = 0, day: int = 3) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def reports(
    runtime: Runtime, first: date = DAY, last: date = DAY, **filters: str
) -> list[VisitReport]:
    with runtime.sessions() as session:
        return visit_reports(session, first=first, last=last, **filters)


def set_photo(runtime: Runtime, photo: int, **values: object) -> None:
    with runtime.sessions.begin() as session:
        session.execute(update(Photo).where(Photo.id == photo).values(**values))


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    seed_master_data(runtime)
    return runtime


def test_a_visit_groups_its_photos_by_activity_and_keeps_the_best_score_that_counts(
    seeded: Runtime,
) -> None:
    stack = add_photo(seeded, captured_at=at(8), score=70, verdict="clean", fraud_score=0.0)
    better = add_photo(seeded, captured_at=at(8, 5), score=90, verdict="clean", fraud_score=0.0)
    faked = add_photo(seeded, captured_at=at(8, 6), score=99, verdict="fraud", fraud_score=0.9)
    cooler = add_photo(seeded, captured_at=at(8, 10), activity_id="A2", score=55)
    add_photo(seeded, captured_at=at(9), store_id="S2", score=40)  # another visit

    (first, second) = reports(seeded)
    assert (first.rep_id, first.store_id, first.store_name, first.day) == (
        "R1",
        "S1",
        "Lotte Mart Q7",
        DAY,
    )
    assert (first.status, first.waiting, first.failed) == (VisitStatus.complete, 0, 0)
    assert [(s.activity_id, s.activity_name) for s in first.scenes] == [
        ("A1", "Heineken stack"),
        ("A2", "Cooler"),
    ]
    assert [p.id for p in first.scenes[0].photos] == [stack, better, faked]
    assert first.scenes[0].best_score == 90  # the fraud photo's 99 does not count
    assert first.scenes[1].photos[0].id == cooler
    assert second.store_id == "S2"


def test_a_rejected_photo_does_not_count_and_a_decision_changes_the_revision(
    seeded: Runtime,
) -> None:
    add_photo(seeded, captured_at=at(8), score=70, verdict="clean", fraud_score=0.0)
    best = add_photo(seeded, captured_at=at(8, 5), score=90, verdict="review")
    (before,) = reports(seeded)
    assert before.scenes[0].best_score == 90
    with seeded.sessions.begin() as session:
        decide(
            session,
            photo_id=best,
            decision=Decision.rejected,
            reason_code=ReasonCode.duplicate,
            actor=APPROVER,
        )
    (after,) = reports(seeded)
    assert after.scenes[0].best_score == 70
    assert after.scenes[0].photos[1].review.decision == "rejected"
    assert after.revision != before.revision
    (again,) = reports(seeded)
    assert again.revision == after.revision  # nothing changed: the same revision


def test_a_visit_is_partial_while_a_photo_waits_or_failed(seeded: Runtime) -> None:
    add_photo(seeded, captured_at=at(8))
    waiting = add_photo(seeded, captured_at=at(8, 5))
    set_photo(seeded, waiting, status="processing")
    (report,) = reports(seeded)
    assert (report.status, report.waiting, report.failed) == (VisitStatus.partial, 1, 0)
    set_photo(seeded, waiting, status="failed")
    (report,) = reports(seeded)
    assert (report.status, report.waiting, report.failed) == (VisitStatus.partial, 0, 1)


def test_the_visit_day_is_the_phones_local_day(seeded: Runtime) -> None:
    # 23:30 UTC on the 2nd is 06:30 on the 3rd in Vietnam: one visit with the 08:00 photo.
    early = add_photo(seeded, captured_at=at(23, 30, day=2))
    set_photo(seeded, early, captured_offset_min=7 * 60)
    later = add_photo(seeded, captured_at=at(1))
    set_photo(seeded, later, captured_offset_min=7 * 60)
    (report,) = reports(seeded)
    assert [p.id for p in report.scenes[0].photos] == [early, later]
    assert report.scenes[0].photos[0].captured_offset == "+07:00"
    assert reports(seeded, date(2026, 11, 2), date(2026, 11, 2)) == []


def test_filters_and_ranges(seeded: Runtime) -> None:
    add_photo(seeded, captured_at=at(8))
    add_photo(seeded, captured_at=at(8, day=4), rep_id="R2")
    week = reports(seeded, DAY, date(2026, 11, 9))
    assert [(r.day, r.rep_id) for r in week] == [(date(2026, 11, 4), "R2"), (DAY, "R1")]
    assert [r.rep_id for r in reports(seeded, DAY, date(2026, 11, 9), rep_id="R2")] == ["R2"]
    assert reports(seeded, DAY, date(2026, 11, 9), store_id="S2") == []
    with pytest.raises(InvalidInput, match="at most 31 days"):
        reports(seeded, DAY, date(2026, 12, 31))
    with pytest.raises(InvalidInput, match="before"):
        reports(seeded, DAY, date(2026, 11, 1))


def test_days_past_the_calendar_are_refused_not_a_crash(seeded: Runtime) -> None:
    for day in (date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(InvalidInput, match="that far"):
            reports(seeded, day, day)


def test_renaming_the_store_changes_the_revision(seeded: Runtime) -> None:
    from shelfaudit.store.tables import Store

    add_photo(seeded, captured_at=at(8))
    (before,) = reports(seeded)
    with seeded.sessions.begin() as session:
        session.execute(update(Store).where(Store.id == "S1").values(name="Lotte Mart D7"))
    (after,) = reports(seeded)
    assert after.store_name == "Lotte Mart D7"
    assert after.revision != before.revision
