"""Decisions: validation, the item leaves the queue, the audit trail, bulk approval."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.commission import Decision
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.review.decisions import bulk_approve, decide
from shelfaudit.review.vocabulary import ReasonCode
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import AuditEvent, PhotoReview, ReviewItem
from tests.seeds import APPROVER, add_photo, seed_master_data


def reject_as_duplicate(session: Session, photo: int, actor: Principal, *, seen: str) -> None:
    decide(
        session,
        photo_id=photo,
        decision=Decision.rejected,
        reason_code=ReasonCode.duplicate,
        actor=actor,
        seen=seen,
    )


@pytest.fixture
def photo(runtime: Runtime) -> int:
    seed_master_data(runtime)
    return add_photo(runtime, verdict="review")


def test_a_decision_closes_the_item_and_is_in_the_trail(runtime: Runtime, photo: int) -> None:
    with runtime.sessions.begin() as session:
        decide(
            session,
            photo_id=photo,
            decision=Decision.rejected,
            reason_code=ReasonCode.fake_gps,
            comment="GPS 13 km off, rep admitted it",
            actor=APPROVER,
        )
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    with runtime.sessions() as session:
        item = session.get(ReviewItem, photo)
        review = session.get(PhotoReview, photo)
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert item is not None
    assert item.state == "decided"
    assert review is not None
    assert (review.decision, review.decided_by) == ("approved", "test-approver")
    assert [(e.action, e.actor, e.actor_role) for e in events] == [
        ("photo_rejected", "test-approver", "approver"),
        ("photo_approved", "test-approver", "approver"),
    ]
    assert events[0].before is None
    assert events[0].after is not None
    assert events[0].after["reason_code"] == "fake_gps"
    assert events[1].before == events[0].after


@pytest.mark.parametrize(
    ("decision", "reason"),
    [(Decision.rejected, None), (Decision.approved, ReasonCode.duplicate)],
)
def test_reason_codes_must_fit_the_decision(
    runtime: Runtime, photo: int, decision: Decision, reason: ReasonCode | None
) -> None:
    with runtime.sessions() as session, pytest.raises(InvalidInput):
        decide(session, photo_id=photo, decision=decision, reason_code=reason, actor=APPROVER)


def test_an_unknown_photo_is_not_found(runtime: Runtime) -> None:
    with runtime.sessions() as session, pytest.raises(NotFound):
        decide(session, photo_id=999, decision=Decision.approved, actor=APPROVER)


def test_the_audit_trail_cannot_be_changed(runtime: Runtime, photo: int) -> None:
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"), runtime.engine.begin() as conn:
            conn.execute(text(statement))


# Boxes the display score counts, which the detector was unsure of: queued, verdict clean.
UNSURE = [{"xyxy": [0, 0, 5, 5], "confidence": 0.3}]


def test_bulk_approval_takes_only_clean_items(runtime: Runtime) -> None:
    seed_master_data(runtime)
    clean = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=UNSURE)
    risky = add_photo(runtime, verdict="review")
    with runtime.sessions.begin() as session:
        result = bulk_approve(session, photo_ids=[clean, risky, 12345], actor=APPROVER)
    assert result.approved == [clean]
    assert set(result.skipped) == {risky, 12345}


def test_bulk_approval_skips_a_photo_being_analysed_again(runtime: Runtime) -> None:
    from shelfaudit.store.tables import Photo

    seed_master_data(runtime)
    first, again = (
        add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=UNSURE) for _ in range(2)
    )
    with runtime.sessions.begin() as session:
        photo = session.get(Photo, again)
        assert photo is not None
        photo.status = "received"  # a re-analysis was asked for after it was queued
    with runtime.sessions.begin() as session:
        result = bulk_approve(session, photo_ids=[first, again], actor=APPROVER)
    assert result.approved == [first]
    assert "analysed again" in result.skipped[again]


def test_a_decision_made_meanwhile_is_not_overwritten_unread(runtime: Runtime, photo: int) -> None:
    from shelfaudit.auth.principal import Principal
    from shelfaudit.errors import Conflict
    from shelfaudit.review.decisions import decision_stamp

    with runtime.sessions() as session:
        seen_by_mai = decision_stamp(session.get(PhotoReview, photo))
    assert seen_by_mai == "none"
    lan = Principal(name="lan", role=APPROVER.role)
    with runtime.sessions.begin() as session:
        decide(
            session,
            photo_id=photo,
            decision=Decision.rejected,
            reason_code=ReasonCode.duplicate,
            actor=lan,
            seen="none",
        )
    with runtime.sessions() as session, pytest.raises(Conflict, match="lan rejected it"):
        decide(
            session, photo_id=photo, decision=Decision.approved, actor=APPROVER, seen=seen_by_mai
        )
    with runtime.sessions.begin() as session:
        seen_now = decision_stamp(session.get(PhotoReview, photo))
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER, seen=seen_now)
    with runtime.sessions() as session:
        row = session.get(PhotoReview, photo)
        assert row is not None
        assert (row.decision, row.decided_by) == ("approved", APPROVER.name)


@pytest.mark.parametrize("seen", ["yesterday", "2026-05-01T10:00:00"])
def test_an_odd_seen_stamp_is_invalid_input(runtime: Runtime, photo: int, seen: str) -> None:
    with runtime.sessions() as session, pytest.raises(InvalidInput, match="seen"):
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER, seen=seen)


@pytest.mark.parametrize("first_seen", ["none", "decided"])
def test_two_decisions_on_what_both_saw_let_one_win_and_the_other_409(
    runtime: Runtime, photo: int, monkeypatch: pytest.MonkeyPatch, first_seen: str
) -> None:
    from shelfaudit.auth.principal import Principal
    from shelfaudit.errors import Conflict
    from shelfaudit.review import decisions
    from shelfaudit.review.decisions import decision_stamp

    if first_seen == "decided":
        with runtime.sessions.begin() as session:
            decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    with runtime.sessions() as session:
        both_saw = decision_stamp(session.get(PhotoReview, photo))
    lan = Principal(name="lan", role=APPROVER.role)
    check = decisions._check_seen

    def lan_commits_right_after_mais_check(row: PhotoReview | None, seen: str) -> None:
        check(row, seen)  # Mai's check passes on what she read...
        monkeypatch.setattr(decisions, "_check_seen", check)
        with runtime.sessions.begin() as other:  # ...then Lan's decision lands
            reject_as_duplicate(other, photo, lan, seen=both_saw)

    monkeypatch.setattr(decisions, "_check_seen", lan_commits_right_after_mais_check)
    with runtime.sessions() as session, pytest.raises(Conflict, match="lan rejected it"):
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER, seen=both_saw)
    with runtime.sessions() as session:
        row = session.get(PhotoReview, photo)
        assert row is not None
        assert (row.decision, row.decided_by) == ("rejected", "lan")


def test_a_stamp_written_back_to_the_millisecond_is_the_same_decision(
    runtime: Runtime, photo: int
) -> None:
    with runtime.sessions.begin() as session:
        row = decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
        stamp = row.decided_at
    as_javascript = stamp.replace(microsecond=stamp.microsecond // 1000 * 1000).isoformat()
    with runtime.sessions.begin() as session:
        reject_as_duplicate(session, photo, APPROVER, seen=as_javascript)


def test_a_decision_on_a_page_older_than_the_analysis_is_409(runtime: Runtime, photo: int) -> None:
    from datetime import timedelta

    from shelfaudit.errors import Conflict
    from shelfaudit.review.analysis_view import analysis_stamp
    from shelfaudit.store.tables import Analysis

    with runtime.sessions() as session:
        shown = analysis_stamp(session, photo)
    with runtime.sessions.begin() as session:  # re-run, same results: nothing to look at
        analysis = session.scalars(select(Analysis).where(Analysis.photo_id == photo)).one()
        analysis.updated_at = analysis.updated_at + timedelta(minutes=5)
        analysis.checks = {**analysis.checks, "fraud": {**analysis.checks["fraud"], "ms": 9.9}}
    with runtime.sessions() as session:
        assert analysis_stamp(session, photo) == shown
    with runtime.sessions.begin() as session:  # re-analysed: the verdict changed
        analysis = session.scalars(select(Analysis).where(Analysis.photo_id == photo)).one()
        analysis.checks = {
            **analysis.checks,
            "fraud": {**analysis.checks["fraud"], "verdict": "fraud"},
        }
    with runtime.sessions() as session, pytest.raises(Conflict, match="analysed again"):
        decide(
            session, photo_id=photo, decision=Decision.approved, actor=APPROVER, seen_analysis=shown
        )
    with runtime.sessions.begin() as session:
        fresh = analysis_stamp(session, photo)
        decide(
            session, photo_id=photo, decision=Decision.approved, actor=APPROVER, seen_analysis=fresh
        )
