"""Share-of-shelf criteria and the photo-quality criterion."""

from __future__ import annotations

from typing import Any

import pytest

from shelfaudit.scoring import ScoringInput, score_criterion
from tests.unit.scoring.factories import box, scoring_input, standard


def run(criterion: dict[str, Any], data: ScoringInput) -> tuple[bool, float | None, str]:
    std = standard(criterion)
    result = score_criterion(std, std.criteria[0], data)
    assert result.points == (result.max_points if result.passed else 0.0)
    return result.passed, result.observed, result.sentence


def shelf(**widths: list[float]) -> list[Any]:
    """Brand logo boxes side by side, one per width given."""
    boxes, x = [], 0.0
    for brand, ws in widths.items():
        for w in ws:
            boxes.append(box(brand, x, w=w))
            x += w
    return boxes


SHARE = {"id": "s", "kind": "min_share", "brands": ["heineken"], "min": 0.5}
COMP = {"id": "c", "kind": "max_competitor_share", "max": 0.3}


@pytest.mark.parametrize(
    ("criterion", "data", "passed", "observed", "sentence"),
    [
        (
            SHARE,
            scoring_input(shelf(heineken=[41], tiger=[59])),
            False,
            0.41,
            "Heineken has 41% of brand facings by width; the standard asks for 50%",
        ),
        (  # a tie at the threshold passes
            SHARE,
            scoring_input(shelf(heineken=[50], tiger=[50])),
            True,
            0.5,
            "Heineken has 50% of brand facings by width; the standard asks for at least 50%",
        ),
        (  # just under shows a decimal, so the rep sees why it failed
            SHARE,
            scoring_input(shelf(heineken=[49.8], tiger=[50.2])),
            False,
            0.498,
            "Heineken has 49.8% of brand facings by width; the standard asks for 50.0%",
        ),
        (  # by count, three narrow Heineken facings beat one wide Tiger
            {**SHARE, "basis": "count"},
            scoring_input(shelf(heineken=[5, 5, 5], tiger=[60])),
            True,
            0.75,
            "Heineken has 75% of brand facings by count; the standard asks for at least 50%",
        ),
        (
            {**SHARE, "brands": ["heineken", "edelweiss"]},
            scoring_input(shelf(heineken=[30], edelweiss=[30], tiger=[40])),
            True,
            0.6,
            "Heineken and Edelweiss have 60% of brand facings by width; the standard asks for "
            "at least 50%",
        ),
        (
            SHARE,
            scoring_input(None),
            False,
            None,
            "No products detected, so share of shelf cannot be measured",
        ),
        (
            SHARE,
            scoring_input([box("beer_can")]),
            False,
            None,
            "No brand logos detected, so share of shelf cannot be measured",
        ),
        (  # the brand is absent while others are there: 0%
            SHARE,
            scoring_input(shelf(tiger=[10])),
            False,
            0.0,
            "Heineken has 0% of brand facings by width; the standard asks for 50%",
        ),
        (
            COMP,
            scoring_input(shelf(heineken=[65], tiger=[20], larue=[15])),
            False,
            0.35,
            "Competitors (Tiger and Larue) have 35% of brand facings by width; the standard "
            "allows at most 30%",
        ),
        (  # a tie at the maximum passes
            COMP,
            scoring_input(shelf(heineken=[70], tiger=[20], larue=[10])),
            True,
            0.3,
            "Competitors (Tiger and Larue) have 30% of brand facings by width; the standard "
            "allows at most 30%",
        ),
        (  # brands named on the criterion replace the standard's competitor list
            {**COMP, "brands": ["strongbow"], "basis": "count"},
            scoring_input(shelf(heineken=[10, 10, 10], tiger=[10])),
            True,
            0.0,
            "Competitors (Strongbow) have 0% of brand facings by count; the standard allows at "
            "most 30%",
        ),
        (
            COMP,
            scoring_input(None),
            False,
            None,
            "No products detected, so share of shelf cannot be measured",
        ),
    ],
)
def test_shares(
    criterion: dict[str, Any],
    data: ScoringInput,
    passed: bool,
    observed: float | None,
    sentence: str,
) -> None:
    got = run(criterion, data)
    assert (got[0], got[2]) == (passed, sentence)
    assert got[1] == (None if observed is None else pytest.approx(observed, abs=1e-4))


QUALITY = {"id": "q", "kind": "min_quality"}


@pytest.mark.parametrize(
    ("criterion", "data", "passed", "observed", "sentence"),
    [
        (QUALITY, scoring_input(None), True, 1.0, "Photo quality is good enough (sharpness 250)"),
        (
            QUALITY,
            scoring_input(None, passed=False, sharpness=40, hint="Hold the phone still."),
            False,
            0.0,
            "The photo is not good enough (blurry). Hold the phone still.",
        ),
        (  # a tie at the minimum sharpness passes
            {**QUALITY, "require_passed": False, "min_sharpness": 100},
            scoring_input(None, passed=False, sharpness=100),
            True,
            100.0,
            "Photo quality is good enough (sharpness 100)",
        ),
        (
            {**QUALITY, "min_sharpness": 100},
            scoring_input(None, sharpness=99.4),
            False,
            99.4,
            "The photo is not sharp enough (sharpness 99, needs 100); hold the phone still and "
            "retake it",
        ),
        (  # sharp enough, but the quality check failed: the check is what is shown
            {**QUALITY, "min_sharpness": 100},
            scoring_input(None, passed=False, sharpness=2587.5),
            False,
            0.0,
            "The photo is not good enough (blurry)",
        ),
    ],
)
def test_min_quality(
    criterion: dict[str, Any], data: ScoringInput, passed: bool, observed: float, sentence: str
) -> None:
    assert run(criterion, data) == (passed, observed, sentence)
