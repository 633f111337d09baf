"""A photo's overlay picture (boxes by brand or SKU, shelf rows, display criteria), drawn on
demand: for SFA apps under /v1, and for people beside the review page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.etags import matches
from shelfaudit.api.ids import RowId
from shelfaudit.api.security import PhotoReader, SfaOrAdmin
from shelfaudit.review.photo_overlay import MAX_SIDE_RANGE, overlay_jpeg, overlay_source
from shelfaudit.runtime import Runtime

router = APIRouter()

MaxSide = Annotated[
    int,
    Query(
        ge=MAX_SIDE_RANGE[0],
        le=MAX_SIDE_RANGE[1],
        description="the photo's long side in pixels (never enlarged); the panel adds to it",
    ),
]


def _overlay(
    request: Request, runtime: Runtime, session: SessionDep, photo_id: int, max_side: int
) -> Response:
    source = overlay_source(session, photo_id)
    etag = source.etag(max_side)
    # Revalidate each time: a re-analysis changes the picture, and a match costs no drawing.
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    data = overlay_jpeg(source, runtime.objects, max_side=max_side)
    return Response(content=data, media_type="image/jpeg", headers=headers)


# Sync routes: FastAPI runs them in its thread pool, so drawing never blocks the event loop.
@router.get(
    "/v1/photos/{photo_id}/overlay.jpg",
    response_class=Response,
    tags=["photos"],
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "the overlay picture"},
        304: {"description": "unchanged since the ETag sent in If-None-Match"},
        404: {"description": "no such photo"},
        409: {"description": "the photo has no analysis yet"},
    },
)
def get_overlay(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    _: SfaOrAdmin,
    photo_id: RowId,
    max_side: MaxSide = 1600,
) -> Response:
    """The photo upright with its boxes coloured by brand or SKU, its shelf rows, and a
    panel with the display score, each criterion passed or failed, and the legend."""
    return _overlay(request, runtime, session, photo_id, max_side)


@router.get(
    "/review/photos/{photo_id}/overlay.jpg", response_class=Response, include_in_schema=False
)
def review_overlay(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    _: PhotoReader,
    photo_id: RowId,
    max_side: MaxSide = 1600,
) -> Response:
    """The same picture for the review pages' readers."""
    return _overlay(request, runtime, session, photo_id, max_side)
