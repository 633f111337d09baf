from __future__ import annotations

import pytest

from shelfaudit.domain.times import spoken_duration


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (0, "0 s"),
        (-40, "40 s"),
        (89, "89 s"),
        (90, "2 min"),
        (12 * 60, "12 min"),
        (2 * 3600, "2 h"),
        (5.5 * 3600, "5.5 h"),
        (3 * 86400, "3 days"),
        (4815365 * 60, "9.2 years"),  # was printed as "4815365 min"
    ],
)
def test_gaps_are_spoken_in_the_unit_a_person_would_use(seconds: float, spoken: str) -> None:
    assert spoken_duration(seconds) == spoken
