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


def test_an_offset_whose_plus_became_a_space_in_a_url_says_so() -> None:
    from pydantic import TypeAdapter, ValidationError

    from shelfaudit.domain.times import AwareDatetime

    read = TypeAdapter(AwareDatetime)
    with pytest.raises(ValidationError, match="write \\+ as %2B"):
        read.validate_python("2026-05-12T09:30:00 07:00")
    assert read.validate_python("2026-05-12T09:30:00+07:00").hour == 2
