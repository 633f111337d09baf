"""What review and payouts read out of a stored analysis (the ``checks`` JSON).

The checks grow stage by stage, so every reader here tolerates absent parts: ``fraud`` is
always there today; ``recapture`` (a probability), ``display`` (a display score with its
criteria and measures) and ``detections`` (boxes) arrive with later stages.

Expected shapes when present::

    checks["recapture"] = {"probability": 0.93, ...}
    checks["display"] = {"score": 82.5, "measures": {"share_of_shelf": 0.41},
                         "criteria": [{"name": "hero_sku", "mandatory": true, "passed": true}],
                         "breakdown": [{"name": ..., "weight": ..., "points": ...}]}
    checks["detections"] = {"boxes": [{"xyxy": [x0, y0, x1, y1], "class_name": "can",
                                       "confidence": 0.91}, ...]}
    checks["skus"] = {"items": [{"sku_id": "tiger-can-330", "name": "Tiger can 330 ml",
                                 "similarity": 0.83, ...}, ...], "unknown": 2, "skipped": 0}
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.domain.fraud import Verdict
from shelfaudit.store.tables import Analysis


def latest_analysis(session: Session, photo_id: int) -> Analysis | None:
    query = (
        select(Analysis)
        .where(Analysis.photo_id == photo_id)
        .order_by(Analysis.updated_at.desc(), Analysis.id.desc())
        .limit(1)
    )
    return session.scalar(query)


_TIMINGS = frozenset({"ms", "timings_ms"})


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in _TIMINGS}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def analysis_stamp(session: Session, photo_id: int) -> str:
    """What a page showed of the analysis in force, sent back as ``seen_analysis``: a digest
    of its results and flags (timings left out), so a re-run that found the same is not a
    change, and one that found something else is."""
    return stamp_of(latest_analysis(session, photo_id))


def stamp_of(latest: Analysis | None) -> str:
    """``analysis_stamp`` of an analysis already read."""
    if latest is None:
        return "none"
    shown = json.dumps([_without_timings(latest.checks), latest.flags], sort_keys=True, default=str)
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def _part(checks: dict[str, Any], name: str) -> dict[str, Any]:
    part = checks.get(name)
    return part if isinstance(part, dict) else {}


def verdict_of(checks: dict[str, Any]) -> Verdict:
    value = _part(checks, "fraud").get("verdict")
    return (
        Verdict(value) if isinstance(value, str) and value in Verdict.__members__ else Verdict.clean
    )


def fraud_score(checks: dict[str, Any]) -> float:
    value = _part(checks, "fraud").get("score")
    return float(value) if isinstance(value, int | float) else 0.0


def verdict_reason(checks: dict[str, Any]) -> str | None:
    reasons = _part(checks, "fraud").get("reasons") or []
    first = reasons[0] if reasons and isinstance(reasons[0], dict) else {}
    message = first.get("message")
    return str(message) if message else None


def fraud_reason_codes(checks: dict[str, Any], *, most: int = 3) -> list[str]:
    """The fraud verdict's reasons, weightiest first: what the queue shows under "Why"
    (the queue's own reasons only say a verdict asked for a person)."""
    reasons = sorted(
        _part(checks, "fraud").get("reasons") or [],
        key=lambda r: -float(r.get("weight") or 0),
    )
    return [str(r["code"]) for r in reasons[:most] if r.get("code")]


def recapture_probability(checks: dict[str, Any]) -> float | None:
    value = _part(checks, "recapture").get("probability")
    return float(value) if isinstance(value, int | float) else None


def display(checks: dict[str, Any]) -> dict[str, Any]:
    return _part(checks, "display")


def display_score(checks: dict[str, Any]) -> float | None:
    value = display(checks).get("score")
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class SkuRow:
    """One recognised SKU on the photo (``sku_id`` None: the facings nobody could name)."""

    sku_id: str | None
    name: str
    facings: int
    similarity: float | None  # the best of its facings; None for the unknown row


def sku_rows(checks: dict[str, Any]) -> list[SkuRow]:
    """Recognised SKUs, most facings first, then one row for the unknown facings."""
    part = _part(checks, "skus")
    facings: dict[str, int] = defaultdict(int)
    best: dict[str, float] = {}
    names: dict[str, str] = {}
    for item in part.get("items") or []:
        sku = item.get("sku_id") if isinstance(item, dict) else None
        if not isinstance(sku, str):
            continue
        facings[sku] += 1
        names[sku] = str(item.get("name") or sku)
        similarity = item.get("similarity")
        if isinstance(similarity, int | float):
            best[sku] = max(best.get(sku, -1.0), float(similarity))
    rows = [
        SkuRow(sku, names[sku], n, best.get(sku))
        for sku, n in sorted(facings.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    unknown = sum(int(part.get(k) or 0) for k in ("unknown", "skipped"))
    if unknown:
        rows.append(SkuRow(None, "unknown", unknown, None))
    return rows


def scoring_confidence(checks: dict[str, Any]) -> float | None:
    """The detector's mean box confidence (0-1) where a display score counts its boxes;
    ``None`` when the photo has no display score or no boxes."""
    if display_score(checks) is None:
        return None
    confidences = [
        float(box["confidence"])
        for box in _part(checks, "detections").get("boxes") or []
        if isinstance(box, dict) and isinstance(box.get("confidence"), int | float)
    ]
    return round(sum(confidences) / len(confidences), 4) if confidences else None


@dataclass(frozen=True)
class SkuFacing:
    """One recognised item of the SKU check, as a person may confirm it: ``xyxy`` in upright
    original-photo pixels, None when the whole photo was recognised as one close-up."""

    index: int
    sku_id: str | None
    name: str
    similarity: float | None
    xyxy: list[float] | None
    box: int | None = None  # the detector box it was cut from (the page's box table)


def sku_facings(checks: dict[str, Any]) -> list[SkuFacing]:
    """Every item of the SKU check in its order (the index a confirmation refers to)."""
    part = _part(checks, "skus")
    whole = part.get("source") == "whole_photo"
    out = []
    for index, item in enumerate(part.get("items") or []):
        if not isinstance(item, dict):
            continue
        sku = item.get("sku_id")
        box = item.get("xyxy")
        detector_box = item.get("box")
        similarity = item.get("similarity")
        out.append(
            SkuFacing(
                index=index,
                sku_id=sku if isinstance(sku, str) else None,
                name=str(item.get("name") or sku or "unknown"),
                similarity=float(similarity) if isinstance(similarity, int | float) else None,
                xyxy=None if whole or not isinstance(box, list) else [float(v) for v in box],
                box=detector_box if isinstance(detector_box, int) else None,
            )
        )
    return out
