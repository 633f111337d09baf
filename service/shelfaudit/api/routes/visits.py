"""Visit reports: a rep's photos of a store on a day, by activity (visit -> scene -> image)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shelfaudit.api.days import query_day
from shelfaudit.api.deps import SessionDep
from shelfaudit.api.etags import matches
from shelfaudit.api.security import VisitReader
from shelfaudit.errors import InvalidInput
from shelfaudit.results.visits import VisitReport, visit_reports

router = APIRouter(prefix="/v1/visits", tags=["photos"])

Day = Annotated[str, Query(max_length=10, description="a local day, e.g. 2026-12-07")]
Id = Annotated[str | None, Query(max_length=64)]


@router.get("", response_model=list[VisitReport])
def get_visits(
    request: Request,
    response: Response,
    session: SessionDep,
    _: VisitReader,
    day_from: Day,
    day_to: Annotated[str | None, Query(max_length=10)] = None,
    rep_id: Id = None,
    store_id: Id = None,
) -> list[VisitReport] | Response:
    """Each visit (rep, store, local day) from ``day_from`` to ``day_to`` (default: the same
    day, at most 31 days): its photos by activity, each with its verdict, display score and
    review standing, and the visit ``partial`` while a photo is unanalysed. The ``ETag``
    answers ``If-None-Match`` with 304 while nothing changed."""
    first = query_day(day_from, "day_from")
    if first is None:
        raise InvalidInput("day_from must be a date like 2026-12-07", field="day_from")
    last = query_day(day_to, "day_to") or first
    reports = visit_reports(session, first=first, last=last, rep_id=rep_id, store_id=store_id)
    every = "-".join(f"{r.rep_id}/{r.store_id}/{r.day}/{r.revision}" for r in reports)
    etag = f'"{hashlib.sha256(every.encode()).hexdigest()[:20]}"'
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return reports
