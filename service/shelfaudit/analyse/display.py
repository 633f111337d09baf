"""The display check: score the photo against its activity's display standard."""

from __future__ import annotations

import time

from shelfaudit.domain.checks import (
    DetectionsResult,
    DisplayCriterion,
    DisplayResult,
    QualityResult,
)
from shelfaudit.scoring import DisplayStandard, ScoringInput, SkuCounts, score_photo

VERSION = "display-1"


def run(
    standard: DisplayStandard,
    *,
    quality: QualityResult,
    detections: DetectionsResult | None,
    skus: SkuCounts | None = None,
) -> DisplayResult:
    started = time.perf_counter()
    scored = score_photo(standard, ScoringInput(quality=quality, detections=detections, skus=skus))
    criteria = [
        DisplayCriterion(
            name=c.id,
            kind=c.kind,
            expected=c.expected,
            observed=c.observed,
            unit=str(c.unit),
            passed=c.passed,
            points=c.points,
            max_points=c.max_points,
            mandatory=c.mandatory,
            sentence=c.sentence,
        )
        for c in scored.criteria
    ]
    return DisplayResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        standard_id=scored.standard_id,
        standard_version=scored.standard_version,
        score=scored.score,
        points_score=scored.points_score,
        passed_mandatory=scored.passed_mandatory,
        reason=scored.reason,
        criteria=criteria,
        measures={c.name: c.observed for c in criteria if c.observed is not None},
        breakdown=[
            {
                "criterion": c.name + (" (mandatory)" if c.mandatory else ""),
                "seen": c.sentence,
                "points": f"{c.points:g} / {c.max_points:g}",
            }
            for c in criteria
        ],
    )
