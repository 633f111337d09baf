"""Small builders for hand-made analysis results."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from shelfaudit.domain.checks import (
    DetectionBox,
    DetectionsResult,
    QualityResult,
    ShareResult,
    ShelfRow,
)
from shelfaudit.domain.enums import FlagCode
from shelfaudit.scoring import ScoringInput, SkuCounts
from shelfaudit.scoring.standard import DisplayStandard

EXAMPLES = Path(__file__).parents[3] / "examples" / "standards"
BRANDS = ["heineken", "tiger", "larue", "bia_viet", "bivina", "edelweiss", "strongbow"]
GROUPS = {
    "brand": BRANDS,
    "packaging": ["beer_can", "beer_bottle", "beer_carton", "beer_crate"],
    "display": ["billboard", "display_stand", "fridge", "ice_bucket"],
    "people": ["promoter", "drinker"],
}


def box(
    name: str, x: float = 0, *, row: int | None = 0, w: float = 10, h: float = 10
) -> DetectionBox:
    return DetectionBox(class_name=name, confidence=0.9, xyxy=[x, 0, x + w, h], row=row)


def carton(brand: str | None, x: float, row: int | None = 0) -> list[DetectionBox]:
    """A carton box with its brand's logo box inside it."""
    boxes = [box("beer_carton", x, row=row, w=20, h=20)]
    if brand:
        boxes.append(box(brand, x + 5, row=row, w=10, h=10))
    return boxes


def detections(boxes: list[DetectionBox], *, rows: int = 1) -> DetectionsResult:
    """Counts and brand shares computed from the boxes as the detections check does."""
    brand_boxes = [b for b in boxes if b.class_name in BRANDS]
    total_width = sum(b.xyxy[2] - b.xyxy[0] for b in brand_boxes) or 1.0
    shares = {}
    for brand, n in Counter(b.class_name for b in brand_boxes).items():
        width = sum(b.xyxy[2] - b.xyxy[0] for b in brand_boxes if b.class_name == brand)
        shares[brand] = ShareResult(
            facings=n,
            count_share=round(n / len(brand_boxes), 4),
            width_share=round(width / total_width, 4),
        )
    return DetectionsResult(
        version="test",
        ms=1.0,
        models={"outlet": "test"},
        boxes=boxes,
        counts=dict(Counter(b.class_name for b in boxes)),
        rows=[
            ShelfRow(index=i, xyxy=[0, i * 100, 1000, i * 100 + 90], confidence=0.9)
            for i in range(rows)
        ],
        shares=shares,
        groups=GROUPS,
        timings_ms={},
    )


def quality(
    *, passed: bool = True, sharpness: float = 250.0, hint: str | None = None
) -> QualityResult:
    return QualityResult(
        version="test",
        ms=1.0,
        sharpness=sharpness,
        brightness_mean=120,
        dark_fraction=0.0,
        bright_fraction=0.0,
        megapixels=12,
        passed=passed,
        problems=[] if passed else [FlagCode.blurry],
        hint=hint,
    )


def scoring_input(
    boxes: list[DetectionBox] | None = None,
    *,
    rows: int = 1,
    skus: dict[str, int] | None = None,
    unknown: int = 0,
    **quality_args: Any,
) -> ScoringInput:
    return ScoringInput(
        quality=quality(**quality_args),
        detections=None if boxes is None else detections(boxes, rows=rows),
        skus=None if skus is None else SkuCounts(counts=skus, unknown=unknown),
    )


def standard(*criteria: dict[str, Any], **fields: Any) -> DisplayStandard:
    data = {"id": "std", "version": 1, "name": "Test", "activity_brand": "heineken"}
    data["competitor_brands"] = ["tiger", "larue"]
    return DisplayStandard.model_validate({**data, **fields, "criteria": list(criteria)})
