"""Counting criteria: facings, display elements and facings in a shelf band."""

from __future__ import annotations

from typing import Any

import pytest

from shelfaudit.scoring import ScoringInput, score_criterion
from tests.unit.scoring.factories import box, carton, scoring_input, standard


def run(criterion: dict[str, Any], data: ScoringInput) -> tuple[bool, float, str]:
    std = standard(criterion)
    result = score_criterion(std, std.criteria[0], data)
    return result.passed, result.points, result.sentence


def cartons(n_heineken: int, n_plain: int = 0) -> list[Any]:
    boxes = [b for i in range(n_heineken) for b in carton("heineken", i * 30)]
    return boxes + [b for i in range(n_plain) for b in carton(None, 1000 + i * 30)]


HNK_CARTONS = {"id": "c", "kind": "min_facings", "classes": ["beer_carton"], "brand": "heineken"}


@pytest.mark.parametrize(
    ("criterion", "data", "passed", "points", "sentence"),
    [
        (
            {**HNK_CARTONS, "min": 10, "weight": 10, "label": "Heineken cartons"},
            scoring_input(cartons(6, 3)),
            False,
            6.0,
            "6 of the required 10 Heineken cartons seen",
        ),
        (  # a tie at the threshold passes
            {**HNK_CARTONS, "min": 10, "weight": 10},
            scoring_input(cartons(10)),
            True,
            10.0,
            "10 Heineken beer cartons seen; 10 required",
        ),
        (  # more than asked earns no more than the weight
            {**HNK_CARTONS, "min": 4, "weight": 10},
            scoring_input(cartons(9)),
            True,
            10.0,
            "9 Heineken beer cartons seen; 4 required",
        ),
        (
            {**HNK_CARTONS, "min": 10, "weight": 10, "partial": False},
            scoring_input(cartons(9)),
            False,
            0.0,
            "9 of the required 10 Heineken beer cartons seen",
        ),
        (
            {**HNK_CARTONS, "min": 5},
            scoring_input(None),
            False,
            0.0,
            "No products detected; 5 Heineken beer cartons are required",
        ),
        (  # detections with no boxes at all
            {**HNK_CARTONS, "min": 5},
            scoring_input([]),
            False,
            0.0,
            "0 of the required 5 Heineken beer cartons seen",
        ),
        (
            {"id": "c", "kind": "min_facings", "classes": ["beer_can", "beer_bottle"], "min": 2},
            scoring_input([box("beer_can"), box("beer_bottle"), box("beer_carton")]),
            True,
            1.0,
            "2 beer cans or beer bottles seen; 2 required",
        ),
        (  # a class the detector never reports counts zero, it does not crash
            {"id": "c", "kind": "min_facings", "classes": ["keg"], "min": 2},
            scoring_input([box("beer_can")]),
            False,
            0.0,
            "0 of the required 2 kegs seen",
        ),
        (
            {"id": "c", "kind": "min_facings", "group": "packaging", "min": 3},
            scoring_input([box("beer_can"), box("beer_crate"), box("heineken")]),
            False,
            2 / 3,
            "2 of the required 3 packaging items seen",
        ),
        (
            {"id": "c", "kind": "min_facings", "group": "pos", "min": 3},
            scoring_input([box("beer_can")]),
            False,
            0.0,
            "The detector has no group 'pos'; the standard needs fixing",
        ),
        (
            {"id": "c", "kind": "min_facings", "brand": "tiger", "min": 1},
            scoring_input([box("tiger"), box("heineken")]),
            True,
            1.0,
            "1 Tiger facing seen; 1 required",
        ),
        (
            {"id": "s", "kind": "min_facings", "skus": ["hnk-330-can"], "min": 6},
            scoring_input([box("beer_can")]),
            False,
            0.0,
            "SKU recognition has not run on this photo, so the 6 required SKU hnk-330-can "
            "facings cannot be checked",
        ),
        (
            {"id": "s", "kind": "min_facings", "skus": ["hnk-330-can", "hnk-500-can"], "min": 6},
            scoring_input([], skus={"hnk-330-can": 2, "hnk-500-can": 1, "tiger-can": 4}, unknown=5),
            False,
            0.5,
            "3 of the required 6 SKU hnk-330-can or hnk-500-can facings seen "
            "(5 more could not be identified)",
        ),
        (  # SKU ids the recogniser does not know simply count zero
            {"id": "s", "kind": "min_facings", "skus": ["no-such-sku"], "min": 1, "label": "X"},
            scoring_input(None, skus={}),
            False,
            0.0,
            "0 of the required 1 X seen",
        ),
    ],
)
def test_min_facings(
    criterion: dict[str, Any], data: ScoringInput, passed: bool, points: float, sentence: str
) -> None:
    got = run(criterion, data)
    assert got[0] is passed
    assert got[1] == pytest.approx(points, abs=1e-4)
    assert got[2] == sentence


STAND = {"id": "e", "kind": "required_element", "element": "display_stand"}


@pytest.mark.parametrize(
    ("criterion", "data", "passed", "sentence"),
    [
        (
            STAND,
            scoring_input([box("beer_carton")]),
            False,
            "No display stand seen; one is required",
        ),
        (STAND, scoring_input([box("display_stand")]), True, "Display stand seen"),
        (STAND, scoring_input(None), False, "No products detected; a display stand is required"),
        (
            {**STAND, "min_count": 2},
            scoring_input([box("display_stand")]),
            False,
            "1 of the required 2 display stands seen",
        ),
        (
            {**STAND, "min_count": 2},
            scoring_input([box("display_stand")] * 2),
            True,
            "2 display stands seen; 2 required",
        ),
        (
            {"id": "e", "kind": "required_element", "element": "fridge", "min_count": 3},
            scoring_input([]),
            False,
            "No fridge seen; 3 are required",
        ),
    ],
)
def test_required_element(
    criterion: dict[str, Any], data: ScoringInput, passed: bool, sentence: str
) -> None:
    got = run(criterion, data)
    assert (got[0], got[2]) == (passed, sentence)
    assert got[1] == (1.0 if passed else 0.0)


EYE = {"id": "p", "kind": "position", "brand": "heineken", "band": "eye_level"}


def hnk(rows: list[int | None]) -> list[Any]:
    return [box("heineken", i * 20, row=r) for i, r in enumerate(rows)]


@pytest.mark.parametrize(
    ("criterion", "data", "passed", "sentence"),
    [
        (
            {**EYE, "min_facings": 4},
            scoring_input(hnk([1, 2, 0, 0, 3, 4, 4, None]), rows=5),
            False,
            "Only 2 of 8 Heineken facings are at eye level (rows 2–3 of 5); 4 required",
        ),
        (  # a tie at the threshold passes
            {**EYE, "min_facings": 2},
            scoring_input(hnk([1, 2, 0]), rows=5),
            True,
            "2 of 3 Heineken facings are at eye level (rows 2–3 of 5); 2 required",
        ),
        (
            {**EYE, "min_fraction": 0.5},
            scoring_input(hnk([1, 2, 0, 4]), rows=5),
            True,
            "2 of 4 Heineken facings are at eye level (rows 2–3 of 5); at least 50% required",
        ),
        (
            {**EYE, "min_fraction": 0.5},
            scoring_input(hnk([1, 0, 0]), rows=5),
            False,
            "Only 1 of 3 Heineken facings is at eye level (rows 2–3 of 5); at least 50% required",
        ),
        (
            {**EYE, "min_facings": 1},
            scoring_input(hnk([None, None]), rows=0),
            False,
            "No shelf rows detected, so the position of Heineken facings cannot be checked",
        ),
        (
            {**EYE, "min_facings": 1},
            scoring_input(None),
            False,
            "No products detected, so the position of Heineken facings cannot be checked",
        ),
        (
            {**EYE, "min_facings": 1},
            scoring_input([box("tiger")], rows=3),
            False,
            "No Heineken facings seen, so none are at eye level (row 2 of 3)",
        ),
        (
            {"id": "p", "kind": "position", "brand": "heineken", "rows": [0, 1], "min_facings": 2},
            scoring_input(hnk([0, 1, 3]), rows=4),
            True,
            "2 of 3 Heineken facings are on the required rows (rows 1–2 of 4); 2 required",
        ),
        (
            {**EYE, "band": "bottom", "min_facings": 1, "classes": ["beer_crate"], "brand": None},
            scoring_input([box("beer_crate", row=2)], rows=3),
            True,
            "1 of 1 beer crate is on the bottom row (row 3 of 3); 1 required",
        ),
        (
            {"id": "p", "kind": "position", "brand": "heineken", "rows": [3, 4], "min_facings": 1},
            scoring_input(hnk([0, 1]), rows=2),
            False,
            "The photo shows 2 shelf rows; the standard asks about rows 4–5, so the position of "
            "Heineken facings cannot be checked",
        ),
        (
            {"id": "p", "kind": "position", "brand": "heineken", "rows": [0, 1], "min_facings": 1},
            scoring_input(hnk([0]), rows=1),
            True,
            "1 of 1 Heineken facing is on the required row (row 1 of 1); 1 required",
        ),
    ],
)
def test_position(
    criterion: dict[str, Any], data: ScoringInput, passed: bool, sentence: str
) -> None:
    got = run(criterion, data)
    assert (got[0], got[2]) == (passed, sentence)


def test_a_box_around_a_layer_of_cartons_does_not_count_them_again() -> None:
    layer = box("beer_carton", 0, w=100, h=20)
    cartons = [box("beer_carton", x, w=30, h=20) for x in (0, 35, 70)]
    tiger = box("tiger", 10, w=10, h=10)  # on the first carton
    heineken = box("heineken", 45, w=10, h=10)  # on the second
    data = scoring_input([layer, *cartons, tiger, heineken])
    for brand in ("tiger", "heineken"):
        criterion = {"id": "c", "kind": "min_facings", "classes": ["beer_carton"], "brand": brand}
        passed, _, sentence = run({**criterion, "min": 2}, data)
        assert not passed
        assert sentence.startswith(f"1 of the required 2 {brand.title()} beer cartons seen")


def test_a_box_around_a_mixed_stack_counts_for_each_brand_it_carries() -> None:
    stack = box("beer_carton", 0, w=60, h=20)
    logos = [box("tiger", 5, w=5, h=5), box("tiger", 20, w=5, h=5), box("heineken", 40, w=5, h=5)]
    data = scoring_input([stack, *logos])
    base = {"id": "c", "kind": "min_facings", "classes": ["beer_carton"], "min": 1}
    assert run({**base, "brand": "tiger"}, data)[0]
    assert run({**base, "brand": "heineken"}, data)[0]
