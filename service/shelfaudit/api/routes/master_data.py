"""Master data: stores, reps and activities, created or replaced by id (PUT).

An SFA key creates rows and may send one again unchanged (apps sync); only an admin
changes a row that exists: the key sits on every rep's phone, and a store's place and
geofence are fraud checks. Every creation and change is on the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from shelfaudit.api.deps import SessionDep
from shelfaudit.api.security import SfaOrAdmin, sfa_or_admin
from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import Role
from shelfaudit.review import audit
from shelfaudit.store.master_data import (
    ROW_ID_MAX_LENGTH,
    ROW_ID_PATTERN,
    Activity,
    ActivityIn,
    ActivityPublic,
    Rep,
    RepIn,
    RepPublic,
    Row,
    Store,
    StoreIn,
    StorePublic,
    get_row,
    list_rows,
    put_row,
)

router = APIRouter(prefix="/v1", tags=["master data"], dependencies=[Depends(sfa_or_admin)])

RowId = Annotated[str, Path(min_length=1, max_length=ROW_ID_MAX_LENGTH, pattern=ROW_ID_PATTERN)]
# Keyset paging: ``after`` is the last id of the previous page.
After = Annotated[str | None, Query(max_length=ROW_ID_MAX_LENGTH, description="last id seen")]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _put(session: Session, actor: Principal, model: type[Row], row_id: str, body: BaseModel) -> Row:
    kind = model.__name__.lower()
    written = put_row(
        session, model, row_id=row_id, data=body, may_replace=actor.role is Role.admin
    )
    if written.changed:
        audit.record(
            session,
            actor=actor,
            action=f"{kind}_{'changed' if written.before is not None else 'created'}",
            subject=f"{kind} {row_id}",
            before=_plain(written.before),
            after=_plain(body.model_dump()),
        )
    session.commit()
    return written.row


def _plain(values: dict[str, object] | None) -> dict[str, object] | None:
    if values is None:
        return None
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


@router.put("/stores/{store_id}", response_model=StorePublic)
def put_store(
    session: SessionDep, actor: SfaOrAdmin, store_id: RowId, body: StoreIn
) -> StorePublic:
    return StorePublic.model_validate(_put(session, actor, Store, store_id, body))


@router.get("/stores/{store_id}", response_model=StorePublic)
def get_store(session: SessionDep, store_id: RowId) -> StorePublic:
    return StorePublic.model_validate(get_row(session, Store, store_id))


@router.get("/stores", response_model=list[StorePublic])
def get_stores(session: SessionDep, after: After = None, limit: Limit = 1000) -> list[StorePublic]:
    """In id order; page on with ``after`` (the last id of the page before)."""
    rows = list_rows(session, Store, after=after, limit=limit)
    return [StorePublic.model_validate(r) for r in rows]


@router.put("/reps/{rep_id}", response_model=RepPublic)
def put_rep(session: SessionDep, actor: SfaOrAdmin, rep_id: RowId, body: RepIn) -> RepPublic:
    return RepPublic.model_validate(_put(session, actor, Rep, rep_id, body))


@router.get("/reps/{rep_id}", response_model=RepPublic)
def get_rep(session: SessionDep, rep_id: RowId) -> RepPublic:
    return RepPublic.model_validate(get_row(session, Rep, rep_id))


@router.get("/reps", response_model=list[RepPublic])
def get_reps(session: SessionDep, after: After = None, limit: Limit = 1000) -> list[RepPublic]:
    """In id order; page on with ``after`` (the last id of the page before)."""
    rows = list_rows(session, Rep, after=after, limit=limit)
    return [RepPublic.model_validate(r) for r in rows]


@router.put("/activities/{activity_id}", response_model=ActivityPublic)
def put_activity(
    session: SessionDep, actor: SfaOrAdmin, activity_id: RowId, body: ActivityIn
) -> ActivityPublic:
    return ActivityPublic.model_validate(_put(session, actor, Activity, activity_id, body))


@router.get("/activities/{activity_id}", response_model=ActivityPublic)
def get_activity(session: SessionDep, activity_id: RowId) -> ActivityPublic:
    return ActivityPublic.model_validate(get_row(session, Activity, activity_id))


@router.get("/activities", response_model=list[ActivityPublic])
def get_activities(
    session: SessionDep, after: After = None, limit: Limit = 1000
) -> list[ActivityPublic]:
    """In id order; page on with ``after`` (the last id of the page before)."""
    rows = list_rows(session, Activity, after=after, limit=limit)
    return [ActivityPublic.model_validate(r) for r in rows]
