"""Review pages: the queue, a photo with its evidence, decisions, box corrections, boxes
drawn round missed objects and SKU confirmations (field examples)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shelfaudit.analyse.detect import vocabulary
from shelfaudit.analyse.sku import load_embedder
from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.etags import matches
from shelfaudit.api.ids import Index, RowId, StoredId
from shelfaudit.api.routes.review import Filters
from shelfaudit.api.security import Approver, PhotoReader
from shelfaudit.auth.roles import Role
from shelfaudit.commission import Decision
from shelfaudit.errors import Conflict, InvalidInput, NotFound
from shelfaudit.results.newest import latest_analyses
from shelfaudit.review.analysis_view import (
    analysis_stamp,
    fraud_reason_codes,
    latest_analysis,
    sku_facings,
)
from shelfaudit.review.catalogue_audit import record_packshots_added
from shelfaudit.review.decisions import NOT_IN_QUEUE, bulk_approve, decide, decision_stamp
from shelfaudit.review.detections import box_key, correct_box
from shelfaudit.review.drawn_boxes import draw_box, remove_drawn_box
from shelfaudit.review.images import PREVIEW_SIDES, preview_jpeg
from shelfaudit.review.photo_view import photo_view
from shelfaudit.review.queue import Cursor, neighbours, queue_page
from shelfaudit.review.vocabulary import APPROVE_REASONS, REJECT_REASONS, BoxAction, ReasonCode
from shelfaudit.store.catalogue import list_skus
from shelfaudit.store.master_data import Activity, Rep, Store, list_rows
from shelfaudit.store.tables import Photo
from shelfaudit.upload.sku_examples import accept_field_example
from shelfaudit.web.notices import Done, approve_warning, photo_notice, queue_notice
from shelfaudit.web.render import render

router = APIRouter(prefix="/review", tags=["pages"], include_in_schema=False)

CATALOGUE_CHOICES = 1000  # SKUs offered as you type; any other id can still be typed


def _see_other(path: str, params: Mapping[str, object] | None = None) -> RedirectResponse:
    query = f"?{urlencode(params)}" if params else ""
    return RedirectResponse(path + query, status_code=303)


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    session: SessionDep,
    principal: Approver,
    filters: Filters,
    after: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[str | None, Query(max_length=64)] = None,
    done: Annotated[Done | None, Query()] = None,
    approved: Annotated[int, Query(ge=0, le=10_000)] = 0,
    gone: Annotated[int, Query(ge=0, le=10_000)] = 0,
    own: Annotated[int, Query(ge=0, le=10_000)] = 0,
    photo: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    decision: Annotated[Decision | None, Query()] = None,
) -> HTMLResponse:
    page = queue_page(
        session,
        filters=filters,
        after=Cursor.decode(after) if after else None,
        before=Cursor.decode(before, field="before") if before else None,
    )
    stores = list_rows(session, Store)
    return render(
        request,
        "queue.html",
        {
            "page": page,
            "filters": filters,
            "params": filters.params(),
            "notice": queue_notice(done, approved, gone, own, photo, decision),
            "signals": {
                photo_id: fraud_reason_codes(row.checks or {})
                for photo_id, row in latest_analyses(
                    session, [item.photo_id for item in page.items]
                ).items()
            },
            "activities": list_rows(session, Activity),
            "reps": list_rows(session, Rep),
            "stores": stores,
            "regions": sorted({s.region for s in stores if s.region}),
        },
        principal=principal,
    )


@router.post("/bulk-approve", response_class=RedirectResponse)
def bulk(
    session: SessionDep,
    principal: Approver,
    photo_ids: Annotated[list[StoredId], Form(max_length=500)] = [],  # noqa: B006 - FastAPI copies it
) -> RedirectResponse:
    if not photo_ids:
        return _see_other("/review", {"done": Done.nothing_selected})
    result = bulk_approve(session, photo_ids=photo_ids, actor=principal)
    session.commit()
    gone = sum(1 for why in result.skipped.values() if why == NOT_IN_QUEUE)
    counts = {"approved": len(result.approved), "gone": gone, "own": len(result.skipped) - gone}
    return _see_other("/review", {"done": Done.bulk, **counts})


@router.get("/photos/{photo_id}", response_class=HTMLResponse)
def photo_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: PhotoReader,
    photo_id: RowId,
    filters: Filters,
    done: Annotated[Done | None, Query()] = None,
    photo: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    decision: Annotated[Decision | None, Query()] = None,
) -> HTMLResponse:
    view = photo_view(session, photo_id, business_offset_min=runtime.settings.business_offset_min)
    previous, following = neighbours(session, photo_id, filters=filters)
    return render(
        request,
        "photo.html",
        {
            "view": view,
            "previous": previous,
            "following": following,
            "params": filters.params(),
            "notice": photo_notice(done, photo, decision),
            "notice_photo": photo if done is not None else None,
            "approve_warning": approve_warning(view.fraud),
            "can_decide": principal.role in (Role.approver, Role.admin),
            "catalogue": list_skus(session, active=True, limit=CATALOGUE_CHOICES)
            if view.facings
            else [],
            "approve_reasons": APPROVE_REASONS,
            "reject_reasons": REJECT_REASONS,
            "seen": decision_stamp(view.review),
            "seen_analysis": analysis_stamp(session, photo_id),
            "detector_classes": sorted(
                set(known.classes if (known := vocabulary(runtime.models.registry)) else ())
                | set(view.classes)
            ),
        },
        principal=principal,
    )


@router.get("/photos/{photo_id}/image", response_class=Response)
def photo_image(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    _: PhotoReader,
    photo_id: RowId,
    size: Annotated[int, Query()] = PREVIEW_SIDES[1],
) -> Response:
    """The photo upright, at most ``size`` pixels on its long side (320 or 1600)."""
    if size not in PREVIEW_SIDES:
        raise InvalidInput(f"size is one of {PREVIEW_SIDES}", field="size")
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    etag = f'"{photo.sha256}-{size}"'
    headers = {"Cache-Control": "private, max-age=86400", "ETag": etag}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    data = preview_jpeg(runtime.objects.get(photo.object_key), long_side=size)
    return Response(content=data, media_type="image/jpeg", headers=headers)


@router.post("/photos/{photo_id}/decision", response_class=RedirectResponse)
def decision(
    session: SessionDep,
    principal: Approver,
    photo_id: RowId,
    filters: Filters,
    decision: Annotated[Decision, Form()],
    reason_code: Annotated[str, Form(max_length=32)] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
    seen: Annotated[str | None, Form(max_length=64)] = None,
    seen_analysis: Annotated[str | None, Form(max_length=64)] = None,
) -> RedirectResponse:
    """Decide, then go straight to the next item of the queue (or back to the queue); 409
    when someone else decided, or the photo was analysed again, since the page was loaded."""
    code = ReasonCode(reason_code) if reason_code in ReasonCode.__members__ else None
    if reason_code and code is None:
        raise InvalidInput(f"unknown reason code {reason_code!r}", field="reason_code")
    _, following = neighbours(session, photo_id, filters=filters)
    decide(
        session,
        photo_id=photo_id,
        decision=decision,
        reason_code=code,
        comment=comment,
        actor=principal,
        seen=seen,
        seen_analysis=seen_analysis,
    )
    session.commit()
    params = filters.params()
    done = {"done": Done.decided, "photo": photo_id, "decision": decision.value}
    if following is None:
        return _see_other("/review", {**params, **done})
    return _see_other(f"/review/photos/{following}", {**params, **done})


@router.post("/photos/{photo_id}/boxes/{box_index}", response_class=RedirectResponse)
def box_correction(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: Approver,
    photo_id: RowId,
    box_index: Index,
    filters: Filters,
    action: Annotated[BoxAction, Form()],
    class_name: Annotated[str, Form(max_length=100)] = "",
    seen: Annotated[str | None, Form(max_length=200)] = None,
) -> RedirectResponse:
    known = vocabulary(runtime.models.registry)
    correct_box(
        session,
        photo_id=photo_id,
        box_index=box_index,
        action=action,
        class_name=class_name,
        actor=principal,
        known_classes=known.classes if known else (),
        seen=seen,
    )
    session.commit()
    return _see_other(f"/review/photos/{photo_id}", filters.params())


@router.post("/photos/{photo_id}/drawn-boxes", response_class=RedirectResponse)
def drawn_box(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: Approver,
    photo_id: RowId,
    filters: Filters,
    class_name: Annotated[str, Form(max_length=100)],
    x0: Annotated[float, Form(allow_inf_nan=False)],
    y0: Annotated[float, Form(allow_inf_nan=False)],
    x1: Annotated[float, Form(allow_inf_nan=False)],
    y1: Annotated[float, Form(allow_inf_nan=False)],
) -> RedirectResponse:
    """Draw a box round an object the detector missed (the page fills the corners in as the
    reviewer drags over the photo; they can be typed too)."""
    known = vocabulary(runtime.models.registry)
    draw_box(
        session,
        photo_id=photo_id,
        class_name=class_name,
        xyxy=(x0, y0, x1, y1),
        actor=principal,
        known_classes=known.classes if known else (),
    )
    session.commit()
    return _see_other(f"/review/photos/{photo_id}", {**filters.params(), "done": Done.drawn})


@router.post("/photos/{photo_id}/drawn-boxes/{drawn_id}/remove", response_class=RedirectResponse)
def drawn_box_removal(
    session: SessionDep, principal: Approver, photo_id: RowId, drawn_id: RowId, filters: Filters
) -> RedirectResponse:
    remove_drawn_box(session, photo_id=photo_id, drawn_id=drawn_id, actor=principal)
    session.commit()
    return _see_other(f"/review/photos/{photo_id}", filters.params())


@router.post("/photos/{photo_id}/skus/{item_index}", response_class=RedirectResponse)
def sku_confirmation(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: PhotoReader,
    photo_id: RowId,
    item_index: Index,
    filters: Filters,
    sku_id: Annotated[str, Form(min_length=1, max_length=100)],
    seen: Annotated[str | None, Form(max_length=200)] = None,
) -> RedirectResponse:
    """Confirm that item ``item_index`` of the photo's SKU check shows ``sku_id``: it becomes a
    field example of that SKU, compared with from the next audit on."""
    analysis = latest_analysis(session, photo_id)
    facings = sku_facings(analysis.checks if analysis else {})
    facing = next((f for f in facings if f.index == item_index), None)
    if facing is None:
        raise NotFound(f"photo {photo_id} has no recognised item {item_index}")
    if seen is not None and seen != box_key("item", facing.xyxy):
        raise Conflict(
            f"item {item_index} changed since you looked (the photo was analysed again): reload it",
            field="seen",
        )
    try:
        accepted = accept_field_example(
            sessions=runtime.sessions,
            objects=runtime.objects,
            sku_id=sku_id.strip(),
            photo_id=photo_id,
            xyxy=facing.xyxy,
            embedder=load_embedder(runtime.models),
            long_side=runtime.settings.quality_long_side,
            max_pixels=runtime.settings.max_pixels,
        )
    except NotFound:  # an id typed by hand that is not in the catalogue: stay on the photo
        return _see_other(
            f"/review/photos/{photo_id}", {**filters.params(), "done": Done.unknown_sku}
        )
    record_packshots_added(
        runtime.sessions, actor=principal, sku_id=accepted.packshot.sku_id, accepted=[accepted]
    )
    return _see_other(f"/review/photos/{photo_id}", filters.params())
