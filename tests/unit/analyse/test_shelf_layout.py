from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.analyse.shelf_layout import (
    UNASSIGNED,
    assign_rows,
    brand_shares,
    facings,
    order_rows,
    shelf_levels,
)
from shelfaudit.domain.detections import Detections

PRODUCTS = ("heineken", "tiger", "beer_can")


def boxes(
    rows: list[tuple[float, float, float, float, int]], names: tuple[str, ...] = PRODUCTS
) -> Detections:
    return Detections(
        xyxy=np.array([r[:4] for r in rows], np.float32).reshape(-1, 4),
        confidence=np.ones(len(rows), np.float32),
        class_id=np.array([r[4] for r in rows], np.int64),
        class_names=names,
    )


SHELVES = boxes([(0, 200, 1000, 300, 0), (0, 0, 1000, 100, 0), (0, 100, 1000, 200, 0)], ("shelf",))


def test_rows_are_ordered_top_to_bottom() -> None:
    assert order_rows(SHELVES).xyxy[:, 1].tolist() == [0, 100, 200]


@pytest.mark.parametrize(
    ("box", "row"),
    [
        ((10, 10, 50, 90, 0), 0),
        ((10, 120, 50, 180, 0), 1),
        ((10, 210, 50, 290, 1), 2),
        ((10, 280, 50, 330, 1), 2),  # centre 305 just below the bottom row: nearest row
        ((10, 600, 50, 700, 1), UNASSIGNED),  # far below every row
        ((2000, 10, 2050, 90, 0), UNASSIGNED),  # beside every row
    ],
)
def test_assign_rows(box: tuple[float, float, float, float, int], row: int) -> None:
    assert assign_rows(boxes([box]), SHELVES).tolist() == [row]


# Two bays side by side: a wide left bay with three shelves, a narrow right bay whose
# shelves sit a little lower, as a photo taken at an angle shows them.
TWO_BAYS = boxes(
    [
        (0, 0, 600, 100, 0),
        (0, 100, 600, 200, 0),
        (0, 200, 600, 300, 0),
        (610, 15, 1000, 110, 0),
        (610, 115, 1000, 215, 0),
        (610, 215, 1000, 310, 0),
    ],
    ("shelf",),
)


def test_boxes_of_side_by_side_bays_at_one_height_are_one_level() -> None:
    ordered = order_rows(TWO_BAYS)
    assert shelf_levels(ordered).tolist() == [0, 0, 1, 1, 2, 2]
    assert shelf_levels(order_rows(SHELVES)).tolist() == [0, 1, 2]
    assert shelf_levels(Detections.empty(("shelf",))).tolist() == []


def test_a_product_in_either_bay_is_on_its_shelf_level() -> None:
    products = boxes([(100, 120, 150, 180, 0), (700, 130, 750, 200, 1), (800, 230, 850, 300, 2)])
    assert assign_rows(products, TWO_BAYS).tolist() == [1, 1, 2]


def test_a_shelf_half_as_tall_inside_a_level_is_that_level() -> None:
    # a thin price rail row overlapping the lower half of a shelf: the same level
    rail = boxes([(0, 0, 1000, 100, 0), (0, 50, 500, 100, 0), (0, 120, 1000, 220, 0)], ("s",))
    assert shelf_levels(order_rows(rail)).tolist() == [0, 0, 1]


def test_a_tall_box_in_one_bay_does_not_merge_two_shelves_of_the_next() -> None:
    rows = boxes([(200, 0, 300, 100, 0), (0, 0, 100, 200, 0), (200, 100, 300, 200, 0)], ("shelf",))
    ordered = order_rows(rows)
    assert shelf_levels(ordered).tolist() == [0, 0, 1]
    products = boxes([(220, 30, 240, 70, 0), (220, 130, 240, 170, 0)])
    assert assign_rows(products, rows).tolist() == [0, 1]


def test_no_rows_or_no_products() -> None:
    assert assign_rows(boxes([(0, 0, 1, 1, 0)]), Detections.empty(("shelf",))).tolist() == [
        UNASSIGNED
    ]
    assert assign_rows(Detections.empty(PRODUCTS), SHELVES).size == 0


def test_facings_and_shares() -> None:
    found = boxes([(0, 0, 10, 10, 0), (10, 0, 30, 10, 0), (30, 0, 60, 10, 1), (0, 0, 5, 5, 2)])
    assert facings(found) == {"heineken": 2, "tiger": 1, "beer_can": 1}
    assert facings(found, {"tiger"}) == {"tiger": 1}
    shares = brand_shares(found, {"heineken", "tiger"})
    assert shares["heineken"].facings == 2
    assert shares["heineken"].count_share == pytest.approx(2 / 3, abs=1e-4)
    assert shares["heineken"].width_share == pytest.approx(30 / 60)
    assert shares["tiger"].width_share == pytest.approx(30 / 60)


def test_shares_of_nothing_are_empty() -> None:
    assert brand_shares(Detections.empty(PRODUCTS), {"heineken"}) == {}
    assert brand_shares(boxes([(0, 0, 5, 5, 2)]), {"heineken"}) == {}
