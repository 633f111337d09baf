"""GTIN barcodes (EAN-8, UPC-A, EAN-13, GTIN-14): digits and the mod-10 check digit."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

GTIN_LENGTHS = (8, 12, 13, 14)
_DIGITS = re.compile(r"[0-9]+")  # not str.isdigit(): that admits "²" and other scripts


def check_digit(body: str) -> int:
    """The digit that completes ``body`` (a GTIN without its last digit).

    Weights 3, 1, 3, ... from the right of the body, as GS1 defines for every length.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_gtin(code: str) -> str:
    """``code`` if it is a valid GTIN, else ``ValueError`` saying what is wrong."""
    if not _DIGITS.fullmatch(code):  # fullmatch: "$" would let a trailing newline through
        raise ValueError("a barcode is digits only (a GTIN: EAN-8, UPC-A, EAN-13 or GTIN-14)")
    if len(code) not in GTIN_LENGTHS:
        raise ValueError(f"a GTIN has 8, 12, 13 or 14 digits, not {len(code)}")
    if not code.strip("0"):
        raise ValueError("a GTIN of zeros only names no product")
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise ValueError(f"GTIN check digit is {code[-1]}, expected {expected}")
    return code


def same_gtin(code: str) -> tuple[str, ...]:
    """Every way to write the GTIN ``code`` (8, 12, 13 and 14 digits: GS1 pads with leading
    zeros), so UPC-A 036000291452 and EAN-13 0036000291452 are found to be one product."""
    full = code.zfill(14)
    return tuple(full[14 - n :] for n in GTIN_LENGTHS if full[: 14 - n] == "0" * (14 - n))


Gtin = Annotated[str, AfterValidator(check_gtin)]
