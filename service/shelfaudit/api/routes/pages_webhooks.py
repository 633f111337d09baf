"""The webhooks page (admins): endpoints, their recent deliveries, add, remove, ping, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

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
from shelfaudit.notify.events import SUBSCRIBABLE
from shelfaudit.settings import Environment
from shelfaudit.store.tables import WebhookEndpoint
from shelfaudit.web.render import render

router = APIRouter(prefix="/webhooks", tags=["pages"], include_in_schema=False)

RECENT = 10  # deliveries shown per endpoint


def _page(
    request: Request,
    session: SessionDep,
    principal: AdminOnly,
    created: WebhookEndpoint | None = None,
) -> HTMLResponse:
    endpoints = list_endpoints(session)
    return render(
        request,
        "webhooks.html",
        {
            "endpoints": endpoints,
            "recent": {
                e.id: deliveries(session, endpoint_id=e.id, limit=RECENT) for e in endpoints
            },
            "events": SUBSCRIBABLE,
            "created": created,
        },
        principal=principal,
    )


@router.get("", response_class=HTMLResponse)
def webhooks_page(request: Request, session: SessionDep, principal: AdminOnly) -> HTMLResponse:
    return _page(request, session, principal)


@router.post("/add", response_class=HTMLResponse)
def add_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    url: Annotated[str, Form(max_length=2000)],
    events: Annotated[list[str] | None, Form()] = None,
    description: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Add an endpoint and show its secret on this page, once (never in an address)."""
    endpoint = add_endpoint(
        session,
        url=url,
        events=events or None,
        description=description,
        actor=principal,
        require_https=runtime.settings.environment is Environment.production,
    )
    session.commit()
    return _page(request, session, principal, created=endpoint)


@router.post("/{endpoint_id}/remove", response_class=RedirectResponse)
def remove_page(session: SessionDep, principal: AdminOnly, endpoint_id: RowId) -> RedirectResponse:
    remove_endpoint(session, endpoint_id=endpoint_id, actor=principal)
    session.commit()
    return RedirectResponse("/webhooks", status_code=303)


@router.post("/{endpoint_id}/ping", response_class=RedirectResponse)
def ping_page(session: SessionDep, _: AdminOnly, endpoint_id: RowId) -> RedirectResponse:
    ping(session, endpoint_id=endpoint_id)
    session.commit()
    return RedirectResponse("/webhooks", status_code=303)


@router.post("/{endpoint_id}/deliveries/{delivery_id}/retry", response_class=RedirectResponse)
def retry_page(
    session: SessionDep, _: AdminOnly, endpoint_id: RowId, delivery_id: RowId
) -> RedirectResponse:
    redeliver(session, endpoint_id=endpoint_id, delivery_id=delivery_id)
    session.commit()
    return RedirectResponse("/webhooks", status_code=303)
