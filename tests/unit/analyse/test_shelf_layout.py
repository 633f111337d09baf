from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.analyse.shelf_layout import (
    UNASSIGNED,
    assign_rows,
    brand_shares,
    facings,
    order_rows,
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
