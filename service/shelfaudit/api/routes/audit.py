"""The audit trail as JSON, for admins: every event, oldest first, paged by id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from shelfaudit.api.deps import SessionDep
from shelfaudit.api.security import AdminOnly
from shelfaudit.domain.ids import MAX_ROW_ID
from shelfaudit.review.audit import recent_events

router = APIRouter(prefix="/v1/audit", tags=["audit trail"])


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    photo_id: int | None
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("", response_model=list[AuditEventPublic])
def get_audit_events(
    session: SessionDep,
    _: AdminOnly,
    after_id: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="last event id seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    action: Annotated[str | None, Query(max_length=32, description="e.g. sku_update")] = None,
    subject_prefix: Annotated[
        str | None, Query(max_length=200, description='e.g. "sku " for the SKU catalogue')
    ] = None,
) -> list[AuditEventPublic]:
    """Events oldest first; page on with ``after_id`` (the last id seen)."""
    rows = recent_events(
        session, after_id=after_id, limit=limit, action=action, subject_prefix=subject_prefix
    )
    return [AuditEventPublic.model_validate(row) for row in rows]
