"""Numbers in the sentences a rep reads never look equal when the verdict says they differ."""

from __future__ import annotations

import pytest

from shelfaudit.scoring.wording import percents


@pytest.mark.parametrize(
    ("observed", "threshold", "expected"),
    [
        (0.5, 0.3, ("50%", "30%")),
        (0.5, 0.5, ("50%", "50%")),
        (0.503, 0.5, ("50.3%", "50.0%")),
        (0.3333, 0.333, ("33.33%", "33.30%")),
        (0.6667, 0.6669, ("66.67%", "66.69%")),
        (1 / 3, 1 / 3, ("33%", "33%")),
    ],
)
def test_percents_show_the_decimals_that_tell_them_apart(
    observed: float, threshold: float, expected: tuple[str, str]
) -> None:
    assert percents(observed, threshold) == expected
