"""Labels for retraining: reviewed photos with their boxes as corrected, in COCO or YOLO.

A photo counts once a person decided on it since the given day (UTC). Boxes marked wrong
are left out and relabelled ones carry the new class. Boxes are in upright pixels, so an
original whose EXIF says to rotate is written rotated (re-encoded); others are copied as
uploaded. Layout, in a folder or a zip:

- COCO: ``images/<photo id>.<ext>`` and ``annotations.json``;
- YOLO: ``images/<photo id>.<ext>``, ``labels/<photo id>.txt`` (class cx cy w h, 0-1),
  ``classes.txt`` and ``data.yaml``.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.analyse.decode import to_rgb
from shelfaudit.analyse.orientation import TRANSPOSE
from shelfaudit.results.newest import latest_analyses
from shelfaudit.review.detections import Box, apply_corrections, corrections_of, model_boxes
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import Photo, PhotoReview


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
class Labelled:
    photo: Photo
    review: PhotoReview
    width: int
    height: int
    orientation: int
    boxes: list[Box]


@dataclass(frozen=True)
class ExportSummary:
    images: int
    boxes: int
    classes: list[str]


def reviewed(session: Session, *, since: date) -> list[Labelled]:
    start = datetime.combine(since, time(0), tzinfo=UTC)
    rows = list(
        session.execute(
            select(Photo, PhotoReview)
            .join(PhotoReview, PhotoReview.photo_id == Photo.id)
            .where(PhotoReview.decided_at >= start)
            .order_by(Photo.id)
        ).all()
    )
    analyses = latest_analyses(session, [photo.id for photo, _ in rows])
    found = []
    for photo, review in rows:
        checks = analyses[photo.id].checks if photo.id in analyses else {}
        decode = checks.get("decode") or {}
        boxes = apply_corrections(model_boxes(checks), corrections_of(session, photo.id))
        found.append(
            Labelled(
                photo=photo,
                review=review,
                width=int(decode.get("width") or photo.width),
                height=int(decode.get("height") or photo.height),
                orientation=int(decode.get("orientation") or 1),
                boxes=[box for box in boxes if not box.wrong],
            )
        )
    return found


def _image(objects: ObjectStore, item: Labelled) -> tuple[str, bytes]:
    data = objects.get(item.photo.object_key)
    if item.orientation == 1:
        return f"images/{item.photo.id}.{item.photo.format}", data
    with Image.open(io.BytesIO(data)) as image:
        upright = to_rgb(image)
    if item.orientation in TRANSPOSE:
        upright = upright.transpose(TRANSPOSE[item.orientation])
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=95)
    return f"images/{item.photo.id}.jpeg", out.getvalue()


def export_labels(
    session: Session, objects: ObjectStore, *, fmt: LabelFormat, since: date, sink: Sink
) -> ExportSummary:
    items = reviewed(session, since=since)
    classes = sorted({box.class_name for item in items for box in item.boxes})
    ids = {name: index for index, name in enumerate(classes)}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for item in items:
        name, data = _image(objects, item)
        sink.write(name, data)
        if fmt is LabelFormat.yolo:
            sink.write(f"labels/{item.photo.id}.txt", _yolo_lines(item, ids).encode())
        images.append(
            {
                "id": item.photo.id,
                "file_name": name,
                "width": item.width,
                "height": item.height,
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
        sink.write("data.yaml", f"path: .\ntrain: images\nval: images\nnames:\n{names}\n".encode())
    return ExportSummary(images=len(items), boxes=len(annotations), classes=classes)


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
