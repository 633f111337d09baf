"""Currencies and amounts: Decimal only, quantized to the currency's minor unit (ISO 4217)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies a retail-execution client is likely to pay in.
# Unknown codes are refused at load time rather than guessed. IDR keeps ISO's 2 although
# nobody pays rupiah cents: whole amounts are valid either way.
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "AUD": 2, "BDT": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2,
    "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "INR": 2,
    "JPY": 0, "KES": 2, "KHR": 2, "KRW": 0, "LAK": 2, "LKR": 2, "MMK": 2, "MXN": 2,
    "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "PHP": 2, "PKR": 2, "PLN": 2, "RON": 2,
    "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2, "TWD": 2, "UAH": 2,
    "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

SYMBOLS: dict[str, str] = {
    "CNY": "¥", "JPY": "¥", "VND": "₫", "USD": "$", "EUR": "€", "GBP": "£",
    "INR": "₹", "KRW": "₩", "THB": "฿", "PHP": "₱", "IDR": "Rp", "MYR": "RM",
}  # fmt: skip


def is_known_currency(code: str) -> bool:
    return code in MINOR_UNITS


def minor_unit(currency: str) -> Decimal:
    """The smallest amount: ``Decimal("0.01")`` for CNY, ``Decimal("1")`` for VND."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def fits_minor_unit(amount: Decimal, currency: str) -> bool:
    return quantize(amount, currency) == amount


def format_money(amount: Decimal, currency: str, *, sign: bool = False) -> str:
    """``¥40``, ``¥40.50``, ``₫40,000``, ``−¥40`` (a true minus sign); ``+¥40`` with ``sign``.

    Whole amounts drop their zero minor digits, as people write them on a statement.
    """
    value = quantize(amount, currency)
    magnitude = abs(value)
    digits = f"{magnitude:,.0f}" if magnitude == magnitude.to_integral_value() else f"{magnitude:,}"
    symbol = SYMBOLS.get(currency)
    body = f"{symbol}{digits}" if symbol else f"{digits} {currency}"
    if value < 0:
        return f"−{body}"
    return f"+{body}" if sign and value > 0 else body
