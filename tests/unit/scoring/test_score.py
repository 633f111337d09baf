"""The photo score: weighted points, rounding, and mandatory criteria zeroing it."""

from __future__ import annotations

from shelfaudit.scoring import score_photo
from tests.unit.scoring.factories import box, scoring_input, standard

STAND = {"id": "stand", "kind": "required_element", "element": "display_stand", "weight": 2}
FRIDGE = {"id": "fridge", "kind": "required_element", "element": "fridge", "weight": 1}
CANS = {"id": "cans", "kind": "min_facings", "classes": ["beer_can"], "min": 3, "weight": 1}


def test_score_is_weighted_points_over_weights_to_one_decimal() -> None:
    result = score_photo(standard(STAND, FRIDGE, CANS), scoring_input([box("display_stand")]))
    assert result.score == 50.0
    assert result.passed_mandatory
    assert result.reason is None
    assert [c.id for c in result.criteria] == ["stand", "fridge", "cans"]


def test_partial_credit_rounds_half_up() -> None:
    # 1 of 3 cans: 1/3 point of 3 weights -> 11.11… -> 11.1
    result = score_photo(
        standard(FRIDGE, CANS, {**STAND, "weight": 1}), scoring_input([box("beer_can")])
    )
    assert result.score == 11.1
    # 1 of 16 cans: 1/16 of one weight -> 6.25 -> 6.3 (half up, not to even)
    half = {**CANS, "min": 16}
    assert score_photo(standard(half), scoring_input([box("beer_can")])).score == 6.3


def test_all_passed_scores_100() -> None:
    result = score_photo(
        standard(STAND, FRIDGE), scoring_input([box("display_stand"), box("fridge")])
    )
    assert result.score == 100.0


def test_a_failed_mandatory_criterion_zeroes_the_score_and_says_why() -> None:
    std = standard(STAND, {**FRIDGE, "mandatory": True, "weight": 1})
    result = score_photo(std, scoring_input([box("display_stand")]))
    assert result.score == 0.0
    assert result.points_score == 66.7
    assert not result.passed_mandatory
    assert result.reason == "Mandatory: No fridge seen; one is required (fridge)"
    assert result.criteria[1].mandatory
    assert not result.criteria[1].passed


def test_no_detections_fails_every_detection_criterion_but_not_quality() -> None:
    quality = {"id": "q", "kind": "min_quality"}
    result = score_photo(standard(STAND, CANS, quality), scoring_input(None))
    assert [c.passed for c in result.criteria] == [False, False, True]
    assert all(c.sentence.startswith("No products detected") for c in result.criteria[:2])
    assert result.score == 25.0


def test_the_score_names_the_standard_version() -> None:
    result = score_photo(standard(STAND, version=3), scoring_input([]))
    assert (result.standard_id, result.standard_version, result.score) == ("std", 3, 0.0)
