"""Boxes reviewers draw round objects the detector missed, as JSON (labels for retraining;
the photo page draws them with the mouse)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.analyse.detect import vocabulary
from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.ids import RowId
from shelfaudit.api.security import Approver, PhotoReader
from shelfaudit.errors import NotFound
from shelfaudit.review.drawn_boxes import draw_box, drawn_boxes_of, remove_drawn_box
from shelfaudit.store.tables import Photo

router = APIRouter(prefix="/v1/review", tags=["review"])

Coordinate = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]


class DrawnBoxIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    class_name: str = Field(max_length=100, description="one of the outlet detector's classes")
    xyxy: tuple[Coordinate, Coordinate, Coordinate, Coordinate] = Field(
        description="corners in upright original pixels (as the detector's boxes); clipped "
        "to the photo"
    )


class DrawnBoxPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    class_name: str
    xyxy: tuple[float, float, float, float] = Field(description="upright original pixels")
    created_by: str
    created_at: datetime


@router.get("/photos/{photo_id}/drawn-boxes", response_model=list[DrawnBoxPublic])
def get_drawn_boxes(session: SessionDep, _: PhotoReader, photo_id: RowId) -> list[DrawnBoxPublic]:
    """Boxes reviewers drew round objects the detector missed, still in force."""
    if session.get(Photo, photo_id) is None:
        raise NotFound(f"photo {photo_id} does not exist")
    return [DrawnBoxPublic.model_validate(box) for box in drawn_boxes_of(session, photo_id)]


@router.post("/photos/{photo_id}/drawn-boxes", status_code=201, response_model=DrawnBoxPublic)
def post_drawn_box(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: Approver,
    photo_id: RowId,
    body: DrawnBoxIn,
) -> DrawnBoxPublic:
    """Draw a box round an object the detector missed; the label export adds it. 409 when
    the photo is not analysed yet or the same object is already drawn."""
    known = vocabulary(runtime.models.registry)
    drawn = draw_box(
        session,
        photo_id=photo_id,
        class_name=body.class_name,
        xyxy=body.xyxy,
        actor=principal,
        known_classes=known.classes if known else (),
    )
    session.commit()
    return DrawnBoxPublic.model_validate(drawn)


@router.delete("/photos/{photo_id}/drawn-boxes/{drawn_id}", status_code=204)
def delete_drawn_box(
    session: SessionDep, principal: Approver, photo_id: RowId, drawn_id: RowId
) -> None:
    """Take a drawn box back (kept on the audit trail)."""
    remove_drawn_box(session, photo_id=photo_id, drawn_id=drawn_id, actor=principal)
    session.commit()
