"""Master data: stores, reps and activities, created or replaced by id (PUT)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from shelfaudit.api.deps import SessionDep
from shelfaudit.api.security import sfa_or_admin
from shelfaudit.store.master_data import (
    ROW_ID_MAX_LENGTH,
    ROW_ID_PATTERN,
    Activity,
    ActivityIn,
    ActivityPublic,
    Rep,
    RepIn,
    RepPublic,
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


@router.put("/stores/{store_id}", response_model=StorePublic)
def put_store(session: SessionDep, store_id: RowId, body: StoreIn) -> StorePublic:
    row = put_row(session, Store, row_id=store_id, data=body)
    session.commit()
    return StorePublic.model_validate(row)


@router.get("/stores/{store_id}", response_model=StorePublic)
def get_store(session: SessionDep, store_id: RowId) -> StorePublic:
    return StorePublic.model_validate(get_row(session, Store, store_id))


@router.get("/stores", response_model=list[StorePublic])
def get_stores(session: SessionDep, after: After = None, limit: Limit = 1000) -> list[StorePublic]:
    """In id order; page on with ``after`` (the last id of the page before)."""
    rows = list_rows(session, Store, after=after, limit=limit)
    return [StorePublic.model_validate(r) for r in rows]


@router.put("/reps/{rep_id}", response_model=RepPublic)
def put_rep(session: SessionDep, rep_id: RowId, body: RepIn) -> RepPublic:
    row = put_row(session, Rep, row_id=rep_id, data=body)
    session.commit()
    return RepPublic.model_validate(row)


@router.get("/reps/{rep_id}", response_model=RepPublic)
def get_rep(session: SessionDep, rep_id: RowId) -> RepPublic:
    return RepPublic.model_validate(get_row(session, Rep, rep_id))


@router.get("/reps", response_model=list[RepPublic])
def get_reps(session: SessionDep, after: After = None, limit: Limit = 1000) -> list[RepPublic]:
    """In id order; page on with ``after`` (the last id of the page before)."""
    rows = list_rows(session, Rep, after=after, limit=limit)
    return [RepPublic.model_validate(r) for r in rows]


@router.put("/activities/{activity_id}", response_model=ActivityPublic)
def put_activity(session: SessionDep, activity_id: RowId, body: ActivityIn) -> ActivityPublic:
    row = put_row(session, Activity, row_id=activity_id, data=body)
    session.commit()
    return ActivityPublic.model_validate(row)


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
