"""Webhook events: what happened to a photo, written to the outbox in the same transaction
as the change itself (a rolled-back change sends nothing; a committed one is never lost).

Body sent for every event (``data.photo`` is a summary; ``GET /v1/photos/{id}`` has all)::

    {"id": "evt_...", "type": "photo.analysed", "created_at": "2026-12-07T15:20:00Z",
     "data": {"photo": {"id": 42, "client_photo_id": "...", "status": "analysed",
              "rep_id": "R1", "store_id": "S1", "activity_id": "A1", "captured_at": "...",
              "received_at": "...", "verdict": "review", "fraud_score": 0.41,
              "reasons": ["late_upload"], "display_score": 82.5, "last_error": null,
              "review": {"state": "waiting", "reasons": ["verdict_review"], ...},
              "url": "/v1/photos/42"}}}

``visit.updated`` follows each of them with ``data.visit``: the report of the photo's visit
(``GET /v1/visits``: its photos by activity, ``partial`` while one waits, a ``revision``).

``id`` is the same for every endpoint and every retry of one event: receivers deduplicate on
it. Events of one photo may arrive out of order after a retry; ``created_at`` orders them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.results.newest import latest_analyses
from shelfaudit.results.read import reviews_of
from shelfaudit.results.schemas import ReviewPublic, ReviewState
from shelfaudit.results.visits import visit_of
from shelfaudit.store.tables import Photo, WebhookDelivery, WebhookEndpoint, utcnow


class EventType(StrEnum):
    photo_analysed = "photo.analysed"  # analysed (again): verdict, score, review standing
    photo_failed = "photo.failed"  # cannot be analysed (undecodable, original lost, ...)
    photo_decided = "photo.decided"  # a person approved or rejected it
    visit_updated = "visit.updated"  # any of the above, as the report of the photo's visit
    ping = "ping"  # sent on request, to check an endpoint


SUBSCRIBABLE = [e.value for e in EventType if e is not EventType.ping]


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # gave up after the last attempt, or the endpoint was removed


def _utc_text(moment: datetime | None) -> str | None:
    """As the REST API writes times: UTC, ``Z``."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def photo_summary(session: Session, photo_id: int) -> dict[str, Any]:
    photo = session.get(Photo, photo_id)
    if photo is None:
        return {"id": photo_id}
    analysis = latest_analyses(session, [photo_id]).get(photo_id)
    checks = analysis.checks if analysis is not None else {}
    fraud = checks.get("fraud") or {}
    display = checks.get("display") or {}
    review = reviews_of(session, [photo_id]).get(photo_id)
    review = review or ReviewPublic(state=ReviewState.not_needed)
    return {
        "id": photo.id,
        "client_photo_id": photo.client_photo_id,
        "status": photo.status,
        "rep_id": photo.rep_id,
        "store_id": photo.store_id,
        "activity_id": photo.activity_id,
        "captured_at": _utc_text(photo.captured_at),
        "received_at": _utc_text(photo.received_at),
        "verdict": fraud.get("verdict"),
        "fraud_score": fraud.get("score"),
        "reasons": [r.get("code") for r in fraud.get("reasons") or [] if isinstance(r, dict)],
        "display_score": display.get("score"),
        "last_error": photo.last_error,
        "review": review.model_dump(mode="json"),
        "url": f"/v1/photos/{photo.id}",
    }


def publish(
    session: Session,
    event: EventType,
    *,
    photo_id: int | None = None,
    endpoint_ids: list[int] | None = None,
    data: Callable[[], dict[str, Any] | None] | None = None,
) -> str | None:
    """Queue ``event`` for every active endpoint that subscribed to it (or for
    ``endpoint_ids``); its id, or None when no endpoint wants it (or ``data``, asked only
    then, has nothing to say). Without ``data`` the body holds the photo's summary."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
    if endpoint_ids is not None:
        query = query.where(WebhookEndpoint.id.in_(endpoint_ids))
    endpoints = [e for e in session.scalars(query) if endpoint_ids or event.value in e.events]
    if not endpoints:
        return None
    body = data() if data is not None else None
    if data is not None and body is None:
        return None
    if body is None:
        body = {"photo": photo_summary(session, photo_id)} if photo_id is not None else {}
    now = utcnow()
    event_id = f"evt_{secrets.token_hex(12)}"
    payload = {"id": event_id, "type": event.value, "created_at": _utc_text(now), "data": body}
    for endpoint in endpoints:
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event_id=event_id,
                event_type=event.value,
                photo_id=photo_id,
                payload=payload,
                status=DeliveryStatus.pending,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    session.flush()
    return event_id


def photo_changed(session: Session, event: EventType, photo_id: int) -> None:
    """Publish ``event`` for the photo, and ``visit.updated`` with its visit's report."""
    publish(session, event, photo_id=photo_id)

    def visit() -> dict[str, Any] | None:
        photo = session.get(Photo, photo_id)
        report = visit_of(session, photo) if photo is not None else None
        return {"visit": report.model_dump(mode="json")} if report is not None else None

    publish(session, EventType.visit_updated, photo_id=photo_id, data=visit)


def on_photo(event: EventType) -> Callable[[Session, int], None]:
    """A ``Processor`` hook (``session, photo_id``) that publishes ``event`` for the photo."""

    def hook(session: Session, photo_id: int) -> None:
        photo_changed(session, event, photo_id)

    return hook
