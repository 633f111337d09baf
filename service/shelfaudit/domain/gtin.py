"""GTIN barcodes (EAN-8, UPC-A, EAN-13, GTIN-14): digits and the mod-10 check digit."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

GTIN_LENGTHS = (8, 12, 13, 14)
_DIGITS = re.compile(r"^[0-9]+$")  # not str.isdigit(): that admits "²" and other scripts


def check_digit(body: str) -> int:
    """The digit that completes ``body`` (a GTIN without its last digit).

    Weights 3, 1, 3, ... from the right of the body, as GS1 defines for every length.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_gtin(code: str) -> str:
    """``code`` if it is a valid GTIN, else ``ValueError`` saying what is wrong."""
    if not _DIGITS.match(code):
        raise ValueError("a barcode is digits only (a GTIN: EAN-8, UPC-A, EAN-13 or GTIN-14)")
    if len(code) not in GTIN_LENGTHS:
        raise ValueError(f"a GTIN has 8, 12, 13 or 14 digits, not {len(code)}")
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise ValueError(f"GTIN check digit is {code[-1]}, expected {expected}")
    return code


Gtin = Annotated[str, AfterValidator(check_gtin)]
