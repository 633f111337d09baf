"""Display standards of activities: admins publish versions (YAML or JSON); the newest one
scores every new photo of the activity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict

from shelfaudit.api.deps import SessionDep
from shelfaudit.api.security import AdminOnly, PhotoReader
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.store.standards import latest_row, put_standard

router = APIRouter(prefix="/v1/activities", tags=["display standards"])

MAX_STANDARD_BYTES = 256 * 1024


class StandardVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    activity_id: str
    version: int
    standard_id: str
    created_by: str
    created_at: datetime


async def standard_text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_STANDARD_BYTES:
        raise InvalidInput(f"a display standard is at most {MAX_STANDARD_BYTES} bytes")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("a display standard is UTF-8 text (YAML or JSON)") from exc


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
    session: SessionDep,
    principal: AdminOnly,
    activity_id: str,
    source: Annotated[str, Depends(standard_text)],
) -> StandardVersionPublic:
    """Publish the version the document declares (422 when invalid, 409 when that version
    exists with other content). Photos analysed from now on are scored against it."""
    row = put_standard(session, activity_id=activity_id, source=source, actor=principal.name)
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
