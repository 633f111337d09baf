"""Webhook endpoints, as admins manage them: add (the signing secret is shown once), list,
remove, send a ping, and send a failed delivery again."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.errors import Conflict, InvalidInput, NotFound
from shelfaudit.notify.events import SUBSCRIBABLE, DeliveryStatus, EventType, publish
from shelfaudit.notify.signing import new_secret
from shelfaudit.review import audit
from shelfaudit.store.tables import WebhookDelivery, WebhookEndpoint, utcnow

MAX_ENDPOINTS = 20  # each event is one row per endpoint


# A host name (RFC 1123 labels): letters, digits and inner hyphens, dot-separated.
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?")


def check_url(url: str, *, require_https: bool) -> str:
    """An absolute http(s) address without credentials; https where ``require_https``
    (production: the body names reps and stores). Never a link-local address (a cloud
    server's metadata service answers there), nor loopback in production."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a non-numeric or out-of-range port raises here)
    except ValueError as exc:
        raise InvalidInput(f"not a URL: {url[:80]!r}", field="url") from exc
    schemes = ("https",) if require_https else ("http", "https")
    if parts.scheme not in schemes or not parts.hostname:
        raise InvalidInput(
            f"the URL must be absolute and start with {' or '.join(s + '://' for s in schemes)}",
            field="url",
        )
    if parts.username or parts.password:
        raise InvalidInput(
            "no user name or password in the URL: the signature is the proof", field="url"
        )
    host = parts.hostname
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
        if not _HOST.fullmatch(host):
            raise InvalidInput(f"{host[:80]!r} is no host name", field="url") from None
    if address is not None and address.is_link_local:
        raise InvalidInput(f"{host} is a link-local address: no webhook goes there", field="url")
    local = host == "localhost" or (address is not None and address.is_loopback)
    if require_https and local:
        raise InvalidInput("a webhook in production goes to another machine", field="url")
    return url


def _events(events: Sequence[str]) -> list[str]:
    """``events`` checked: at least one, each one ShelfAudit sends, each once."""
    if not events:
        raise InvalidInput(
            "name at least one event, or leave events out for all of them", field="events"
        )
    wanted = list(dict.fromkeys(events))
    unknown = [e for e in wanted if e not in SUBSCRIBABLE]
    if unknown:
        raise InvalidInput(
            f"unknown event {unknown[0]!r}: events are {', '.join(SUBSCRIBABLE)}", field="events"
        )
    return wanted


def add_endpoint(
    session: Session,
    *,
    url: str,
    events: Sequence[str] | None,
    description: str | None,
    actor: Principal,
    require_https: bool,
) -> WebhookEndpoint:
    wanted = _events(events) if events is not None else list(SUBSCRIBABLE)
    url = check_url(url, require_https=require_https)
    active = list_endpoints(session)
    if len(active) >= MAX_ENDPOINTS:
        raise InvalidInput(f"at most {MAX_ENDPOINTS} endpoints; remove one first", field="url")
    if same := next((e for e in active if e.url == url), None):
        # Two endpoints on one address would send every event there twice.
        raise Conflict(f"webhook {same.id} already sends to {url}", field="url")
    endpoint = WebhookEndpoint(
        url=url,
        events=wanted,
        secret=new_secret(),
        description=(description or "").strip()[:200] or None,
        active=True,
        created_by=actor.name,
        created_at=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="webhook_added",
        subject=f"webhook {endpoint.id}",
        after={"url": endpoint.url, "events": wanted},
    )
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
    return list(session.scalars(query.order_by(WebhookEndpoint.id)))


def active_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.active:
        raise NotFound(f"webhook {endpoint_id} does not exist")
    return endpoint


def remove_endpoint(session: Session, *, endpoint_id: int, actor: Principal) -> None:
    """Stop sending to it; what was still waiting is marked failed, the history is kept."""
    endpoint = active_endpoint(session, endpoint_id)
    endpoint.active = False
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.failed, last_error="the endpoint was removed")
    )
    audit.record(
        session,
        actor=actor,
        action="webhook_removed",
        subject=f"webhook {endpoint_id}",
        before={"url": endpoint.url, "events": endpoint.events},
    )


def change_endpoint(
    session: Session,
    *,
    endpoint_id: int,
    actor: Principal,
    require_https: bool,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's address, events or description (what is not given stays); its
    secret and history stay. Deliveries still waiting go to the new address."""
    endpoint = active_endpoint(session, endpoint_id)
    before = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description}
    if url is not None:
        url = check_url(url, require_https=require_https)
        if same := next(
            (e for e in list_endpoints(session) if e.url == url and e.id != endpoint_id), None
        ):
            raise Conflict(f"webhook {same.id} already sends to {url}", field="url")
        endpoint.url = url
    if events is not None:
        endpoint.events = _events(events)
    if description is not None:
        endpoint.description = description.strip()[:200] or None
    session.flush()
    after = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description}
    audit.record(
        session,
        actor=actor,
        action="webhook_changed",
        subject=f"webhook {endpoint_id}",
        before=before,
        after=after,
    )
    return endpoint


def rotate_secret(session: Session, *, endpoint_id: int, actor: Principal) -> WebhookEndpoint:
    """Give the endpoint a new secret (shown once); deliveries from now on are signed with
    it, including retries of earlier events."""
    endpoint = active_endpoint(session, endpoint_id)
    endpoint.secret = new_secret()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="webhook_secret_rotated",
        subject=f"webhook {endpoint_id}",
        after={"url": endpoint.url},
    )
    return endpoint


def ping(session: Session, *, endpoint_id: int) -> str:
    """Queue a ``ping`` event for the endpoint; its event id."""
    active_endpoint(session, endpoint_id)
    event_id = publish(session, EventType.ping, endpoint_ids=[endpoint_id])
    assert event_id is not None  # the endpoint is active
    return event_id


def deliveries(
    session: Session, *, endpoint_id: int, status: DeliveryStatus | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first (a removed endpoint's too: its history)."""
    if session.get(WebhookEndpoint, endpoint_id) is None:
        raise NotFound(f"webhook {endpoint_id} does not exist")
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def redeliver(session: Session, *, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now (one more attempt, whatever it has had)."""
    active_endpoint(session, endpoint_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint_id:
        raise NotFound(f"webhook {endpoint_id} has no delivery {delivery_id}")
    delivery.status = DeliveryStatus.pending
    delivery.next_attempt_at = utcnow()
    session.flush()
    return delivery
