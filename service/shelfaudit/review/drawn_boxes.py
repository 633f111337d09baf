"""Boxes reviewers draw round objects the detector missed: labels for retraining.

A relabel or a "wrong" mark fixes a box the detector found; a drawn box adds one it did not,
so the exported labels stop teaching the next model that the object is background. A drawn
box belongs to the photo, in upright original pixels (the space of the detector's boxes),
and outlives re-analyses. Removing one keeps its row with who removed it and when.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.errors import Conflict, InvalidInput, NotAnalysed, NotFound
from shelfaudit.review import audit
from shelfaudit.review.analysis_view import latest_analysis
from shelfaudit.review.detections import check_class_name, current_boxes, hold_photo, iou
from shelfaudit.store.tables import DrawnBox, Photo, utcnow

# A drag shorter than this on either side is a slip of the mouse, not an object: at 1600 px
# on screen a 12 MP photo's 4 px is under 2 screen pixels.
MIN_SIDE_PX = 4.0
# Drawing the same object twice (a double submit, two reviewers), or one the detector boxed,
# would export it twice.
SAME_OBJECT_IOU = 0.8


def same_object(
    name: str, box: Sequence[float], other_name: str, other_box: Sequence[float]
) -> bool:
    """Two boxes of one class on the same object (IoU >= ``SAME_OBJECT_IOU``): exported
    both, one object would teach the next model two boxes."""
    return name == other_name and iou(box, other_box) >= SAME_OBJECT_IOU


@dataclass(frozen=True)
class Size:
    """A photo upright, in pixels: the space boxes are drawn in."""

    width: int
    height: int


def upright_size(session: Session, photo: Photo) -> Size:
    """The photo's upright size as its newest analysis decoded it; refused before one."""
    analysis = latest_analysis(session, photo.id)
    decode = (analysis.checks.get("decode") or {}) if analysis else {}
    width, height = decode.get("width"), decode.get("height")
    if analysis is None or not width or not height:
        raise NotAnalysed(
            f"photo {photo.id} has not been analysed yet: boxes can be drawn once it has"
        )
    return Size(int(width), int(height))


def clip_box(xyxy: Sequence[float], size: Size) -> tuple[float, float, float, float]:
    """``xyxy`` ordered (a drag may go up or left) and clipped to the photo; refused when
    nothing of it is on the photo or a side is under ``MIN_SIDE_PX``."""
    if len(xyxy) != 4:
        raise InvalidInput("a box is four numbers: x0, y0, x1, y1", field="xyxy")
    x0, x1 = sorted((float(xyxy[0]), float(xyxy[2])))
    y0, y1 = sorted((float(xyxy[1]), float(xyxy[3])))
    x0, x1 = max(x0, 0.0), min(x1, float(size.width))
    y0, y1 = max(y0, 0.0), min(y1, float(size.height))
    if x1 - x0 < MIN_SIDE_PX or y1 - y0 < MIN_SIDE_PX:
        raise InvalidInput(
            f"the box must cover at least {MIN_SIDE_PX:g} x {MIN_SIDE_PX:g} pixels of the "
            f"{size.width} x {size.height} photo (upright pixels)",
            field="xyxy",
        )
    return (round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1))


def drawn_boxes_of(session: Session, photo_id: int) -> list[DrawnBox]:
    """The photo's drawn boxes still in force, oldest first."""
    query = select(DrawnBox).where(DrawnBox.photo_id == photo_id, DrawnBox.removed_at.is_(None))
    return list(session.scalars(query.order_by(DrawnBox.id)))


def drawn_boxes_of_photos(session: Session, photo_ids: Sequence[int]) -> dict[int, list[DrawnBox]]:
    found: dict[int, list[DrawnBox]] = {}
    ids = list(photo_ids)
    for start in range(0, len(ids), 500):
        query = select(DrawnBox).where(
            DrawnBox.photo_id.in_(ids[start : start + 500]), DrawnBox.removed_at.is_(None)
        )
        for box in session.scalars(query.order_by(DrawnBox.id)):
            found.setdefault(box.photo_id, []).append(box)
    return found


def draw_box(
    session: Session,
    *,
    photo_id: int,
    class_name: str,
    xyxy: Sequence[float],
    actor: Principal,
    known_classes: Collection[str] = (),
) -> DrawnBox:
    """Save a box a reviewer drew and its trail. With ``known_classes`` (the served
    detector's) the class is one of them, so a typo cannot start a class of its own."""
    hold_photo(session, photo_id)
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    name = class_name.strip()
    check_class_name(name, known_classes)
    box = clip_box(xyxy, upright_size(session, photo))
    for found in current_boxes(session, photo_id):
        if not found.wrong and same_object(name, box, found.class_name, found.xyxy):
            raise Conflict(
                f"the detector already boxed this {name} (box {found.index}); "
                "relabel or mark that box instead",
                field="xyxy",
            )
    for other in drawn_boxes_of(session, photo_id):
        if same_object(name, box, other.class_name, other.xyxy):
            raise Conflict(
                f"a {name} box is already drawn there (#{other.id} by {other.created_by})",
                field="xyxy",
            )
    drawn = DrawnBox(
        photo_id=photo_id,
        class_name=name,
        xyxy=list(box),
        created_by=actor.name,
        created_at=utcnow(),
    )
    session.add(drawn)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="drawn_box_added",
        subject=f"photo {photo_id} drawn box {drawn.id}",
        photo_id=photo_id,
        after={"class_name": name, "xyxy": list(box)},
    )
    return drawn


def remove_drawn_box(
    session: Session, *, photo_id: int, drawn_id: int, actor: Principal
) -> DrawnBox:
    """Take a drawn box back; removing one already removed changes nothing."""
    hold_photo(session, photo_id)
    drawn = session.get(DrawnBox, drawn_id)
    if drawn is None or drawn.photo_id != photo_id:
        raise NotFound(f"photo {photo_id} has no drawn box {drawn_id}")
    if drawn.removed_at is not None:
        return drawn
    drawn.removed_at = utcnow()
    drawn.removed_by = actor.name
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="drawn_box_removed",
        subject=f"photo {photo_id} drawn box {drawn_id}",
        photo_id=photo_id,
        before={"class_name": drawn.class_name, "xyxy": list(drawn.xyxy)},
    )
    return drawn
