"""Which detected boxes a criterion's target means. Pure functions over the detections."""

from __future__ import annotations

from shelfaudit.domain.checks import DetectionBox, DetectionsResult
from shelfaudit.scoring.standard import Target


class UnknownGroup(LookupError):
    """The standard names a class group the detector does not have."""


def target_boxes(target: Target, detections: DetectionsResult) -> list[DetectionBox]:
    """The boxes ``target`` counts, one per facing.

    ``classes`` or ``group`` with ``brand``: boxes of those classes with the centre of a
    ``brand`` logo box inside (each counted once, however many logos it carries).
    ``brand`` alone: the brand's logo boxes. Raises ``UnknownGroup``.
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
    logos = [_centre(b) for b in detections.boxes if b.class_name == target.brand]
    return [b for b in boxes if any(_inside(point, b.xyxy) for point in logos)]


def _centre(box: DetectionBox) -> tuple[float, float]:
    x1, y1, x2, y2 = box.xyxy
    return (x1 + x2) / 2, (y1 + y2) / 2


def _inside(point: tuple[float, float], xyxy: list[float]) -> bool:
    x, y = point
    x1, y1, x2, y2 = xyxy
    return x1 <= x <= x2 and y1 <= y <= y2
