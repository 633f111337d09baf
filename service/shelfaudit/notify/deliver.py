"""Sending webhook deliveries: claim what is due, POST it signed, record the answer, and
back off on failure (10 s, 1 min, 5 min, 15 min, 30 min, 1 h, 3 h, 6 h, 12 h, then daily).

Every API process runs ``PeriodicDelivery``; a delivery is claimed by moving its next attempt
past the send (a compare-and-set on the row), so two processes never send it at once. A
process that dies mid-send leaves the claim to lapse, and the row is sent again: receivers
deduplicate on the event id. Any 2xx is delivered; anything else, a timeout or a refused
connection is retried until ``max_attempts``, then the row is ``failed`` (an admin may send
it again). Redirects are not followed, and only the status line and headers are waited for
(a receiver trickling its body cannot hold a sender). Endpoints are sent to side by side, at
most ``PER_ENDPOINT`` rows each per round, so a slow receiver delays only itself.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import certifi
import urllib3
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit import __version__
from shelfaudit.notify.events import DeliveryStatus
from shelfaudit.notify.signing import SIGNATURE_HEADER, signature
from shelfaudit.store.tables import WebhookDelivery, WebhookEndpoint, utcnow

log = logging.getLogger(__name__)

BACKOFF_S = (10, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
PER_ENDPOINT = 10  # rows of one endpoint claimed per round
SENDERS = 8  # endpoints sent to at once
ROUND = 1000  # rows tried per call at most; the next call goes on
PRUNE_EVERY_S = 3600.0

# url, body, headers -> HTTP status; raises OSError or urllib3's errors when no answer came.
Sender = Callable[[str, bytes, Mapping[str, str]], int]


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    return timedelta(seconds=BACKOFF_S[min(max(attempts, 1), len(BACKOFF_S)) - 1])


class HttpSender:
    """POSTs with urllib3 (already the object store's client): verified TLS, one timeout
    for connecting and one for the answer, no retries or redirects of its own."""

    def __init__(self, timeout_s: float) -> None:
        self.pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            maxsize=4,
        )

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        response = self.pool.request(
            "POST",
            url,
            body=body,
            headers={**headers, "Connection": "close"},
            redirect=False,
            preload_content=False,
        )
        # The status is the answer; the body is not read (a receiver trickling it would hold
        # this sender past its timeout), and the connection is not reused.
        status = int(response.status)
        response.close()
        return status


def claim_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    lease: timedelta,
    limit: int = PER_ENDPOINT,
    skip: Collection[int] = (),
    endpoint_id: int | None = None,
) -> list[int]:
    """Ids of at most ``limit`` pending deliveries due by ``now``, each moved to ``now +
    lease`` so no other process takes it meanwhile; ``skip``: rows this caller tried already
    (one attempt per row per round); ``endpoint_id``: only its."""
    claimed = []
    query = select(WebhookDelivery.id, WebhookDelivery.next_attempt_at).where(
        WebhookDelivery.status == DeliveryStatus.pending,
        WebhookDelivery.next_attempt_at <= now,
        WebhookDelivery.id.not_in(list(skip)),
    )
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    with sessions.begin() as session:
        due = session.execute(
            query.order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
        ).all()
        for delivery_id, at in due:
            moved = session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.pending,
                    WebhookDelivery.next_attempt_at == at,
                )
                .values(next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)
            )
            if getattr(moved, "rowcount", 0) == 1:
                claimed.append(delivery_id)
    return claimed


def deliver_one(
    sessions: sessionmaker[Session], send: Sender, delivery_id: int, *, max_attempts: int
) -> bool:
    """Send one claimed delivery and record the answer; whether it was delivered."""
    with sessions() as session:
        row = session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
        ).first()
        if row is None:
            return False
        delivery, endpoint = row
        if delivery.status != DeliveryStatus.pending or not endpoint.active:
            return False
        url, secret, claim = endpoint.url, endpoint.secret, delivery.next_attempt_at
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"ShelfAudit-Webhooks/{__version__}",
            "ShelfAudit-Event": delivery.event_type,
            "ShelfAudit-Event-Id": delivery.event_id,
            "ShelfAudit-Delivery": str(delivery.id),
            SIGNATURE_HEADER: signature(secret, int(time.time()), body),
        }
    code: int | None = None
    try:
        code = send(url, body, headers)
        error = None if 200 <= code < 300 else f"answered HTTP {code}"
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    _record(sessions, delivery_id, code=code, error=error, max_attempts=max_attempts, claim=claim)
    return error is None


def _record(
    sessions: sessionmaker[Session],
    delivery_id: int,
    *,
    code: int | None,
    error: str | None,
    max_attempts: int,
    claim: datetime,
) -> None:
    now = utcnow()
    with sessions.begin() as session:
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return
        # An admin asked to send it again while this send was under way: that asks for
        # another attempt now, whatever this one's answer.
        retry_asked = delivery.next_attempt_at != claim
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error[:500] if error else None
        if retry_asked:
            return
        if error is None:
            delivery.status = DeliveryStatus.delivered
            delivery.delivered_at = delivery.next_attempt_at = now
        elif delivery.attempts >= max_attempts:
            delivery.status = DeliveryStatus.failed
            log.warning("webhook delivery %s given up: %s", delivery_id, error)
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)


def deliver_due(
    sessions: sessionmaker[Session],
    send: Sender,
    *,
    max_attempts: int,
    lease: timedelta,
    now: datetime | None = None,
) -> int:
    """Send every delivery due by ``now``; how many were tried. Each endpoint is drained by
    a worker of its own, so a slow receiver delays only its own events."""
    with sessions() as session:
        endpoints = list(
            session.scalars(
                select(WebhookDelivery.endpoint_id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.pending,
                    WebhookDelivery.next_attempt_at <= (now or utcnow()),
                )
                .distinct()
            )
        )

    def drain(endpoint_id: int) -> int:
        tried: set[int] = set()
        while len(tried) < ROUND:
            ids = claim_due(
                sessions,
                now=now or utcnow(),
                lease=lease,
                limit=PER_ENDPOINT,
                skip=tried,
                endpoint_id=endpoint_id,
            )
            for delivery_id in ids:
                deliver_one(sessions, send, delivery_id, max_attempts=max_attempts)
            tried.update(ids)
            if not ids:
                break
        return len(tried)

    if not endpoints:
        return 0
    workers = min(SENDERS, len(endpoints))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
        return sum(pool.map(drain, endpoints))


def prune(sessions: sessionmaker[Session], *, before: datetime) -> int:
    """Forget delivered and failed rows created before ``before``; how many. Pending rows
    stay whatever their age (they are still owed)."""
    with sessions.begin() as session:
        gone = session.execute(
            delete(WebhookDelivery)
            .where(
                WebhookDelivery.status != DeliveryStatus.pending,
                WebhookDelivery.created_at < before,
            )
            .execution_options(synchronize_session=False)
        )
    return int(getattr(gone, "rowcount", 0) or 0)


class PeriodicDelivery:
    """Runs ``deliver_due`` every ``interval_s`` in a daemon thread until ``stop``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        interval_s: float,
        timeout_s: float,
        max_attempts: int,
        keep: timedelta = timedelta(days=30),
    ) -> None:
        self._sessions = sessions
        self._keep = keep
        self._pruned_at = 0.0
        self._send = HttpSender(timeout_s)
        # Longer than one endpoint's share of a round (each send waits at most twice the
        # timeout: connecting, then the answer), so a claim lapses only when its process died.
        self._lease = timedelta(seconds=max(60.0, 2 * timeout_s * (PER_ENDPOINT + 1)))
        self._max_attempts = max_attempts
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                deliver_due(
                    self._sessions,
                    self._send,
                    max_attempts=self._max_attempts,
                    lease=self._lease,
                )
                if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                    self._pruned_at = time.monotonic()
                    prune(self._sessions, before=utcnow() - self._keep)
            except Exception:  # a database outage: the loop must outlive it
                log.exception("webhook delivery failed; trying again in %.0f s", self._interval)
