"""The shipped example standards load and score hand-built detections."""

from __future__ import annotations

from typing import Any

import pytest

from shelfaudit.domain.checks import DetectionBox
from shelfaudit.scoring import read_standard, score_photo
from tests.unit.scoring.factories import EXAMPLES, box, carton, scoring_input


def stack_photo(n_cartons: int, *, tiger_width: float) -> list[DetectionBox]:
    """A five-row carton stack: Heineken cartons on rows 1-3, a stand, some Tiger."""
    boxes = [b for i in range(n_cartons) for b in carton("heineken", i * 30, row=1 + i % 3)]
    return [*boxes, box("display_stand", 0, w=400, h=400), box("tiger", 900, row=4, w=tiger_width)]


def by_id(result: Any) -> dict[str, tuple[bool, str]]:
    return {c.id: (c.passed, c.sentence) for c in result.criteria}


def test_carton_stack_passes_a_good_stack() -> None:
    std = read_standard(EXAMPLES / "heineken_carton_stack.yaml")
    result = score_photo(std, scoring_input(stack_photo(12, tiger_width=30), rows=5))
    assert result.passed_mandatory
    # 12 cartons on rows 2, 3, 4 (of 5): rows 2-3 are eye level, so 8 of 12 are there.
    assert by_id(result)["eye_level"] == (
        True,
        "8 of 12 Heineken facings are at eye level (rows 2–3 of 5); at least 50% required",
    )
    assert result.score == 100.0


def test_carton_stack_zeroes_a_short_stack_and_says_why() -> None:
    std = read_standard(EXAMPLES / "heineken_carton_stack.yaml")
    result = score_photo(std, scoring_input(stack_photo(6, tiger_width=60), rows=5))
    assert result.score == 0.0
    assert (
        result.reason == "Mandatory: 6 of the required 10 Heineken cartons seen (heineken_cartons)"
    )
    checks = by_id(result)
    assert checks["heineken_share"] == (
        True,
        "Heineken has 50% of brand facings by width; the standard asks for at least 50%",
    )
    assert checks["competitor_share"][0] is False
    # points alone: 6/10 of 30 + 15 stand + 20 share + 15 eye level + 0 + 10 quality of 100
    assert result.points_score == 78.0


def test_fridge_standard_scores_a_fridge_photo() -> None:
    std = read_standard(EXAMPLES / "heineken_fridge.yaml")
    cans = [b for i in range(10) for b in _can("heineken", i * 20, row=i % 3)]
    photo = [box("fridge", 0, w=300, h=600), *cans, box("tiger", 500, row=2)]
    result = score_photo(std, scoring_input(photo, rows=3, sharpness=180))
    checks = by_id(result)
    assert checks["fridge"] == (True, "Fridge seen")
    assert checks["heineken_packs"] == (
        False,
        "10 of the required 12 Heineken cans or bottles seen",
    )
    assert checks["heineken_count_share"][0] is True  # 10 of 11 logos
    assert checks["top_shelves"][0] is True  # 7 of 10 on rows 1-2
    assert checks["no_competitors"] == (
        True,
        "Competitors (Tiger, Larue, Bia Viet, Bivina, Edelweiss and Strongbow) have 9% of "
        "brand facings by count; the standard allows at most 10%",
    )
    # 25 + 25 × 10/12 + 20 + 10 + 10 + 10 of 100
    assert result.score == 95.8


def test_fridge_standard_without_a_fridge_scores_zero() -> None:
    std = read_standard(EXAMPLES / "heineken_fridge.yaml")
    result = score_photo(std, scoring_input(None))
    assert result.score == 0.0
    assert not result.passed_mandatory
    assert result.reason == "Mandatory: No products detected; a fridge is required (fridge)"


@pytest.mark.parametrize(
    ("skus", "unknown", "passed", "score"),
    [
        ({"Arla-Standard-Milk": 1}, 0, True, 100.0),
        ({"Oatly-Oat-Milk": 1}, 0, False, 0.0),
        ({}, 1, False, 0.0),
    ],
    ids=["recognised", "another_sku", "unknown"],
)
def test_grocery_dairy_standard_counts_recognised_skus(
    skus: dict[str, int], unknown: int, passed: bool, score: float
) -> None:
    std = read_standard(EXAMPLES / "grocery_dairy_facings.yaml")
    result = score_photo(std, scoring_input(None, skus=skus, unknown=unknown))
    assert (result.passed_mandatory, result.score) == (passed, score)
    assert by_id(result)["photo_quality"][0] is True


def test_grocery_dairy_standard_fails_without_sku_recognition() -> None:
    std = read_standard(EXAMPLES / "grocery_dairy_facings.yaml")
    result = score_photo(std, scoring_input(None))
    assert result.reason == (
        "Mandatory: SKU recognition has not run on this photo, so the 1 required "
        "SKU Arla-Standard-Milk facing cannot be checked (arla_standard_milk)"
    )


def _can(brand: str, x: float, row: int) -> list[DetectionBox]:
    return [box("beer_can", x, row=row, w=20, h=40), box(brand, x + 5, row=row, w=10, h=10)]
