"""Which detected boxes a criterion's target means. Pure functions over the detections."""

from __future__ import annotations

from shelfaudit.domain.checks import DetectionBox, DetectionsResult
from shelfaudit.scoring.standard import Target


class UnknownGroup(LookupError):
    """The standard names a class group the detector does not have."""


def target_boxes(target: Target, detections: DetectionsResult) -> list[DetectionBox]:
    """The boxes ``target`` counts, one per facing.

    ``classes`` or ``group`` with ``brand``: boxes of those classes that carry a ``brand``
    logo (each counted once, however many logos it carries). A logo belongs to the smallest
    such box holding its centre, so a box drawn around a whole layer of cartons does not
    count again the cartons inside it; a box around a mixed stack counts for each brand whose
    logo it holds. ``brand`` alone: the brand's logo boxes. Raises ``UnknownGroup``.
    """
    classes = set(target.classes)
    if target.group is not None:
        if target.group not in detections.groups:
            raise UnknownGroup(target.group)
        classes = set(detections.groups[target.group])
    if not classes:
        return [b for b in detections.boxes if b.class_name == target.brand]
    boxes = [b for b in detections.boxes if b.class_name in classes]
    if target.brand is None:
        return boxes
    carrying: set[int] = set()
    for logo in detections.boxes:
        if logo.class_name != target.brand:
            continue
        point = _centre(logo)
        holders = [i for i, b in enumerate(boxes) if _inside(point, b.xyxy)]
        if holders:
            carrying.add(min(holders, key=lambda i: _area(boxes[i].xyxy)))
    return [b for i, b in enumerate(boxes) if i in carrying]


def _area(xyxy: list[float]) -> float:
    x1, y1, x2, y2 = xyxy
    return (x2 - x1) * (y2 - y1)


def _centre(box: DetectionBox) -> tuple[float, float]:
    x1, y1, x2, y2 = box.xyxy
    return (x1 + x2) / 2, (y1 + y2) / 2


def _inside(point: tuple[float, float], xyxy: list[float]) -> bool:
    x, y = point
    x1, y1, x2, y2 = xyxy
    return x1 <= x <= x2 and y1 <= y <= y2
