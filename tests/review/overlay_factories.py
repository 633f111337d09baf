"""Typed analysis parts for overlay tests, and a stored photo with such an analysis."""

from __future__ import annotations

import hashlib
from typing import Any

from PIL import Image

from shelfaudit.domain.checks import (
    DetectionBox,
    DetectionsResult,
    DisplayCriterion,
    DisplayResult,
    ShelfRow,
    SkuRecognition,
    SkusResult,
)
from shelfaudit.runtime import Runtime
from shelfaudit.store.objects import original_key
from shelfaudit.store.tables import Analysis, Photo, utcnow


def pixel(image: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    """The RGB value at (x, y), rounded to the nearest pixel."""
    r, g, b = image.getpixel((round(x), round(y)))  # type: ignore[misc]
    return r, g, b


def detections(
    boxes: list[tuple[str, list[float]]], rows: list[list[float]] | None = None
) -> DetectionsResult:
    """Boxes as (class name, xyxy in upright original pixels); rows as xyxy, top first."""
    return DetectionsResult(
        version="detect-test",
        ms=1.0,
        models={"outlet": "test"},
        boxes=[
            DetectionBox(class_name=name, confidence=0.9, xyxy=xyxy, row=None)
            for name, xyxy in boxes
        ],
        counts={},
        rows=[ShelfRow(index=i, xyxy=xyxy, confidence=0.8) for i, xyxy in enumerate(rows or [])],
        shares={},
        groups={"brand": []},
        timings_ms={},
    )


def recognition(
    box: int | None, xyxy: list[float], sku_id: str | None, brand: str | None = None
) -> SkuRecognition:
    return SkuRecognition(
        box=box,
        xyxy=xyxy,
        sku_id=sku_id,
        name=f"{sku_id} can" if sku_id else None,
        brand=brand,
        similarity=0.8 if sku_id else 0.2,
        alternatives=[],
    )


def skus(items: list[SkuRecognition]) -> SkusResult:
    return SkusResult(
        version="skus-test",
        ms=1.0,
        model="embed-test",
        gallery_skus=3,
        gallery_vectors=9,
        gallery_revision="r1",
        min_similarity=0.5,
        source="detections",
        items=items,
        counts={},
        unknown=sum(1 for i in items if i.sku_id is None),
        timings_ms={},
    )


def criterion(name: str, *, passed: bool, mandatory: bool = False) -> DisplayCriterion:
    return DisplayCriterion(
        name=name,
        kind="count",
        expected=6,
        observed=6 if passed else 2,
        unit="facings",
        passed=passed,
        points=10 if passed else 0,
        max_points=10,
        mandatory=mandatory,
        sentence=f"{name} {'met' if passed else 'missed'}",
    )


def display(criteria: list[DisplayCriterion]) -> DisplayResult:
    mandatory_ok = all(c.passed for c in criteria if c.mandatory)
    return DisplayResult(
        version="display-test",
        ms=1.0,
        standard_id="heineken-stack",
        standard_version=2,
        score=70.0 if mandatory_ok else 0.0,
        points_score=70.0,
        passed_mandatory=mandatory_ok,
        reason=None if mandatory_ok else "a mandatory criterion failed",
        criteria=criteria,
        measures={},
        breakdown=[],
    )


def stored_photo(
    runtime: Runtime,
    data: bytes,
    *,
    width: int,
    height: int,
    checks: dict[str, Any] | None,
    pipeline_version: str = "test-1",
) -> int:
    """A photo whose original is ``data``; analysed with ``checks`` unless that is None."""
    sha = hashlib.sha256(data).hexdigest()
    runtime.objects.put(original_key(sha), data, "image/jpeg")
    with runtime.sessions.begin() as session:
        photo = Photo(
            sha256=sha,
            object_key=original_key(sha),
            size_bytes=len(data),
            format="jpeg",
            width=width,
            height=height,
            source_name="overlay.jpg",
            received_at=utcnow(),
            status="received" if checks is None else "analysed",
            attempts=0 if checks is None else 1,
            updated_at=utcnow(),
        )
        session.add(photo)
        session.flush()
        if checks is not None:
            session.add(
                Analysis(
                    photo_id=photo.id,
                    pipeline_version=pipeline_version,
                    checks=checks,
                    flags=[],
                    ms=1.0,
                )
            )
        return photo.id
