"""GTIN check digits: real barcodes pass, one wrong digit or a wrong length fails."""

from __future__ import annotations

import pytest

from shelfaudit.domain.gtin import check_digit, check_gtin, same_gtin


@pytest.mark.parametrize(
    "code",
    [
        "96385074",  # EAN-8
        "036000291452",  # UPC-A
        "4006381333931",  # EAN-13
        "7310865004703",  # EAN-13 (a Swedish milk carton)
        "10614141000415",  # GTIN-14
    ],
)
def test_a_valid_gtin_passes(code: str) -> None:
    assert check_gtin(code) == code


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("4006381333932", "check digit is 2, expected 1"),
        ("4006381333913", "check digit"),  # two digits swapped
        ("400638133393", "check digit"),  # a digit lost: a valid length, a wrong sum
        ("40063813339", "not 11"),
        ("1234567", "not 7"),
        ("123456789012345", "not 15"),
        ("", "digits only"),
        ("4006381 333931", "digits only"),
        ("400638133393X", "digits only"),
        ("４００６３８１３３３９３１", "digits only"),  # full-width digits
        ("4006381333931\n", "digits only"),  # "$" would have let the newline through
        ("00000000", "zeros only"),
    ],
)
def test_an_invalid_gtin_says_what_is_wrong(code: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_gtin(code)


def test_check_digit_weights_three_from_the_right() -> None:
    assert check_digit("400638133393") == 1
    assert check_digit("9638507") == 4


@pytest.mark.parametrize(
    ("code", "forms"),
    [
        ("036000291452", ("036000291452", "0036000291452", "00036000291452")),
        ("0036000291452", ("036000291452", "0036000291452", "00036000291452")),
        ("96385074", ("96385074", "000096385074", "0000096385074", "00000096385074")),
        ("4006381333931", ("4006381333931", "04006381333931")),
        ("10614141000415", ("10614141000415",)),
    ],
)
def test_one_gtin_has_one_set_of_written_forms(code: str, forms: tuple[str, ...]) -> None:
    assert set(same_gtin(code)) == set(forms)
