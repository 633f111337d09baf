"""The review queue and decisions as JSON (the pages in ``pages_review.py`` share the logic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.analyse.detect import vocabulary
from shelfaudit.api.days import query_day
from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.ids import Index, RowId, StrictStoredId
from shelfaudit.api.security import Approver, PhotoReader
from shelfaudit.commission import Decision
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.review.decisions import bulk_approve, decide
from shelfaudit.review.detections import correct_box, current_boxes
from shelfaudit.review.queue import Cursor, QueueFilters, queue_page
from shelfaudit.review.vocabulary import BoxAction, ReasonCode
from shelfaudit.store.tables import Photo

router = APIRouter(prefix="/v1/review", tags=["review"])

FilterText = Annotated[str | None, Query(max_length=100)]


def queue_filters(
    activity_id: FilterText = None,
    region: FilterText = None,
    rep_id: FilterText = None,
    store_id: FilterText = None,
    date_from: FilterText = None,
    date_to: FilterText = None,
) -> QueueFilters:
    """Filters from the query string; empty fields (as a GET form sends them) are no filter."""
    first, last = query_day(date_from, "date_from"), query_day(date_to, "date_to")
    if first is not None and last is not None and first > last:
        # It would show "Nothing to review." and nothing else.
        raise InvalidInput(
            f"the dates are the wrong way round: from {first} is after to {last}",
            field="date_from",
        )
    return QueueFilters(
        activity_id=activity_id or None,
        region=region or None,
        rep_id=rep_id or None,
        store_id=store_id or None,
        date_from=first,
        date_to=last,
    )


Filters = Annotated[QueueFilters, Depends(queue_filters)]


class QueueItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    photo_id: int
    reasons: list[str]
    verdict: str
    risk: int = Field(description="fraud score in basis points, 0-10000")
    at_stake_milli: int = Field(description="amount at stake in thousandths of currency")
    currency: str | None
    confidence: float | None
    score: float | None
    rep_id: str | None
    store_id: str | None
    activity_id: str | None
    region: str | None
    captured_at: datetime | None


class QueuePagePublic(BaseModel):
    items: list[QueueItemPublic]
    total: int
    next: str | None = Field(description="pass as `after` for the following page")
    previous: str | None = Field(description="pass as `before` for the preceding page")


@router.get("/queue", response_model=QueuePagePublic)
def get_queue(
    session: SessionDep,
    _: Approver,
    filters: Filters,
    after: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> QueuePagePublic:
    """Open items, riskiest and costliest first."""
    page = queue_page(
        session,
        filters=filters,
        after=Cursor.decode(after) if after else None,
        before=Cursor.decode(before, field="before") if before else None,
        limit=limit,
    )
    return QueuePagePublic(
        items=[QueueItemPublic.model_validate(item) for item in page.items],
        total=page.total,
        next=page.next.encode() if page.next else None,
        previous=page.previous.encode() if page.previous else None,
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason_code: ReasonCode | None = None
    comment: str | None = Field(default=None, max_length=2000)
    seen: str | None = Field(
        default=None,
        max_length=64,
        description="the decision you looked at: `none`, or its `decided_at`; if another "
        "decision came in since, the answer is 409 and nothing changes (omit to overwrite)",
    )


class DecisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    photo_id: int
    decision: Decision
    reason_code: str | None
    comment: str | None
    decided_at: datetime
    decided_by: str


@router.post("/photos/{photo_id}/decision", response_model=DecisionPublic)
def post_decision(
    session: SessionDep, principal: Approver, photo_id: RowId, body: DecisionIn
) -> DecisionPublic:
    """Approve or reject a photo; written to the audit trail, counted by the next payout run."""
    row = decide(
        session,
        photo_id=photo_id,
        decision=body.decision,
        reason_code=body.reason_code,
        comment=body.comment,
        actor=principal,
        seen=body.seen,
    )
    session.commit()
    return DecisionPublic.model_validate(row)


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    photo_ids: list[StrictStoredId] = Field(min_length=1, max_length=500)
    comment: str | None = Field(default=None, max_length=2000)


class BulkPublic(BaseModel):
    approved: list[int]
    skipped: dict[int, str]


@router.post("/bulk-approve", response_model=BulkPublic)
def post_bulk_approve(session: SessionDep, principal: Approver, body: BulkIn) -> BulkPublic:
    """Approve clean items (queued for low confidence or a near threshold) in one go."""
    result = bulk_approve(session, photo_ids=body.photo_ids, comment=body.comment, actor=principal)
    session.commit()
    return BulkPublic(approved=result.approved, skipped=result.skipped)


class BoxCorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: BoxAction
    class_name: str | None = Field(default=None, max_length=100)
    seen: str | None = Field(
        default=None,
        max_length=200,
        description="the box's `key` as you saw it (GET .../boxes); if the photo was "
        "analysed again or the box corrected since, 409",
    )


class BoxPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    index: int
    xyxy: tuple[float, float, float, float] = Field(description="upright original pixels")
    model_class: str
    class_name: str = Field(description="after reviewers' corrections")
    confidence: float | None
    wrong: bool
    corrected: bool
    key: str = Field(description="send back as `seen` with a correction of this box")


@router.get("/photos/{photo_id}/boxes", response_model=list[BoxPublic])
def get_boxes(session: SessionDep, _: PhotoReader, photo_id: RowId) -> list[BoxPublic]:
    """The detection boxes of the analysis in force, with reviewers' corrections applied."""
    if session.get(Photo, photo_id) is None:
        raise NotFound(f"photo {photo_id} does not exist")
    return [BoxPublic.model_validate(box) for box in current_boxes(session, photo_id)]


@router.post("/photos/{photo_id}/boxes/{box_index}", status_code=204)
def post_box_correction(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: Approver,
    photo_id: RowId,
    box_index: Index,
    body: BoxCorrectionIn,
) -> None:
    """Relabel a detection box or mark it wrong: saved as a label correction. A new class is
    one the served outlet detector knows or one already on the photo's boxes."""
    known = vocabulary(runtime.models.registry)
    correct_box(
        session,
        photo_id=photo_id,
        box_index=box_index,
        action=body.action,
        class_name=body.class_name,
        actor=principal,
        known_classes=known.classes if known else (),
        seen=body.seen,
    )
    session.commit()
