"""The photo search page: any photo by rep, store and capture day, queued or not."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from shelfaudit.api.deps import SessionDep
from shelfaudit.api.security import PhotoReader
from shelfaudit.review.photo_search import MAX_FOUND, find_photos
from shelfaudit.store.master_data import Rep, Store, list_rows
from shelfaudit.web.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/photos", response_class=HTMLResponse)
def photos_page(
    request: Request,
    session: SessionDep,
    principal: PhotoReader,
    rep_id: Annotated[str | None, Query(max_length=64)] = None,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    day: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    searched = bool(rep_id or store_id or day)
    found = (
        find_photos(session, rep_id=rep_id or None, store_id=store_id or None, day=day)
        if searched
        else []
    )
    return render(
        request,
        "photos.html",
        {
            "found": found,
            "searched": searched,
            "limit": MAX_FOUND,
            "rep_id": rep_id or "",
            "store_id": store_id or "",
            "day": day.isoformat() if day else "",
            "reps": list_rows(session, Rep),
            "stores": list_rows(session, Store),
        },
        principal=principal,
    )
