"""Decisions: validation, the item leaves the queue, the audit trail, bulk approval."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from shelfaudit.commission import Decision
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.review.decisions import bulk_approve, decide
from shelfaudit.review.vocabulary import ReasonCode
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import AuditEvent, PhotoReview, ReviewItem
from tests.seeds import APPROVER, add_photo, seed_master_data


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


def test_bulk_approval_takes_only_clean_items(runtime: Runtime) -> None:
    seed_master_data(runtime)
    clean = add_photo(runtime, verdict="clean", fraud_score=0.0, recapture=0.6)
    risky = add_photo(runtime, verdict="review")
    with runtime.sessions.begin() as session:
        result = bulk_approve(session, photo_ids=[clean, risky, 12345], actor=APPROVER)
    assert result.approved == [clean]
    assert set(result.skipped) == {risky, 12345}
