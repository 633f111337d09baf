"""Labels for retraining: reviewed photos with their boxes as corrected, in COCO or YOLO.

A photo counts once a person approved it and the outlet detector ran on it; an export since a
day (UTC) holds the photos decided, corrected or drawn on since then (a box drawn on a photo
approved last month is exported with it). Left out, and counted in
``ExportSummary.skipped``: rejected photos (a recapture or reused photo is no ground truth,
and a duplicate would land on both sides of a train/val split), a second photo with the same
bytes (boxes drawn on it go to the exported copy), and photos the detector never saw (failed,
or analysed without it), whose empty label file would read as "nothing here".

Boxes marked wrong are left out, relabelled ones carry the new class, and boxes reviewers
drew round objects the detector missed (``review/drawn_boxes.py``) are added. Class ids follow
the served detector's class list, so exports line up with each other and with the model's
head; a class it lacks is appended after them. Boxes are in upright pixels, so an original
whose EXIF says to rotate is written rotated (re-encoded); others are copied as uploaded.
Photos are split into train and val by store (``review/label_split.py``). Layout, in a
folder or a zip, with SIDE ``train`` or ``val``:

- COCO: ``images/SIDE/<photo id>.<ext>`` and ``annotations.json``, each image with its
  ``split`` as in heineken_displays, so ``python -m training.detect.coco_to_yolo`` and
  ``shelfaudit eval detect --coco`` (val by default) read it as they read the shared set;
- YOLO: ``images/SIDE/<photo id>.<ext>``, ``labels/SIDE/<photo id>.txt`` (class cx cy w h,
  0-1), ``classes.txt`` and ``data.yaml`` (no ``path``: ultralytics then reads the folder the
  yaml is in, wherever it is run from).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from PIL import Image
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shelfaudit.analyse.decode import to_rgb
from shelfaudit.analyse.detect import OUTLET_MODEL
from shelfaudit.analyse.orientation import TRANSPOSE
from shelfaudit.commission import Decision
from shelfaudit.results.newest import latest_analyses
from shelfaudit.review.detections import (
    analysis_saves,
    apply_corrections,
    corrections_of,
    model_boxes,
)
from shelfaudit.review.drawn_boxes import drawn_boxes_of_photos, same_object
from shelfaudit.review.label_split import DEFAULT_VAL_SHARE, Side, group_of, val_groups
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import Analysis, DrawnBox, LabelCorrection, Photo, PhotoReview


class LabelFormat(StrEnum):
    coco = "coco"
    yolo = "yolo"


class Sink(Protocol):
    def write(self, name: str, data: bytes) -> None: ...


class FolderSink:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


class ZipSink:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def write(self, name: str, data: bytes) -> None:
        self.archive.writestr(name, data)


@dataclass(frozen=True)
class Label:
    """One box of the exported labels, in upright pixels."""

    class_name: str
    xyxy: tuple[float, float, float, float]
    drawn: bool = False  # drawn by a reviewer, not found by the detector


@dataclass(frozen=True)
class Labelled:
    photo: Photo
    review: PhotoReview
    width: int
    height: int
    orientation: int
    boxes: list[Label]
    model: str  # the outlet detector version that drew the boxes


@dataclass(frozen=True)
class ExportSummary:
    images: int
    boxes: int
    classes: list[str]
    drawn: int = 0  # of ``boxes``, drawn by reviewers round objects the detector missed
    skipped: dict[str, int] = field(default_factory=dict)  # why -> photos
    splits: dict[str, int] = field(default_factory=dict)  # side -> photos


class Skip(StrEnum):
    rejected = "rejected"
    same_bytes = "same bytes as an exported photo"
    # The same picture resized, turned or cropped, found by the duplicate search: exported
    # from two stores it would sit on both sides of the split and flatter val.
    near_duplicate = "the same picture as an exported photo"
    no_detector = "not seen by the outlet detector"


def _outlet_model(checks: dict[str, Any]) -> str | None:
    part = checks.get("detections")
    models = part.get("models") if isinstance(part, dict) else None
    return (
        str(models[OUTLET_MODEL]) if isinstance(models, dict) and OUTLET_MODEL in models else None
    )


def _left_out(
    review: PhotoReview, model: str | None, repeated: bool, pictured: bool
) -> Skip | None:
    if review.decision != Decision.approved:
        return Skip.rejected
    if model is None:
        return Skip.no_detector
    if repeated:
        return Skip.same_bytes
    if pictured:
        return Skip.near_duplicate
    return None


def _matched(checks: dict[str, Any]) -> set[int]:
    """Earlier photos the duplicate search found this one repeats."""
    part = checks.get("duplicates")
    matches = part.get("matches") if isinstance(part, dict) else None
    if not isinstance(matches, list):
        return set()
    return {int(m["photo_id"]) for m in matches if isinstance(m, dict) and "photo_id" in m}


def decided_on(session: Session, reviews: Sequence[PhotoReview]) -> dict[int, Analysis]:
    """The analysis each decision was taken on, where it is still stored: a photo analysed
    again by another model keeps the boxes its reviewer saw and corrected."""
    wanted = {r.analysis_id: r.photo_id for r in reviews if r.analysis_id is not None}
    found: dict[int, Analysis] = {}
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in session.scalars(select(Analysis).where(Analysis.id.in_(chunk))):
            if row.photo_id == wanted[row.id]:
                found[row.photo_id] = row
    return found


def reviewed(session: Session, *, since: date) -> tuple[list[Labelled], Counter[str]]:
    """The photos to export, in id order, and how many were left out for each ``Skip``."""
    start = datetime.combine(since, time(0), tzinfo=UTC)
    corrected = select(LabelCorrection.photo_id).where(LabelCorrection.created_at >= start)
    drawn_since = select(DrawnBox.photo_id).where(
        or_(DrawnBox.created_at >= start, DrawnBox.removed_at >= start)
    )
    rows = list(
        session.execute(
            select(Photo, PhotoReview)
            .join(PhotoReview, PhotoReview.photo_id == Photo.id)
            .where(
                or_(
                    PhotoReview.decided_at >= start,
                    Photo.id.in_(corrected),
                    Photo.id.in_(drawn_since),
                )
            )
            .order_by(Photo.id)
        ).all()
    )
    analyses = {
        **latest_analyses(session, [photo.id for photo, _ in rows]),
        **decided_on(session, [review for _, review in rows]),
    }
    saves = analysis_saves(session, [photo.id for photo, _ in rows])
    drawn = drawn_boxes_of_photos(session, [photo.id for photo, _ in rows])
    found = []
    skipped: Counter[str] = Counter()
    shas: dict[str, Labelled] = {}
    exported: set[int] = set()
    for photo, review in rows:
        checks = analyses[photo.id].checks if photo.id in analyses else {}
        model = _outlet_model(checks)
        why = _left_out(review, model, photo.sha256 in shas, bool(_matched(checks) & exported))
        if why is Skip.same_bytes:
            # The same pixels: what a reviewer drew on this copy holds for the exported one.
            first = shas[photo.sha256]
            first.boxes[:] = with_drawn(first.boxes, drawn.get(photo.id, []))
        if why is not None:
            skipped[why.value] += 1
            continue
        exported.add(photo.id)
        decode = checks.get("decode") or {}
        boxes = apply_corrections(
            model_boxes(checks),
            corrections_of(session, photo.id),
            analysed_at=analyses[photo.id].updated_at if photo.id in analyses else None,
            saves=saves.get(photo.id, []),
        )
        item = Labelled(
            photo=photo,
            review=review,
            width=int(decode.get("width") or photo.width),
            height=int(decode.get("height") or photo.height),
            orientation=int(decode.get("orientation") or 1),
            boxes=with_drawn(
                [Label(box.class_name, box.xyxy) for box in boxes if not box.wrong],
                drawn.get(photo.id, []),
            ),
            model=model or "",
        )
        shas[photo.sha256] = item
        found.append(item)
    return found, skipped


def with_drawn(labels: list[Label], drawn: Sequence[DrawnBox]) -> list[Label]:
    """``labels`` and the drawn boxes that are not already among them: a model that analysed
    the photo again may have found what a reviewer drew (same class, IoU >= 0.8)."""
    found = list(labels)
    for d in drawn:
        box = (d.xyxy[0], d.xyxy[1], d.xyxy[2], d.xyxy[3])
        if not any(same_object(d.class_name, box, o.class_name, o.xyxy) for o in found):
            found.append(Label(d.class_name, box, drawn=True))
    return found


def _image(objects: ObjectStore, item: Labelled, side: Side) -> tuple[str, bytes]:
    data = objects.get(item.photo.object_key)
    if item.orientation == 1:
        return f"images/{side}/{item.photo.id}.{item.photo.format}", data
    with Image.open(io.BytesIO(data)) as image:
        upright = to_rgb(image)
    if item.orientation in TRANSPOSE:
        upright = upright.transpose(TRANSPOSE[item.orientation])
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=95)
    return f"images/{side}/{item.photo.id}.jpeg", out.getvalue()


def class_list(served: Sequence[str], found: Iterable[str]) -> list[str]:
    """The served detector's classes in its order, then any other class found, sorted."""
    extra = sorted(set(found) - set(served))
    return [*served, *extra]


def export_labels(
    session: Session,
    objects: ObjectStore,
    *,
    fmt: LabelFormat,
    since: date,
    sink: Sink,
    served_classes: Sequence[str] = (),
    val_share: float = DEFAULT_VAL_SHARE,
) -> ExportSummary:
    """Write what ``reviewed`` finds to ``sink``; class ids from ``served_classes`` (the
    outlet detector's, from its registry entry) first; about ``val_share`` of the stores
    in val (0: every photo in train)."""
    items, skipped = reviewed(session, since=since)
    groups = {
        item.photo.id: group_of(photo_id=item.photo.id, store_id=item.photo.store_id)
        for item in items
    }
    in_val = val_groups(groups.values(), val_share)
    sides = {pid: Side.val if group in in_val else Side.train for pid, group in groups.items()}
    classes = class_list(served_classes, (box.class_name for item in items for box in item.boxes))
    ids = {name: index for index, name in enumerate(classes)}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for item in items:
        side = sides[item.photo.id]
        name, data = _image(objects, item, side)
        sink.write(name, data)
        if fmt is LabelFormat.yolo:
            sink.write(f"labels/{side}/{item.photo.id}.txt", _yolo_lines(item, ids).encode())
        images.append(
            {
                "id": item.photo.id,
                "file_name": name,
                "split": side.value,
                "store_id": item.photo.store_id,
                "width": item.width,
                "height": item.height,
                "model": item.model,
                "decision": item.review.decision,
                "reason_code": item.review.reason_code,
                "decided_at": item.review.decided_at.isoformat(),
            }
        )
        annotations.extend(_coco_boxes(item, ids, first_id=len(annotations) + 1))
    if fmt is LabelFormat.coco:
        document = {
            "info": {"description": "ShelfAudit reviewed labels", "since": since.isoformat()},
            "images": images,
            "annotations": annotations,
            "categories": [{"id": i, "name": n} for n, i in ids.items()],
        }
        sink.write("annotations.json", json.dumps(document, indent=1).encode())
    else:
        sink.write("classes.txt", "".join(f"{name}\n" for name in classes).encode())
        names = "\n".join(f"  {i}: {json.dumps(n)}" for n, i in ids.items())
        sink.write("data.yaml", f"{_yolo_sides(sides)}names:\n{names}\n".encode())
    counts = Counter(side.value for side in sides.values())
    return ExportSummary(
        images=len(items),
        boxes=len(annotations),
        classes=classes,
        drawn=sum(box.drawn for item in items for box in item.boxes),
        skipped=dict(skipped),
        splits={side.value: counts[side.value] for side in Side},
    )


def _yolo_sides(sides: dict[int, Side]) -> str:
    """data.yaml's train and val: a side with no photo (few stores, or a val share of 0)
    reads the other one, so ultralytics still runs, and says so."""
    have = set(sides.values())
    if Side.val not in have:
        return "train: images/train\n# no store in val: val repeats train\nval: images/train\n"
    if Side.train not in have:
        return "# no store in train: train repeats val\ntrain: images/val\nval: images/val\n"
    return "train: images/train\nval: images/val\n"


def _coco_boxes(item: Labelled, ids: dict[str, int], *, first_id: int) -> list[dict[str, Any]]:
    found = []
    for offset, box in enumerate(item.boxes):
        x0, y0, x1, y1 = box.xyxy
        found.append(
            {
                "id": first_id + offset,
                "image_id": item.photo.id,
                "category_id": ids[box.class_name],
                "bbox": [x0, y0, x1 - x0, y1 - y0],
                "area": (x1 - x0) * (y1 - y0),
                "iscrowd": 0,
                "drawn": box.drawn,
            }
        )
    return found


def _yolo_lines(item: Labelled, ids: dict[str, int]) -> str:
    lines = []
    for box in item.boxes:
        x0, y0, x1, y1 = box.xyxy
        cx, cy = (x0 + x1) / 2 / item.width, (y0 + y1) / 2 / item.height
        w, h = (x1 - x0) / item.width, (y1 - y0) / item.height
        lines.append(f"{ids[box.class_name]} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}\n")
    return "".join(lines)
