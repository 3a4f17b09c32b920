"""Amounts of a Dintero receipt as a shopper reads them: minor units to :class:`~decimal.Decimal`,
written with their currency in the language of the page.

Dintero's amounts are whole numbers of the currency's smallest unit (øre for NOK). They become
a :class:`Money` once, here, and are formatted when a template prints them (``str()``), so the
language active for the request decides the format: Babel's (Oscar brings it) when installed,
else Django's number format with the currency code after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language, to_locale

from .receipts import UnknownCurrency, minor_exponent

# A currency Dintero names that the mapping does not know: most currencies have two decimals.
DEFAULT_EXPONENT = 2


def exponent_of(currency: str) -> int:
    """How many decimals the currency's smallest unit has; 2 for one not known."""
    if not currency:
        return DEFAULT_EXPONENT
    try:
        return minor_exponent(currency)
    except UnknownCurrency:
        return DEFAULT_EXPONENT


@dataclass(frozen=True)
class Money:
    """An exact amount in a currency (``currency`` "" when the receipt names none)."""

    amount: Decimal
    currency: str

    @classmethod
    def of_minor(cls, units: int | None, currency: str | None) -> Money:
        """``units`` of the currency's smallest unit (None counts as zero)."""
        code = (currency or "").upper()
        exponent = exponent_of(code)
        amount = Decimal(int(units or 0)).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))
        return cls(amount, code)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def format_money(amount: Decimal, currency: str) -> str:
    """``amount`` with its currency, as the active language writes it ("NOK 129.00",
    "129,00 kr")."""
    places = max(-int(amount.as_tuple().exponent), 0)
    if currency:
        try:
            from babel.numbers import format_currency
        except ImportError:  # a shop without django-oscar, which brings Babel
            pass
        else:
            try:
                return str(format_currency(amount, currency, locale=_locale()))
            except (ValueError, LookupError):  # a locale or currency Babel does not know
                pass
    text = number_format(amount, decimal_pos=places, use_l10n=True)
    return f"{text} {currency}".strip()


def _locale() -> str:
    return to_locale(get_language() or "en")
