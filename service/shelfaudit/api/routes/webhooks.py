"""Webhook endpoints (admins): where photos analysed, failed and decided are pushed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.ids import RowId
from shelfaudit.api.security import AdminOnly
from shelfaudit.notify.endpoints import (
    add_endpoint,
    change_endpoint,
    deliveries,
    list_endpoints,
    ping,
    redeliver,
    remove_endpoint,
    rotate_secret,
)
from shelfaudit.notify.events import SUBSCRIBABLE, DeliveryStatus, EventType
from shelfaudit.results.visits import VisitReport
from shelfaudit.settings import Environment

router = APIRouter(
    prefix="/v1/webhooks",
    tags=["webhooks"],
    responses={403: {"description": "admins only (an SFA key or an approver is refused)"}},
)


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="https:// (http:// outside production)")
    events: list[str] | None = Field(
        default=None,
        max_length=10,
        description=f"some of {', '.join(SUBSCRIBABLE)}; all if omitted",
    )
    description: str | None = Field(default=None, max_length=200)


class EndpointPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    description: str | None
    created_by: str
    created_at: datetime


class EndpointCreated(EndpointPublic):
    secret: str = Field(
        description="verifies the ShelfAudit-Signature header; shown this once, keep it"
    )


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    event_type: str
    photo_id: int | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime = Field(description="when a pending delivery is tried next")
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class PingPublic(BaseModel):
    event_id: str


@router.post("", status_code=201, response_model=EndpointCreated)
def post_endpoint(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    body: EndpointIn,
    response: Response,
) -> EndpointCreated:
    """Start pushing events to ``url``. Each delivery is a JSON POST signed with the secret
    returned here (see README, Webhooks)."""
    endpoint = add_endpoint(
        session,
        url=body.url,
        events=body.events,
        description=body.description,
        actor=principal,
        require_https=runtime.settings.environment is Environment.production,
    )
    session.commit()
    response.headers["Cache-Control"] = "no-store"  # the secret, shown once
    return EndpointCreated.model_validate(endpoint)


@router.get("", response_model=list[EndpointPublic])
def get_endpoints(session: SessionDep, _: AdminOnly) -> list[EndpointPublic]:
    """Active endpoints (their secrets are not shown again)."""
    return [EndpointPublic.model_validate(e) for e in list_endpoints(session)]


class EndpointChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, max_length=10)
    description: str | None = Field(default=None, max_length=200)


@router.patch("/{endpoint_id}", response_model=EndpointPublic)
def patch_endpoint(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    endpoint_id: RowId,
    body: EndpointChange,
) -> EndpointPublic:
    """Change the address, events or description (what is left out stays); the secret and
    the deliveries stay, and those still waiting go to the new address."""
    endpoint = change_endpoint(
        session,
        endpoint_id=endpoint_id,
        actor=principal,
        require_https=runtime.settings.environment is Environment.production,
        url=body.url,
        events=body.events,
        description=body.description,
    )
    session.commit()
    return EndpointPublic.model_validate(endpoint)


@router.delete("/{endpoint_id}", status_code=204)
def delete_endpoint(session: SessionDep, principal: AdminOnly, endpoint_id: RowId) -> None:
    """Stop pushing to it; deliveries still waiting are marked failed."""
    remove_endpoint(session, endpoint_id=endpoint_id, actor=principal)
    session.commit()


@router.post("/{endpoint_id}/secret", response_model=EndpointCreated)
def post_secret(
    session: SessionDep, principal: AdminOnly, endpoint_id: RowId, response: Response
) -> EndpointCreated:
    """A new signing secret, shown this once: every delivery from now on (retries of earlier
    events too) is signed with it. Update the receiver first to accept both for a while."""
    endpoint = rotate_secret(session, endpoint_id=endpoint_id, actor=principal)
    session.commit()
    response.headers["Cache-Control"] = "no-store"
    return EndpointCreated.model_validate(endpoint)


@router.post("/{endpoint_id}/ping", status_code=202, response_model=PingPublic)
def post_ping(session: SessionDep, _: AdminOnly, endpoint_id: RowId) -> PingPublic:
    """Queue a ``ping`` event for the endpoint: check its address and signature code."""
    event_id = ping(session, endpoint_id=endpoint_id)
    session.commit()
    return PingPublic(event_id=event_id)


@router.get("/{endpoint_id}/deliveries", response_model=list[DeliveryPublic])
def get_deliveries(
    session: SessionDep,
    _: AdminOnly,
    endpoint_id: RowId,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryPublic]:
    """The endpoint's deliveries, newest first."""
    rows = deliveries(session, endpoint_id=endpoint_id, status=status, limit=limit)
    return [DeliveryPublic.model_validate(row) for row in rows]


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/retry", status_code=202, response_model=DeliveryPublic
)
def post_retry(
    session: SessionDep, _: AdminOnly, endpoint_id: RowId, delivery_id: RowId
) -> DeliveryPublic:
    """Send a delivery again now (a failed one after the receiver is fixed)."""
    delivery = redeliver(session, endpoint_id=endpoint_id, delivery_id=delivery_id)
    session.commit()
    return DeliveryPublic.model_validate(delivery)


class PhotoSummary(BaseModel):
    """What an event says of the photo; ``GET /v1/photos/{id}`` (``url``) has all of it."""

    id: int
    client_photo_id: str | None
    status: str = Field(description="received | processing | analysed | failed")
    rep_id: str | None
    store_id: str | None
    activity_id: str | None
    captured_at: datetime | None
    received_at: datetime
    verdict: str | None = Field(description="clean | review | fraud")
    fraud_score: float | None
    reasons: list[str] = Field(description="the fraud signals' codes")
    display_score: float | None
    last_error: str | None
    review: dict[str, object] = Field(description="as `review` in GET /v1/photos/{id}")
    url: str


class EventData(BaseModel):
    photo: PhotoSummary | None = Field(default=None, description="photo.* events")
    visit: VisitReport | None = Field(default=None, description="visit.updated")


class WebhookEvent(BaseModel):
    """The JSON body POSTed to an endpoint. Headers: ``ShelfAudit-Event`` (the type),
    ``ShelfAudit-Event-Id`` (deduplicate on it), ``ShelfAudit-Delivery`` and
    ``ShelfAudit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the
    endpoint's secret>``. Answer any 2xx; anything else is tried again with back-off."""

    id: str = Field(description="evt_...: the same for every endpoint and retry")
    type: str
    created_at: datetime
    data: EventData


def describe(app: FastAPI) -> None:
    """List the events in the OpenAPI document's ``webhooks`` (what receivers implement)."""
    for event in EventType:

        def receive(body: WebhookEvent) -> None:
            """Answer 2xx within SHELFAUDIT_WEBHOOK_TIMEOUT_S."""

        receive.__doc__ = f"`{event.value}`: {_EVENT_TEXT[event]} Answer 2xx soon."
        app.webhooks.post(
            event.value,
            status_code=200,
            summary=event.value,
            responses={422: {"description": "any answer but 2xx is tried again later"}},
        )(receive)


_EVENT_TEXT = {
    EventType.photo_analysed: "a photo was analysed (again): verdict, score, review standing.",
    EventType.photo_failed: "a photo cannot be analysed (`last_error` says why).",
    EventType.photo_decided: "a person approved or rejected a photo (`review`).",
    EventType.visit_updated: "the report of a photo's visit after any of the above (`visit`).",
    EventType.ping: "sent when an admin pings the endpoint.",
}
