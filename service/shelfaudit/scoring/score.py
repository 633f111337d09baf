"""Scoring one photo against a display standard: the pure entry point."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shelfaudit.scoring.counts import min_facings, position, required_element
from shelfaudit.scoring.inputs import ScoringInput
from shelfaudit.scoring.result import CriterionResult, DisplayScore
from shelfaudit.scoring.shares import max_competitor_share, min_quality, min_share
from shelfaudit.scoring.standard import (
    Criterion,
    DisplayStandard,
    MaxCompetitorShare,
    MinFacings,
    MinQuality,
    MinShare,
    Position,
    RequiredElement,
)


def score_photo(standard: DisplayStandard, data: ScoringInput) -> DisplayScore:
    """Score = 100 × Σ points / Σ weights, one decimal, half up; 0 when a mandatory
    criterion failed (``reason`` says which and why; ``points_score`` keeps the points)."""
    results = tuple(score_criterion(standard, c, data) for c in standard.criteria)
    total = sum(r.max_points for r in results)
    earned = sum(r.points for r in results)
    points_score = float(
        (Decimal(repr(100 * earned / total))).quantize(Decimal("0.1"), ROUND_HALF_UP)
    )
    failed = [r for r in results if r.mandatory and not r.passed]
    reason = "Mandatory: " + "; ".join(f"{r.sentence} ({r.id})" for r in failed) if failed else None
    return DisplayScore(
        standard_id=standard.id,
        standard_version=standard.version,
        score=0.0 if failed else points_score,
        points_score=points_score,
        passed_mandatory=not failed,
        reason=reason,
        criteria=results,
    )


def score_criterion(
    standard: DisplayStandard, criterion: Criterion, data: ScoringInput
) -> CriterionResult:
    match criterion:
        case MinFacings():
            return min_facings(criterion, data)
        case MinShare():
            return min_share(criterion, data)
        case RequiredElement():
            return required_element(criterion, data)
        case Position():
            return position(criterion, data)
        case MaxCompetitorShare():
            return max_competitor_share(criterion, data, standard.competitors_for(criterion))
        case MinQuality():
            return min_quality(criterion, data)
