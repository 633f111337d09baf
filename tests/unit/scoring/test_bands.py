"""Named shelf bands map to rows as the bands module's table says."""

from __future__ import annotations

import pytest

from shelfaudit.scoring import Band
from shelfaudit.scoring.bands import band_rows, describe_rows


@pytest.mark.parametrize(
    ("band", "n_rows", "rows"),
    [
        (Band.top, 0, ()),
        (Band.eye_level, 0, ()),
        (Band.top, 1, (0,)),
        (Band.eye_level, 1, (0,)),
        (Band.middle, 1, (0,)),
        (Band.bottom, 1, (0,)),
        (Band.eye_level, 2, (0,)),
        (Band.middle, 2, (0, 1)),
        (Band.bottom, 2, (1,)),
        (Band.eye_level, 3, (1,)),
        (Band.middle, 3, (1,)),
        (Band.eye_level, 4, (1, 2)),
        (Band.eye_level, 5, (1, 2)),
        (Band.middle, 5, (1, 2, 3)),
        (Band.bottom, 5, (4,)),
        (Band.eye_level, 7, (1, 2, 3)),
    ],
)
def test_band_rows(band: Band, n_rows: int, rows: tuple[int, ...]) -> None:
    assert band_rows(band, n_rows) == rows


@pytest.mark.parametrize(
    ("rows", "n_rows", "text"),
    [
        ((1, 2), 5, "rows 2–3 of 5"),
        ((0,), 3, "row 1 of 3"),
        ((0, 2), 4, "rows 1, 3 of 4"),
        ((), 2, "no row of 2"),
    ],
)
def test_describe_rows_counts_from_one(rows: tuple[int, ...], n_rows: int, text: str) -> None:
    assert describe_rows(rows, n_rows) == text
