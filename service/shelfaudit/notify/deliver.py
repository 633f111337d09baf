"""Sending webhook deliveries: claim what is due, POST it signed, record the answer, and
back off on failure (10 s, 1 min, 5 min, 15 min, 30 min, 1 h, 3 h, 6 h, 12 h, then daily).

Every API process runs ``PeriodicDelivery``; a delivery is claimed by moving its next attempt
past the send (a compare-and-set on the row), so two processes never send it at once. A
process that dies mid-send leaves the claim to lapse, and the row is sent again: receivers
deduplicate on the event id. Any 2xx is delivered; anything else, a timeout or a refused
connection is retried until ``max_attempts``, then the row is ``failed`` (an admin may send
it again). Redirects are not followed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import certifi
import urllib3
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit import __version__
from shelfaudit.notify.events import DeliveryStatus
from shelfaudit.notify.signing import SIGNATURE_HEADER, signature
from shelfaudit.store.tables import WebhookDelivery, WebhookEndpoint, utcnow

log = logging.getLogger(__name__)

BACKOFF_S = (10, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
BATCH = 50

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
            "POST", url, body=body, headers=dict(headers), redirect=False, preload_content=False
        )
        try:
            response.read(64 * 1024)  # what a receiver says is not needed; let it finish
        finally:
            response.release_conn()
        return int(response.status)


def claim_due(
    sessions: sessionmaker[Session], *, now: datetime, lease: timedelta, limit: int = BATCH
) -> list[int]:
    """Ids of pending deliveries due by ``now``, each moved to ``now + lease`` so no other
    process takes it meanwhile."""
    claimed = []
    with sessions.begin() as session:
        due = session.execute(
            select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
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
        url, secret = endpoint.url, endpoint.secret
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
    _record(sessions, delivery_id, code=code, error=error, max_attempts=max_attempts)
    return error is None


def _record(
    sessions: sessionmaker[Session],
    delivery_id: int,
    *,
    code: int | None,
    error: str | None,
    max_attempts: int,
) -> None:
    now = utcnow()
    with sessions.begin() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error[:500] if error else None
        if error is None:
            delivery.status = DeliveryStatus.delivered
            delivery.delivered_at = now
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
    """Send every delivery due by ``now``; how many were tried."""
    tried = 0
    while True:
        ids = claim_due(sessions, now=now or utcnow(), lease=lease)
        for delivery_id in ids:
            deliver_one(sessions, send, delivery_id, max_attempts=max_attempts)
        tried += len(ids)
        if len(ids) < BATCH:
            return tried


class PeriodicDelivery:
    """Runs ``deliver_due`` every ``interval_s`` in a daemon thread until ``stop``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        interval_s: float,
        timeout_s: float,
        max_attempts: int,
    ) -> None:
        self._sessions = sessions
        self._send = HttpSender(timeout_s)
        # Longer than any one send, so a claim lapses only when its process died.
        self._lease = timedelta(seconds=max(60.0, 4 * timeout_s))
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
            except Exception:  # a database outage: the loop must outlive it
                log.exception("webhook delivery failed; trying again in %.0f s", self._interval)
