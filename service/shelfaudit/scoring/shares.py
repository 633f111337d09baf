"""Criteria on share of shelf and on the photo itself."""

from __future__ import annotations

from collections.abc import Sequence

from shelfaudit.domain.checks import DetectionsResult
from shelfaudit.scoring.inputs import ScoringInput
from shelfaudit.scoring.outcome import EPS, NO_DETECTIONS, outcome
from shelfaudit.scoring.result import CriterionResult, Unit
from shelfaudit.scoring.standard import Basis, MaxCompetitorShare, MinQuality, MinShare
from shelfaudit.scoring.wording import brands_text, number, percents


def share_of(brands: Sequence[str], basis: Basis, detections: DetectionsResult) -> float:
    """The brands' summed share of all brand facings, by count or by width (0-1)."""
    shares = [detections.shares[b] for b in brands if b in detections.shares]
    return sum(s.count_share if basis == "count" else s.width_share for s in shares)


def _unmeasurable(data: ScoringInput) -> str | None:
    if data.detections is None:
        return f"{NO_DETECTIONS}, so share of shelf cannot be measured"
    if not data.detections.shares:
        return "No brand logos detected, so share of shelf cannot be measured"
    return None


def min_share(c: MinShare, data: ScoringInput) -> CriterionResult:
    why = _unmeasurable(data)
    observed = (
        None if why or data.detections is None else share_of(c.brands, c.basis, data.detections)
    )
    passed = observed is not None and observed >= c.min - EPS
    if observed is not None:
        seen, asked = percents(observed, c.min)
        verb = "has" if len(c.brands) == 1 else "have"
        why = (
            f"{brands_text(c.brands)} {verb} {seen} of brand facings by {c.basis}; "
            f"the standard asks for {'at least ' if passed else ''}{asked}"
        )
    return outcome(
        c, kind=c.kind, expected=c.min, observed=None if observed is None else round(observed, 4),
        unit=Unit.share, passed=passed, sentence=why or "",
    )  # fmt: skip


def max_competitor_share(
    c: MaxCompetitorShare, data: ScoringInput, competitors: Sequence[str]
) -> CriterionResult:
    why = _unmeasurable(data)
    observed = (
        None if why or data.detections is None else share_of(competitors, c.basis, data.detections)
    )
    passed = observed is not None and observed <= c.max + EPS
    if observed is not None:
        seen, allowed = percents(observed, c.max)
        why = (
            f"Competitors ({brands_text(competitors)}) have {seen} of brand facings by "
            f"{c.basis}; the standard allows at most {allowed}"
        )
    return outcome(
        c, kind=c.kind, expected=c.max, observed=None if observed is None else round(observed, 4),
        unit=Unit.share, passed=passed, sentence=why or "",
    )  # fmt: skip


def min_quality(c: MinQuality, data: ScoringInput) -> CriterionResult:
    q = data.quality
    sharp_ok = c.min_sharpness is None or q.sharpness >= c.min_sharpness
    passed = sharp_ok and (q.passed or not c.require_passed)
    # Expected and observed are what decided it: sharpness when that is what failed (or all
    # that is asked), else the quality check (sharp enough but too small, say).
    if c.min_sharpness is not None and (not sharp_ok or not c.require_passed):
        expected, observed, unit = c.min_sharpness, round(q.sharpness, 1), Unit.sharpness
    else:
        expected, observed, unit = 1.0, float(q.passed), Unit.check
    if passed:
        sentence = f"Photo quality is good enough (sharpness {number(round(q.sharpness))})"
    elif not sharp_ok:
        sentence = (
            f"The photo is not sharp enough (sharpness {number(round(q.sharpness))}, needs "
            f"{number(c.min_sharpness or 0)}); hold the phone still and retake it"
        )
    else:
        problems = ", ".join(p.replace("_", " ") for p in q.problems) or "quality check failed"
        sentence = f"The photo is not good enough ({problems})" + (f". {q.hint}" if q.hint else "")
    return outcome(
        c, kind=c.kind, expected=expected, observed=observed, unit=unit,
        passed=passed, sentence=sentence,
    )  # fmt: skip
