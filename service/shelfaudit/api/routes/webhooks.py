"""Webhook endpoints (admins): where photos analysed, failed and decided are pushed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.ids import RowId
from shelfaudit.api.security import AdminOnly
from shelfaudit.notify.endpoints import (
    add_endpoint,
    deliveries,
    list_endpoints,
    ping,
    redeliver,
    remove_endpoint,
)
from shelfaudit.notify.events import SUBSCRIBABLE, DeliveryStatus
from shelfaudit.settings import Environment

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


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
    runtime: RuntimeDep, session: SessionDep, principal: AdminOnly, body: EndpointIn
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
    return EndpointCreated.model_validate(endpoint)


@router.get("", response_model=list[EndpointPublic])
def get_endpoints(session: SessionDep, _: AdminOnly) -> list[EndpointPublic]:
    return [EndpointPublic.model_validate(e) for e in list_endpoints(session)]


@router.delete("/{endpoint_id}", status_code=204)
def delete_endpoint(session: SessionDep, principal: AdminOnly, endpoint_id: RowId) -> None:
    """Stop pushing to it; deliveries still waiting are marked failed."""
    remove_endpoint(session, endpoint_id=endpoint_id, actor=principal)
    session.commit()


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
