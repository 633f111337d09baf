from __future__ import annotations

from decimal import Decimal

import pytest

from shelfaudit.commission.money import fits_minor_unit, format_money, minor_unit, quantize


@pytest.mark.parametrize(
    ("amount", "currency", "sign", "text"),
    [
        ("40", "CNY", False, "¥40"),
        ("40.5", "CNY", False, "¥40.50"),
        ("-40", "CNY", False, "−¥40"),
        ("40000", "VND", False, "₫40,000"),
        ("1234.5", "USD", True, "+$1,234.50"),
        ("12", "SEK", False, "12 SEK"),
        ("0", "CNY", True, "¥0"),
    ],
)
def test_money_is_written_as_on_a_statement(
    amount: str, currency: str, sign: bool, text: str
) -> None:
    assert format_money(Decimal(amount), currency, sign=sign) == text


@pytest.mark.parametrize(
    ("currency", "unit", "fits", "unfit"),
    [("CNY", "0.01", "40.05", "40.005"), ("VND", "1", "40000", "0.5"), ("JPY", "1", "3", "3.1")],
)
def test_minor_units(currency: str, unit: str, fits: str, unfit: str) -> None:
    assert minor_unit(currency) == Decimal(unit)
    assert fits_minor_unit(Decimal(fits), currency)
    assert not fits_minor_unit(Decimal(unfit), currency)


def test_quantize_rounds_half_up() -> None:
    assert quantize(Decimal("0.125"), "CNY") == Decimal("0.13")
    assert quantize(Decimal("2.5"), "VND") == Decimal("3")
