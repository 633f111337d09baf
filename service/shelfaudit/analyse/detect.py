"""The detections check: outlet objects and shelf rows, facings, rows and share of shelf.

Detectors run on the decoded analysis image; boxes are reported in original-photo pixels.
Either detector may be absent (not in the model registry): the check then says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from shelfaudit.analyse.shelf_layout import (
    UNASSIGNED,
    assign_rows,
    brand_shares,
    facings,
    order_rows,
    shelf_levels,
)
from shelfaudit.domain.checks import DetectionBox, DetectionsResult, ShareResult, ShelfRow
from shelfaudit.domain.detections import Detections
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.yolo import DetectOptions, Timings, YoloDetector
from shelfaudit.scoring.vocabulary import DetectorVocabulary
from shelfaudit.settings import Settings

VERSION = "detect-1"

OUTLET_MODEL = "outlet"
SHELF_MODEL = "shelves"


@dataclass(frozen=True)
class Detectors:
    outlet: YoloDetector | None
    shelves: YoloDetector | None
    options: DetectOptions

    @property
    def groups(self) -> dict[str, list[str]]:
        if self.outlet is None:
            return {}
        return {k: list(v) for k, v in self.outlet.entry.meta.get("groups", {}).items()}


def vocabulary(registry: Registry) -> DetectorVocabulary | None:
    """The served outlet detector's classes and groups, from its registry entry (no model is
    loaded); None without one, when nothing can be checked."""
    entry = registry.entries.get(OUTLET_MODEL)
    if entry is None or "classes" not in entry.meta:
        return None
    return DetectorVocabulary.of(entry.meta["classes"], entry.meta.get("groups", {}))


def served_classes(registry: Registry) -> list[str]:
    """The served outlet detector's classes in its own order (its class ids); empty without
    one."""
    entry = registry.entries.get(OUTLET_MODEL)
    return [str(name) for name in entry.meta.get("classes", [])] if entry is not None else []


def scale_boxes(detections: Detections, factor: float) -> Detections:
    if factor == 1.0 or len(detections) == 0:
        return detections
    return Detections(
        xyxy=(detections.xyxy * factor).astype(np.float32),
        confidence=detections.confidence,
        class_id=detections.class_id,
        class_names=detections.class_names,
    )


def run(rgb: NDArray[np.uint8], *, original_width: int, detectors: Detectors) -> DetectionsResult:
    """Detect on the upright analysis image ``rgb``; report in original-photo pixels."""
    started = time.perf_counter()
    factor = original_width / rgb.shape[1]
    timings = Timings()
    models: dict[str, str] = {}
    objects = rows = None
    # Shelf rows span the photo: tiles would only cut them, and a mirrored pass gains them
    # little (val mAP50 0.900 -> 0.902) for twice the time (models/shelves/CARD.md).
    one_pass = replace(detectors.options, tiles=1, mirror=False)
    if detectors.outlet is not None:
        objects = scale_boxes(detectors.outlet.detect(rgb, detectors.options, timings), factor)
        models[OUTLET_MODEL] = detectors.outlet.version
    if detectors.shelves is not None:
        rows = order_rows(scale_boxes(detectors.shelves.detect(rgb, one_pass, timings), factor))
        models[SHELF_MODEL] = detectors.shelves.version

    boxes: list[DetectionBox] = []
    counts: dict[str, int] = {}
    shares: dict[str, ShareResult] = {}
    if objects is not None:
        row_of = (
            assign_rows(objects, rows) if rows is not None else np.full(len(objects), UNASSIGNED)
        )
        boxes = [
            DetectionBox(
                class_name=name,
                confidence=round(float(conf), 4),
                xyxy=[round(float(v), 1) for v in box],
                row=None if row == UNASSIGNED else int(row),
            )
            for name, conf, box, row in zip(
                objects.names, objects.confidence, objects.xyxy, row_of, strict=True
            )
        ]
        counts = facings(objects)
        brands = set(detectors.groups.get("brand", []))
        shares = {
            brand: ShareResult(
                facings=s.facings, count_share=s.count_share, width_share=s.width_share
            )
            for brand, s in brand_shares(objects, brands).items()
        }
    return DetectionsResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        models=models,
        boxes=boxes,
        counts=counts,
        rows=[
            ShelfRow(
                index=int(level),
                xyxy=[round(float(v), 1) for v in box],
                confidence=round(float(c), 4),
            )
            for level, box, c in zip(shelf_levels(rows), rows.xyxy, rows.confidence, strict=True)
        ]
        if rows is not None
        else [],
        shares=shares,
        groups=detectors.groups,
        timings_ms={
            "preprocess": round(timings.preprocess_ms, 2),
            "inference": round(timings.inference_ms, 2),
            "postprocess": round(timings.postprocess_ms, 2),
        },
    )


def detect_options(settings: Settings) -> DetectOptions:
    """The detectors' thresholds, tiling and mirror pass from settings."""
    return DetectOptions(
        confidence=settings.detect_confidence,
        iou=settings.detect_iou,
        tiles=settings.detect_tiles,
        tile_overlap=settings.detect_tile_overlap,
        mirror=settings.detect_mirror,
    )


def serves_mirrored(model: str, settings: Settings) -> bool:
    """Whether the service fuses a mirrored pass into ``model``'s detections."""
    return settings.detect_mirror and model == OUTLET_MODEL


def load_detectors(models: ModelCache, options: DetectOptions) -> Detectors | None:
    """The registry's detectors (each optional), loaded once per process; None if neither."""

    def build(name: str) -> YoloDetector | None:
        if name not in models.registry.entries:
            return None
        return models.get(name, YoloDetector)

    outlet, shelves = build(OUTLET_MODEL), build(SHELF_MODEL)
    if outlet is None and shelves is None:
        return None
    return Detectors(outlet=outlet, shelves=shelves, options=options)


def versions(detectors: Detectors | None) -> str:
    """The part of the pipeline version that the detectors contribute."""
    if detectors is None:
        return ""
    names = [d.version for d in (detectors.outlet, detectors.shelves) if d is not None]
    if detectors.outlet is not None and detectors.options.tiles > 1:
        names.append(f"tiles{detectors.options.tiles}")
    if detectors.outlet is not None and detectors.options.mirror:
        names.append("mirror")
    return "+".join([VERSION, *names])
