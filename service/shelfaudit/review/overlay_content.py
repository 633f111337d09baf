"""What an overlay shows, before any pixel is drawn: each box with its colour and label, the
legend, and the panel's lines (display score, criteria, notes). Plain data, no Pillow."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shelfaudit.domain.checks import (
    Checks,
    DetectionBox,
    DetectionsResult,
    DisplayResult,
    SkuRecognition,
    SkusResult,
)
from shelfaudit.review.overlay_style import FAIL, MUTED, PASS, RGB, TEXT, UNKNOWN, colour_for
from shelfaudit.scoring.wording import counted

log = logging.getLogger(__name__)

LEGEND_ENTRIES = 12
UNKNOWN_SKU = "unknown SKU"

_Part = TypeVar("_Part", bound=BaseModel)


@dataclass(frozen=True)
class Layers:
    """The parts of an analysis an overlay draws; each may be absent (older analyses, a
    photo with no activity, no detector in the registry)."""

    detections: DetectionsResult | None = None
    skus: SkusResult | None = None
    display: DisplayResult | None = None
    notes: tuple[str, ...] = ()  # shown in the panel: what could not be drawn, and why
    # Boxes reviewers drew round objects the detector missed: (class, upright xyxy).
    reviewer_boxes: tuple[tuple[str, tuple[float, float, float, float]], ...] = ()

    @classmethod
    def of(cls, checks: Checks) -> Layers:
        return cls(detections=checks.detections, skus=checks.skus, display=checks.display)

    @classmethod
    def from_stored(cls, checks: Mapping[str, Any]) -> Layers:
        """From a stored analysis (``Analysis.checks``), part by part."""
        notes: list[str] = []
        return cls(
            detections=_stored(checks, "detections", DetectionsResult, notes),
            skus=_stored(checks, "skus", SkusResult, notes),
            display=_stored(checks, "display", DisplayResult, notes),
            notes=tuple(notes),
        )


def _stored(
    checks: Mapping[str, Any], name: str, model: type[_Part], notes: list[str]
) -> _Part | None:
    part = checks.get(name)
    if part is None:
        return None
    try:
        return model.model_validate(part)
    except ValidationError as exc:
        # An analysis stored by an older pipeline: the picture is still worth having, so the
        # part is left out and the panel says so, rather than refusing the whole overlay.
        log.warning("overlay: stored %s does not validate: %s", name, exc.errors()[:3])
        notes.append(f"{name} not drawn: stored in an older format")
        return None


@dataclass(frozen=True)
class Mark:
    """One detection box as drawn."""

    xyxy: tuple[float, float, float, float]  # upright original-photo pixels
    colour: RGB
    label: str
    legend: str  # the legend entry it counts towards: brand, SKU id or class
    dashed: bool = False  # a facing whose SKU is unknown


@dataclass(frozen=True)
class PanelLine:
    text: str
    colour: RGB = TEXT
    swatch: RGB | None = None  # a legend entry's colour
    heading: bool = False  # starts a section: a little space above it


def marks(layers: Layers) -> list[Mark]:
    """Every detection box with its colour and label, in ``detections.boxes`` order, then
    the boxes reviewers drew (dashed, labelled ``drawn``).

    A recognised SKU colours its box by brand (its SKU id when the brand is unknown) and
    names the SKU; an unrecognised facing is grey and dashed; a box with no SKU result (no
    SKU stage, or a class that is not a product) is coloured by its class.
    """
    reviewers = [
        Mark(xyxy, colour_for(name), f"drawn · {name}", name, dashed=True)
        for name, xyxy in layers.reviewer_boxes
    ]
    if layers.detections is None:
        return reviewers
    by_box = {
        item.box: item
        for item in (layers.skus.items if layers.skus else [])
        if item.box is not None
    }
    found = [_mark(box, by_box.get(i)) for i, box in enumerate(layers.detections.boxes)]
    return found + reviewers


def _mark(box: DetectionBox, sku: SkuRecognition | None) -> Mark:
    x1, y1, x2, y2 = box.xyxy[:4]
    xyxy = (x1, y1, x2, y2)
    detected = f"{box.class_name} {box.confidence:.2f}"
    if sku is None:
        return Mark(xyxy, colour_for(box.class_name), detected, box.class_name)
    if sku.sku_id is None:
        return Mark(xyxy, UNKNOWN, f"unknown · {detected}", UNKNOWN_SKU, dashed=True)
    key = sku.brand or sku.sku_id
    return Mark(xyxy, colour_for(key), f"{sku.name or sku.sku_id} · {detected}", key)


def legend(drawn: list[Mark]) -> list[PanelLine]:
    """One line per colour, most boxes first; names differing only in case count as one."""
    counts: Counter[str] = Counter()
    first: dict[str, Mark] = {}
    for mark in drawn:
        key = mark.legend.strip().casefold()
        counts[key] += 1
        first.setdefault(key, mark)
    ordered = counts.most_common()
    lines = [
        PanelLine(f"{first[key].legend} ({count})", swatch=first[key].colour)
        for key, count in ordered[:LEGEND_ENTRIES]
    ]
    if len(ordered) > LEGEND_ENTRIES:
        lines.append(PanelLine(f"… and {len(ordered) - LEGEND_ENTRIES} more", MUTED))
    return lines


def panel_lines(layers: Layers, drawn: list[Mark]) -> list[PanelLine]:
    """The panel, top to bottom: display score and criteria, what was found, notes, legend."""
    lines = [*_display_lines(layers.display), *_found_lines(layers)]
    lines += [PanelLine(note, MUTED) for note in layers.notes]
    if drawn:
        lines += [PanelLine("Legend", heading=True), *legend(drawn)]
    return lines


def _display_lines(display: DisplayResult | None) -> list[PanelLine]:
    if display is None:
        return [PanelLine("No display score", MUTED, heading=True)]
    lines = [
        PanelLine(
            f"Display score {round(display.score, 1):g}/100"
            f" · {display.standard_id} v{display.standard_version}",
            PASS if display.passed_mandatory else FAIL,
            heading=True,
        )
    ]
    if display.reason:
        lines.append(PanelLine(display.reason, FAIL))
    sentences = [c.sentence for c in display.criteria]
    for criterion in display.criteria:
        verdict = "PASS" if criterion.passed else "FAIL"
        mandatory = " (mandatory)" if criterion.mandatory else ""
        # Two criteria can say the same ("No brand logos detected..."): name them then.
        named = f" {criterion.name}" if sentences.count(criterion.sentence) > 1 else ""
        lines.append(
            PanelLine(
                f"{verdict}{mandatory}{named}: {criterion.sentence}"
                f" [{criterion.points:g}/{criterion.max_points:g}]",
                PASS if criterion.passed else FAIL,
            )
        )
    return lines


def _found_lines(layers: Layers) -> list[PanelLine]:
    detections, skus = layers.detections, layers.skus
    if detections is None or not detections.boxes:
        found = "No detections"
        if detections is not None and detections.rows:
            found += f" · {counted(detections.levels, 'shelf row')}"
        lines = [PanelLine(found, MUTED, heading=True)]
    else:
        lines = [
            PanelLine(
                f"{counted(len(detections.boxes), 'box')} on "
                f"{counted(detections.levels, 'shelf row')}",
                heading=True,
            )
        ]
    if skus is not None:
        recognised = sum(1 for item in skus.items if item.sku_id is not None)
        lines.append(PanelLine(f"SKUs: {recognised} recognised, {skus.unknown} unknown"))
        if skus.source == "whole_photo":
            lines += [
                PanelLine(f"Whole photo: {item.name or item.sku_id} ({item.similarity:.2f})")
                for item in skus.items
                if item.sku_id is not None
            ]
    return lines
