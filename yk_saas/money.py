"""Money as integer minor units (fen, cents) with a currency code. Never float.

Every amount typed into the product goes through ``parse_amount``: plain digits
with an optional decimal part, no exponent (``1e308``), no NaN or infinity, and
no more than ``MAX_MINOR`` so that sums of many amounts still fit a ``bigint``.
"""

import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency

from yk_saas.errors import UserError

MINOR_UNITS = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0}
#: Largest amount accepted, in minor units (10 trillion yuan): far inside a ``bigint`` column.
MAX_MINOR = 10**15
PLAIN_NUMBER = re.compile(r"(\d+(\.\d*)?|\.\d+)")


class AmountError(UserError):
    """Text that is not an amount of money."""


def parse_amount(text: str, currency: str = "CNY", allow_zero: bool = True) -> int:
    """``"1,234.50"`` → ``123450`` minor units; refuses negatives, too many decimals,
    exponents, blanks and amounts above ``MAX_MINOR``."""
    cleaned = (text or "").strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not PLAIN_NUMBER.fullmatch(cleaned) or len(cleaned) > 40:
        raise AmountError(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise AmountError(text) from exc
    places = MINOR_UNITS.get(currency, 2)
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise AmountError(text)
    if value > Decimal(MAX_MINOR).scaleb(-places):
        raise AmountError(text)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise AmountError(text)
    return int((value.scaleb(places)).to_integral_value(rounding=ROUND_HALF_UP))


def to_decimal(minor: int, currency: str = "CNY") -> Decimal:
    return Decimal(minor).scaleb(-MINOR_UNITS.get(currency, 2))


def format_money(minor: int | None, currency: str = "CNY", locale: str = "zh_CN") -> str:
    """``123450, "CNY"`` → ``¥1,234.50`` in the given locale."""
    if minor is None:
        return ""
    return format_currency(to_decimal(minor, currency), currency, locale=_locale(locale))


@functools.lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    """Babel's locale, parsed once per name (a reminder pass formats thousands of amounts)."""
    return Locale.parse(name)


def amount_input(minor: int | None, currency: str = "CNY") -> str:
    """The value to put back into a form field."""
    return "" if minor is None else str(to_decimal(minor, currency))
