"""Building one criterion's result: points from the weight, pass or fail."""

from __future__ import annotations

from shelfaudit.scoring.result import CriterionResult, Unit
from shelfaudit.scoring.standard import CriterionBase

# Shares come rounded to 4 decimals and are summed in floats: a tie stays a tie.
EPS = 1e-9
NO_DETECTIONS = "No products detected"


def outcome(
    criterion: CriterionBase,
    *,
    kind: str,
    expected: float,
    observed: float | None,
    unit: Unit,
    passed: bool,
    sentence: str,
    fraction: float | None = None,
) -> CriterionResult:
    """``fraction`` (0-1) of the weight is earned; by default all when passed, else none."""
    earned = (1.0 if passed else 0.0) if fraction is None else max(0.0, min(fraction, 1.0))
    return CriterionResult(
        id=criterion.id,
        kind=kind,
        expected=expected,
        observed=observed,
        unit=unit,
        passed=passed,
        points=round(criterion.weight * earned, 4),
        max_points=criterion.weight,
        mandatory=criterion.mandatory,
        sentence=sentence,
    )
