"""Webhook events, signatures and deliveries, against a real HTTP receiver on localhost."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta

import pytest
from sqlalchemy import select

from shelfaudit.commission import Decision
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.notify.deliver import HttpSender, backoff, claim_due, deliver_due
from shelfaudit.notify.endpoints import add_endpoint, check_url, redeliver, remove_endpoint
from shelfaudit.notify.events import DeliveryStatus, EventType, publish
from shelfaudit.notify.signing import signature, verify
from shelfaudit.review.decisions import decide
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import WebhookDelivery, utcnow
from tests.notify.receiver import Receiver, receiver
from tests.seeds import ADMIN, APPROVER, add_photo, seed_master_data

LEASE = timedelta(seconds=60)


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as found:
        yield found


def endpoint(runtime: Runtime, url: str, events: list[str] | None = None) -> tuple[int, str]:
    with runtime.sessions.begin() as session:
        made = add_endpoint(
            session, url=url, events=events, description="SFA", actor=ADMIN, require_https=False
        )
        return made.id, made.secret


def rows(runtime: Runtime) -> list[WebhookDelivery]:
    with runtime.sessions() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_signature_verifies_and_a_changed_body_or_an_old_one_does_not() -> None:
    header = signature("whsec_abc", 1_765_000_000, b'{"a":1}')
    assert verify("whsec_abc", header, b'{"a":1}', now=1_765_000_100)
    assert not verify("whsec_abc", header, b'{"a":2}', now=1_765_000_100)
    assert not verify("whsec_other", header, b'{"a":1}', now=1_765_000_100)
    assert not verify("whsec_abc", header, b'{"a":1}', now=1_765_000_000 + 301)  # a replay
    assert not verify("whsec_abc", "v1=deadbeef", b'{"a":1}', now=1_765_000_000)


def test_back_off_grows_to_a_day() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 13)]
    assert waits[:3] == [10, 60, 300]
    assert waits[-1] == 24 * 3600
    assert waits == sorted(waits)
    assert 2.5 * 86400 < sum(waits[:11]) < 3.5 * 86400  # 12 attempts span about 3 days


@pytest.mark.parametrize(
    ("url", "https_only", "refused"),
    [
        ("https://sfa.example.com/hooks", True, False),
        ("http://sfa.example.com/hooks", False, False),
        ("http://sfa.example.com/hooks", True, True),  # production: the body names reps
        ("ftp://sfa.example.com/hooks", False, True),
        ("sfa.example.com/hooks", False, True),
        ("https://user:pw@sfa.example.com/hooks", False, True),
        ("https://sfa.example.com:99999/hooks", False, True),
        ("https:///hooks", False, True),
        ("http://exa mple.com/h", False, True),  # never deliverable
        ("http://169.254.169.254/latest/meta-data", False, True),  # a cloud's metadata
        ("http://[fe80::1]/h", False, True),
        ("http://127.0.0.1:9000/h", False, False),  # a receiver beside a development server
        ("https://127.0.0.1:9000/h", True, True),
        ("https://localhost/h", True, True),
        ("https://10.1.2.3/h", True, False),  # on-premises systems are allowed
    ],
)
def test_an_endpoint_address_is_absolute_http_and_https_in_production(
    url: str, https_only: bool, refused: bool
) -> None:
    if refused:
        with pytest.raises(InvalidInput):
            check_url(url, require_https=https_only)
    else:
        assert check_url(url, require_https=https_only) == url


def test_an_unknown_event_name_is_refused(runtime: Runtime) -> None:
    with runtime.sessions() as session, pytest.raises(InvalidInput, match="unknown event"):
        add_endpoint(
            session,
            url="https://x.example.com",
            events=["photo.analyzed"],
            description=None,
            actor=ADMIN,
            require_https=True,
        )


def test_a_decision_is_delivered_signed_to_each_endpoint_that_wants_it(
    runtime: Runtime, hooks: Receiver
) -> None:
    seed_master_data(runtime)
    photo = add_photo(runtime, verdict="review", fraud_score=0.5)
    wants, secret = endpoint(runtime, hooks.url, ["photo.decided"])
    endpoint(runtime, hooks.url + "/failed-only", ["photo.failed"])
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)

    assert deliver_due(runtime.sessions, HttpSender(5), max_attempts=3, lease=LEASE) == 1

    (got,) = hooks.requests
    assert got.path == "/hooks/shelfaudit"
    assert verify(
        secret, got.headers["ShelfAudit-Signature"], got.body, now=int(utcnow().timestamp())
    )
    body = json.loads(got.body)
    assert body["type"] == got.headers["ShelfAudit-Event"] == "photo.decided"
    assert body["id"] == got.headers["ShelfAudit-Event-Id"]
    sent = body["data"]["photo"]
    assert (sent["id"], sent["verdict"], sent["store_id"]) == (photo, "review", "S1")
    assert sent["review"]["state"] == "decided"
    assert sent["review"]["decision"] == "approved"
    (row,) = rows(runtime)
    assert (row.endpoint_id, row.status, row.attempts, row.last_status_code) == (
        wants,
        DeliveryStatus.delivered,
        1,
        200,
    )


def test_a_decision_also_pushes_the_report_of_the_photos_visit(runtime: Runtime) -> None:
    seed_master_data(runtime)
    first = add_photo(runtime, verdict="clean", fraud_score=0.0, score=60)
    second = add_photo(runtime, verdict="review", score=80)
    other_store = add_photo(runtime, verdict="review", store_id="S2")
    endpoint(runtime, "http://127.0.0.1:9/never", ["visit.updated"])
    with runtime.sessions.begin() as session:
        decide(session, photo_id=second, decision=Decision.approved, actor=APPROVER)
        decide(session, photo_id=other_store, decision=Decision.approved, actor=APPROVER)
    store_one, store_two = (row.payload["data"]["visit"] for row in rows(runtime))
    assert (store_one["store_id"], store_one["status"]) == ("S1", "complete")
    (scene,) = store_one["scenes"]
    assert [p["id"] for p in scene["photos"]] == [first, second]
    assert scene["best_score"] == 80
    assert store_two["store_id"] == "S2"


def test_an_event_of_a_change_that_rolled_back_is_never_sent(runtime: Runtime) -> None:
    seed_master_data(runtime)
    photo = add_photo(runtime, verdict="clean", fraud_score=0.0)
    endpoint(runtime, "http://127.0.0.1:9/never")
    with runtime.sessions() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
        session.rollback()
    assert rows(runtime) == []


def test_a_failed_photo_is_an_event_too(runtime: Runtime) -> None:
    seed_master_data(runtime)
    photo = add_photo(runtime, verdict="clean", fraud_score=0.0)
    endpoint(runtime, "http://127.0.0.1:9/never")
    runtime.processor.record_failure(photo, "cannot decode: truncated")
    row, visit = rows(runtime)
    assert (row.event_type, visit.event_type) == (EventType.photo_failed, EventType.visit_updated)
    assert visit.payload["data"]["visit"]["status"] == "partial"  # a photo failed
    assert row.payload["data"]["photo"]["status"] == "failed"
    assert row.payload["data"]["photo"]["last_error"] == "cannot decode: truncated"


def refused(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    raise ConnectionRefusedError(111, "Connection refused")


def test_a_receiver_that_is_down_is_retried_with_back_off_then_given_up(
    runtime: Runtime,
) -> None:
    endpoint(runtime, "http://127.0.0.1:9/down")
    with runtime.sessions.begin() as session:
        publish(session, EventType.ping, endpoint_ids=[1])
    start = utcnow()
    assert deliver_due(runtime.sessions, refused, max_attempts=3, lease=LEASE) == 1
    (row,) = rows(runtime)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)
    assert "Connection refused" in (row.last_error or "")
    assert row.next_attempt_at - start >= timedelta(seconds=9)
    # Not due again before its back-off has passed.
    assert deliver_due(runtime.sessions, refused, max_attempts=3, lease=LEASE) == 0
    later = start + timedelta(days=1)
    for _ in range(2):
        deliver_due(runtime.sessions, refused, max_attempts=3, lease=LEASE, now=later)
        later += timedelta(days=1)
    (row,) = rows(runtime)
    assert (row.status, row.attempts) == (DeliveryStatus.failed, 3)
    assert deliver_due(runtime.sessions, refused, max_attempts=3, lease=LEASE, now=later) == 0
    # An admin sends it again once the receiver is back: one more attempt.
    with runtime.sessions.begin() as session:
        redeliver(session, endpoint_id=1, delivery_id=row.id)
    assert deliver_due(runtime.sessions, answered_ok, max_attempts=3, lease=LEASE) == 1
    (row,) = rows(runtime)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.delivered, 4, None)


def answered_ok(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    return 204


def test_an_answer_other_than_2xx_is_retried_and_redirects_are_not_followed(
    runtime: Runtime, hooks: Receiver
) -> None:
    endpoint(runtime, hooks.url)
    hooks.answers = [500, 302]
    with runtime.sessions.begin() as session:
        publish(session, EventType.ping, endpoint_ids=[1])
    later = utcnow()
    for _ in range(3):
        deliver_due(runtime.sessions, HttpSender(5), max_attempts=5, lease=LEASE, now=later)
        later += timedelta(hours=1)
    (row,) = rows(runtime)
    assert [r.path for r in hooks.requests] == ["/hooks/shelfaudit"] * 3
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.delivered, 3, 200)


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_lapses(runtime: Runtime) -> None:
    endpoint(runtime, "http://127.0.0.1:9/never")
    with runtime.sessions.begin() as session:
        publish(session, EventType.ping, endpoint_ids=[1])
    now = utcnow()
    assert claim_due(runtime.sessions, now=now, lease=LEASE) == [1]
    assert claim_due(runtime.sessions, now=now, lease=LEASE) == []  # another process
    assert claim_due(runtime.sessions, now=now + LEASE, lease=LEASE) == [1]  # it died


def test_removing_an_endpoint_fails_what_waits_and_stops_new_events(runtime: Runtime) -> None:
    seed_master_data(runtime)
    photo = add_photo(runtime, verdict="clean", fraud_score=0.0)
    endpoint(runtime, "http://127.0.0.1:9/never")
    with runtime.sessions.begin() as session:
        publish(session, EventType.ping, endpoint_ids=[1])
        remove_endpoint(session, endpoint_id=1, actor=ADMIN)
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
        with pytest.raises(NotFound):
            remove_endpoint(session, endpoint_id=1, actor=ADMIN)
    (row,) = rows(runtime)
    assert (row.status, row.last_error) == (DeliveryStatus.failed, "the endpoint was removed")


def test_a_receiver_trickling_its_answer_does_not_hold_the_sender(hooks: Receiver) -> None:
    hooks.trickle_s = 3.0
    started = time.monotonic()
    assert HttpSender(1.0)(hooks.url, b"{}", {}) == 200
    assert time.monotonic() - started < 1.0


def test_a_slow_receiver_delays_only_its_own_deliveries(runtime: Runtime) -> None:
    slow, _ = endpoint(runtime, "http://slow.example.com/hooks")
    fast, _ = endpoint(runtime, "http://fast.example.com/hooks")
    with runtime.sessions.begin() as session:
        for _ in range(3):
            publish(session, EventType.ping, endpoint_ids=[slow])
        publish(session, EventType.ping, endpoint_ids=[fast])
    started = utcnow()

    def send(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        if "slow" in url:
            time.sleep(0.5)
        return 200

    assert deliver_due(runtime.sessions, send, max_attempts=3, lease=LEASE) == 4
    delivered = {row.endpoint_id: row.delivered_at for row in rows(runtime)}
    assert delivered[fast] is not None
    assert delivered[fast] - started < timedelta(seconds=0.4)  # not after the slow three


def test_an_empty_event_list_or_a_second_endpoint_on_one_address_is_refused(
    runtime: Runtime,
) -> None:
    from shelfaudit.errors import Conflict

    with runtime.sessions() as session, pytest.raises(InvalidInput, match="at least one event"):
        add_endpoint(
            session, url="https://x.example.com", events=[], description=None, actor=ADMIN,
            require_https=True,
        )  # fmt: skip
    endpoint(runtime, "https://x.example.com/h")
    with runtime.sessions() as session, pytest.raises(Conflict, match="already sends"):
        add_endpoint(
            session, url="https://x.example.com/h", events=None, description=None, actor=ADMIN,
            require_https=True,
        )  # fmt: skip


def test_a_retry_asked_for_during_a_send_is_not_lost(runtime: Runtime) -> None:
    endpoint(runtime, "http://127.0.0.1:9/down")
    with runtime.sessions.begin() as session:
        publish(session, EventType.ping, endpoint_ids=[1])

    def refused_after_a_retry_is_asked(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        with runtime.sessions.begin() as session:
            redeliver(session, endpoint_id=1, delivery_id=1)
        raise ConnectionRefusedError(111, "Connection refused")

    deliver_due(runtime.sessions, refused_after_a_retry_is_asked, max_attempts=5, lease=LEASE)
    (row,) = rows(runtime)
    assert row.attempts == 1
    assert row.next_attempt_at <= utcnow()  # due now, as the admin asked, not in 10 s


def test_old_delivered_and_failed_rows_are_pruned_and_pending_ones_kept(
    runtime: Runtime,
) -> None:
    from sqlalchemy import update

    from shelfaudit.notify.deliver import prune

    endpoint(runtime, "http://127.0.0.1:9/never")
    with runtime.sessions.begin() as session:
        for _ in range(3):
            publish(session, EventType.ping, endpoint_ids=[1])
    month_ago = utcnow() - timedelta(days=31)
    with runtime.sessions.begin() as session:
        session.execute(update(WebhookDelivery).values(created_at=month_ago))
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == 1)
            .values(status=DeliveryStatus.delivered)
        )
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == 2)
            .values(status=DeliveryStatus.failed)
        )
    assert prune(runtime.sessions, before=utcnow() - timedelta(days=30)) == 2
    assert [(r.id, r.status) for r in rows(runtime)] == [(3, DeliveryStatus.pending)]
