"""Detection boxes as the review sees them: the analysis's boxes with corrections applied.

Boxes come from ``checks["detections"]["boxes"]``, in upright image pixels
``[x0, y0, x1, y1]``. A reviewer's latest correction per box wins: ``relabel`` changes the
class, ``wrong`` drops the box from exported labels, ``restore`` undoes both.

A correction remembers the box it was made on (its model class and corners). A re-analysis
may find boxes in another order, moved a little, or not at all, so corrections are grouped
by the object they were made on (across analyses, never two boxes of one analysis), and the
objects are matched one to one with the current boxes of the same model class, best overlap
first (IoU >= ``SAME_BOX_IOU``), whatever their index; the newest correction of an object
wins, and one whose box is not found lapses. Corrections saved before boxes were remembered
(migration 0109) apply by index, and only to the analysis saved as they were made.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.errors import Conflict, InvalidInput, NotFound
from shelfaudit.ml.boxes import box_iou
from shelfaudit.review import audit
from shelfaudit.review.analysis_view import latest_analysis
from shelfaudit.review.vocabulary import BoxAction
from shelfaudit.store.tables import Analysis, LabelCorrection, Photo, utcnow


@dataclass(frozen=True)
class Box:
    index: int
    xyxy: tuple[float, float, float, float]
    model_class: str
    confidence: float | None
    class_name: str  # after corrections
    wrong: bool = False
    corrected: bool = False

    @property
    def key(self) -> str:
        """What a page shows of the box, sent back with a correction: a different key means
        the photo was analysed again, or someone corrected the box, since the page was
        loaded. ``<model class>@<x0>,<y0>,<x1>,<y1>`` (pixels rounded half up), then
        ``><class>`` or ``>wrong`` once corrected."""
        shown = box_key(self.model_class, self.xyxy)
        if self.corrected:
            shown += ">wrong" if self.wrong else f">{self.class_name}"
        return shown


# Two boxes of one class overlapping this much are one object seen twice: NMS (IoU 0.7 at
# most) keeps no such pair, and a re-run of the detector moves a box far less (a drinker
# relabelled by a reviewer came back at IoU 0.875 after a re-analysis).
SAME_BOX_IOU = 0.7


def box_key(label: str, xyxy: Sequence[float] | None) -> str:
    corners = "whole" if xyxy is None else ",".join(str(math.floor(v + 0.5)) for v in xyxy)
    return f"{label}@{corners}"


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    return float(box_iou(np.array([a], np.float32), np.array([b], np.float32))[0, 0])


@dataclass
class _Object:
    """The corrections made on one object across analyses: each remembers the box as it was
    then, and the object may have moved a little from one analysis to the next."""

    model_class: str
    boxes: list[tuple[float, ...]]
    epochs: list[int]  # which analysis of the photo each correction was made on
    corrections: list[LabelCorrection]

    def overlap(self, box: Box) -> float:
        if box.model_class != self.model_class:
            return 0.0
        return max(iou(box.xyxy, seen) for seen in self.boxes)

    def continues(self, model_class: str, seen: tuple[float, ...], epoch: int) -> float:
        """How well a correction of ``seen`` on analysis ``epoch`` continues this object
        (0: not at all). On the same analysis only the same box does: two boxes of one
        analysis are two objects, however much they overlap."""
        if model_class != self.model_class:
            return 0.0
        if epoch == self.epochs[-1]:
            return 1.0 if seen == self.boxes[-1] else 0.0
        overlap = iou(seen, self.boxes[-1])
        return overlap if overlap >= SAME_BOX_IOU else 0.0


def _objects(corrections: list[LabelCorrection], saves: Sequence[datetime]) -> list[_Object]:
    """Corrections grouped by the object they were made on, oldest first. ``saves``: when
    each analysis of the photo was first saved, in order; a correction was made on the
    newest one saved before it."""
    found: list[_Object] = []
    for correction in sorted(corrections, key=lambda c: c.id):
        if correction.xyxy is None or correction.model_class is None:
            continue
        seen = tuple(float(v) for v in correction.xyxy)
        epoch = bisect.bisect_right(saves, correction.created_at)
        scored = [
            (o.continues(correction.model_class, seen, epoch), n) for n, o in enumerate(found)
        ]
        best = max(scored, default=(0.0, -1))
        if best[0] > 0:
            same = found[best[1]]
            same.boxes.append(seen)
            same.epochs.append(epoch)
            same.corrections.append(correction)
        else:
            found.append(_Object(correction.model_class, [seen], [epoch], [correction]))
    return found


def _match(objects: list[_Object], boxes: list[Box]) -> list[tuple[_Object, Box]]:
    """Corrected objects to current boxes, one to one, best overlap first (ties: the most
    recently corrected object, then the lower box index), so every process agrees."""
    pairs = sorted(
        (
            (overlap, o.corrections[-1].id, -box.index, n, box)
            for n, o in enumerate(objects)
            for box in boxes
            if (overlap := o.overlap(box)) >= SAME_BOX_IOU
        ),
        key=lambda pair: pair[:3],
        reverse=True,
    )
    matched: list[tuple[_Object, Box]] = []
    used_objects: set[int] = set()
    used_boxes: set[int] = set()
    for _, _, _, n, box in pairs:
        if n not in used_objects and box.index not in used_boxes:
            matched.append((objects[n], box))
            used_objects.add(n)
            used_boxes.add(box.index)
    return matched


def model_boxes(checks: dict[str, Any]) -> list[Box]:
    part = checks.get("detections")
    raw = part.get("boxes") if isinstance(part, dict) else None
    boxes = []
    for index, box in enumerate(raw or []):
        if not isinstance(box, dict) or len(box.get("xyxy") or ()) != 4:
            continue
        x0, y0, x1, y1 = (float(v) for v in box["xyxy"])
        name = str(box.get("class_name") or box.get("class_id") or "object")
        confidence = box.get("confidence")
        boxes.append(
            Box(
                index=index,
                xyxy=(x0, y0, x1, y1),
                model_class=name,
                confidence=float(confidence) if isinstance(confidence, int | float) else None,
                class_name=name,
            )
        )
    return boxes


def apply_corrections(
    boxes: list[Box],
    corrections: list[LabelCorrection],
    *,
    analysed_at: datetime | None = None,
    saves: Sequence[datetime] = (),
) -> list[Box]:
    """``boxes`` (of the analysis last saved at ``analysed_at``) with the latest correction
    of each applied; ``saves``: when each analysis of the photo was first saved."""
    targets: list[tuple[LabelCorrection, Box]] = [
        (correction, box)
        for obj, box in _match(_objects(corrections, sorted(saves)), boxes)
        for correction in obj.corrections
    ]
    by_index = {box.index: box for box in boxes}
    for correction in corrections:
        legacy = correction.xyxy is None or correction.model_class is None
        # By index, only on the analysis it was made on: on a later one, or the same one
        # saved again, the index may name another box, and a wrong label is worse than none.
        made_here = analysed_at is None or correction.created_at >= analysed_at
        box = by_index.get(correction.box_index) if legacy and made_here else None
        if box is not None:
            targets.append((correction, box))
    latest: dict[int, LabelCorrection] = {}
    for correction, box in sorted(targets, key=lambda pair: pair[0].id):
        latest[box.index] = correction
    fixed = []
    for box in boxes:
        found = latest.get(box.index)
        if found is None or found.action == BoxAction.restore:
            fixed.append(box)
        elif found.action == BoxAction.wrong:
            fixed.append(_replace(box, wrong=True))
        else:
            fixed.append(_replace(box, class_name=found.class_name or box.class_name))
    return fixed


def _replace(box: Box, *, class_name: str | None = None, wrong: bool = False) -> Box:
    return Box(
        index=box.index,
        xyxy=box.xyxy,
        model_class=box.model_class,
        confidence=box.confidence,
        class_name=class_name or box.class_name,
        wrong=wrong,
        corrected=True,
    )


def corrections_of(session: Session, photo_id: int) -> list[LabelCorrection]:
    query = select(LabelCorrection).where(LabelCorrection.photo_id == photo_id)
    return list(session.scalars(query.order_by(LabelCorrection.id)))


def current_boxes(session: Session, photo_id: int) -> list[Box]:
    analysis = latest_analysis(session, photo_id)
    if analysis is None:
        return []
    return apply_corrections(
        model_boxes(analysis.checks),
        corrections_of(session, photo_id),
        analysed_at=analysis.updated_at,
        saves=analysis_saves(session, [photo_id]).get(photo_id, []),
    )


def analysis_saves(session: Session, photo_ids: Sequence[int]) -> dict[int, list[datetime]]:
    """When each analysis of each photo was first saved, oldest first."""
    found: dict[int, list[datetime]] = {}
    rows = session.execute(
        select(Analysis.photo_id, Analysis.created_at)
        .where(Analysis.photo_id.in_(photo_ids))
        .order_by(Analysis.photo_id, Analysis.created_at)
    )
    for photo_id, created_at in rows:
        found.setdefault(photo_id, []).append(created_at)
    return found


CLASS_NAME = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")


def check_class_name(name: str, known: Collection[str] = ()) -> None:
    """Refuse a class name the label export could not write, or, with ``known`` (the served
    detector's classes), one it does not know: a typo (``beer_cartn``) would otherwise start
    a class of its own in the exported labels."""
    if not CLASS_NAME.fullmatch(name):
        # The label export writes one class per line (YOLO classes.txt): a newline or a
        # stray character would shift every class id after it.
        raise InvalidInput(
            f"class {name[:40]!r}: write lower-case letters, digits, _ and - (e.g. beer_carton)",
            field="class_name",
        )
    if known and name not in known:
        raise InvalidInput(
            f"class {name!r} is not one the detector knows (it knows {', '.join(sorted(known))})",
            field="class_name",
        )


def hold_photo(session: Session, photo_id: int) -> None:
    """Take the photo's row lock (PostgreSQL) or the write lock (SQLite) before reading its
    boxes: two reviewers correcting the same box at once then go one after the other, and
    the second sees the first's correction (its ``seen`` no longer matches: 409)."""
    session.execute(
        update(Photo)
        .where(Photo.id == photo_id)
        .values(id=Photo.id)
        .execution_options(synchronize_session=False)
    )


def correct_box(
    session: Session,
    *,
    photo_id: int,
    box_index: int,
    action: BoxAction,
    actor: Principal,
    class_name: str | None = None,
    known_classes: Collection[str] = (),
    seen: str | None = None,
) -> LabelCorrection:
    """Save a reviewer's correction of one box (a label for retraining) and its trail.

    With ``known_classes`` (the served detector's), a relabel names one of them or a class
    already on this photo's boxes: a typo (``beer_cartn``) would otherwise start a new class
    in the exported labels. With ``seen`` (the ``Box.key`` the page showed), a box that
    changed since is a ``Conflict``."""
    hold_photo(session, photo_id)
    boxes = {box.index: box for box in current_boxes(session, photo_id)}
    box = boxes.get(box_index)
    if box is None:
        raise NotFound(f"photo {photo_id} has no box {box_index}")
    if seen is not None and seen != box.key:
        raise Conflict(
            f"box {box_index} is now {box.key}, not {seen[:80]}: it was corrected, or the "
            "photo analysed again, since you looked; reload it",
            field="seen",
        )
    class_name = (class_name or "").strip() or None
    if action is BoxAction.relabel and not class_name:
        raise InvalidInput("a new class is needed to relabel a box", field="class_name")
    if class_name is not None:
        allowed = set(known_classes) | {b.model_class for b in boxes.values()}
        relabelling = action is BoxAction.relabel and known_classes
        check_class_name(class_name, allowed if relabelling else ())
    correction = LabelCorrection(
        photo_id=photo_id,
        box_index=box_index,
        action=action.value,
        class_name=class_name if action is BoxAction.relabel else None,
        model_class=box.model_class,
        xyxy=list(box.xyxy),
        created_by=actor.name,
        created_at=utcnow(),
    )
    session.add(correction)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"box_{action.value}",
        subject=f"photo {photo_id} box {box_index}",
        photo_id=photo_id,
        before={"class_name": box.class_name, "wrong": box.wrong},
        after={
            "class_name": class_name if action is BoxAction.relabel else box.model_class,
            "wrong": action is BoxAction.wrong,
        },
    )
    return correction
