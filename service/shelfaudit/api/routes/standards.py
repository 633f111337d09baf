"""Display standards of activities: admins publish versions (YAML or JSON); the newest one
scores every new photo of the activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from shelfaudit.analyse.detect import vocabulary
from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.security import AdminOnly, PhotoReader
from shelfaudit.errors import NotFound
from shelfaudit.store.standards import (
    StandardVersionPublic,
    latest_row,
    put_standard,
    standard_source,
)

router = APIRouter(prefix="/v1/activities", tags=["display standards"])


async def standard_text(request: Request) -> str:
    return standard_source(await request.body())


@router.put(
    "/{activity_id}/standard",
    response_model=StandardVersionPublic,
    openapi_extra={
        "requestBody": {
            "content": {"application/yaml": {"schema": {"type": "string"}}},
            "required": True,
        }
    },
)
def put_activity_standard(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    activity_id: str,
    source: Annotated[str, Depends(standard_text)],
) -> StandardVersionPublic:
    """Publish the version the document declares (422 when invalid, 409 when that version
    exists with other content). Photos analysed from now on are scored against it."""
    row = put_standard(
        session,
        activity_id=activity_id,
        source=source,
        actor=principal.name,
        vocabulary=vocabulary(runtime.models.registry),
    )
    session.commit()
    return StandardVersionPublic.model_validate(row)


@router.get("/{activity_id}/standard", response_class=PlainTextResponse)
def get_activity_standard(
    session: SessionDep, _: PhotoReader, activity_id: str
) -> PlainTextResponse:
    """The newest version's source, as published."""
    row = latest_row(session, activity_id)
    if row is None:
        raise NotFound(f"activity {activity_id!r} has no display standard")
    return PlainTextResponse(row.source, media_type="application/yaml")
