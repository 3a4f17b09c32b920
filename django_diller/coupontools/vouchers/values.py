"""A voucher's value, read from the text a campaign keeps it in.

Coupontools keeps a voucher's value as free text: in the session's ``value`` field or in one of
the campaign's custom fields, written by whoever set the campaign up. :func:`parse_value` reads
an amount (``50``, ``50.00``, ``50,00``, ``1 000,50``, ``1.000,50``, ``1,000.50``) or a
percentage (``10%``, ``10 %``, ``12,5%``), and refuses with an :class:`InvalidVoucherValue`
anything it cannot read for certain: a voucher is refused, never given a wrong or zero value.

How the separators are read:

- Spaces (also non-breaking and thin ones) and apostrophes only group thousands.
- With both ``.`` and ``,``, the last one is the decimal separator and the other groups
  thousands (``1.000,50``, ``1,000.50``).
- The same ``.`` or ``,`` more than once groups thousands (``1.000.000``).
- A lone ``.`` or ``,`` is the decimal separator (``50,00``, ``12.5``), except when three digits
  follow it and one to three digits (not starting with 0) precede it: ``1.000`` or ``50,000``
  could be a thousand and fifty thousand, or one and fifty. That is :class:`AmbiguousValue`,
  unless the currency has three decimals (``currency_exponent=3``), where it is the decimal.
- Thousands groups have three digits (the first one to three); anything else is unreadable.

An amount may have no more decimals than the currency (``currency_exponent``; zeros beyond it
are fine: ``50.000`` reads as 50.00 in a three-decimal reading, ``50.50`` is refused in a
currency without decimals); a percentage at most two. Zero, negative values and percentages
above 100 are refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

VoucherKind = Literal["amount", "percentage"]

PERCENTAGE_DECIMALS = 2
MAX_INPUT_LENGTH = 40
_HUNDRED = Decimal(100)
_DECIMAL = frozenset(".,")
_MINUS = ("-", "\u2212", "\u2010", "\u2013")  # hyphen-minus, minus sign, hyphen, en dash
_NUMBER_CHARS = re.compile("[0-9 '\u2019.,]+")


class InvalidVoucherValue(ValueError):
    """A voucher's value that cannot be used. ``reason`` names why, for staff to see; the
    message does not quote the text."""

    reason = "unreadable"
    default_message = "The voucher's value cannot be read."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class UnreadableValue(InvalidVoucherValue):
    reason = "unreadable"
    default_message = (
        "The voucher's value cannot be read: it should be an amount such as 50 or 50.00, "
        "or a percentage such as 10%."
    )


class AmbiguousValue(InvalidVoucherValue):
    reason = "ambiguous"
    default_message = (
        "The voucher's value could be read two ways (a thousands separator or a decimal one): "
        "write it as 1000 or 1.00."
    )


class TooPreciseValue(InvalidVoucherValue):
    reason = "too_precise"
    default_message = "The voucher's value has more decimals than the currency has."


class NegativeValue(InvalidVoucherValue):
    reason = "negative"
    default_message = "The voucher's value is negative."


class ZeroValue(InvalidVoucherValue):
    reason = "zero"
    default_message = "The voucher's value is zero."


class PercentageAboveHundred(InvalidVoucherValue):
    reason = "over_100_percent"
    default_message = "The voucher's percentage is above 100%."


@dataclass(frozen=True)
class VoucherValue:
    """What a voucher takes off: an ``amount`` in the shop's currency (with the currency's
    decimals), or a ``percentage`` (0 < value <= 100)."""

    kind: VoucherKind
    value: Decimal

    def __str__(self) -> str:
        if self.kind == "percentage":
            return f"{self.value:f}%"
        return f"{self.value:f}"


def _valid_groups(groups: list[str]) -> bool:
    """Thousands groups: the first of one to three digits, the others of three."""
    return 1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])


def _split(number: str, *, three_decimals: bool) -> tuple[str, str]:
    """The integer digits and the decimal digits of ``number`` (digits and separators, starting
    and ending with a digit)."""
    separators = [char for char in number if not char.isdigit()]
    kinds = set(separators)
    if not kinds:
        return number, ""
    last = separators[-1]
    if last in _DECIMAL and separators.count(last) == 1:
        whole, _, fraction = number.rpartition(last)
        grouping = kinds - {last}
    else:  # no decimal separator: one kind of grouping separator only
        whole, fraction, grouping = number, "", kinds
    if len(grouping) > 1:
        raise UnreadableValue
    if grouping:
        [separator] = grouping
        groups = whole.split(separator)
        if not _valid_groups(groups):
            raise UnreadableValue
        return "".join(groups), fraction
    # A lone "." or ",": the decimal separator, unless it could group thousands as well.
    if len(fraction) == 3 and 1 <= len(whole) <= 3 and whole[0] != "0" and not three_decimals:
        raise AmbiguousValue
    return whole, fraction


def _without_trailing_zeros(value: Decimal) -> Decimal:
    """``12.50`` as ``12.5`` and ``10.00`` as ``10`` (not ``1E+1``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def parse_value(text: str, currency_exponent: int = 2) -> VoucherValue:
    """The voucher value ``text`` holds; ``currency_exponent``: the shop currency's number of
    decimals (2 for NOK, SEK, EUR; 0 for ISK; 3 for KWD).

    Raises an :class:`InvalidVoucherValue` (a ``ValueError``) saying why it cannot be used.
    """
    if not isinstance(text, str):
        raise TypeError("a voucher value is text")
    if isinstance(currency_exponent, bool) or not isinstance(currency_exponent, int):
        raise TypeError("currency_exponent is an integer")
    if not 0 <= currency_exponent <= 4:
        raise ValueError("currency_exponent is between 0 and 4")
    if len(text) > MAX_INPUT_LENGTH:
        raise UnreadableValue
    # NFKC makes non-breaking and thin spaces plain ones, full-width digits plain digits.
    cleaned = unicodedata.normalize("NFKC", text).strip()
    kind: VoucherKind = "amount"
    if cleaned.endswith("%"):
        kind, cleaned = "percentage", cleaned[:-1].rstrip()
    negative = cleaned.startswith(_MINUS)
    if negative:
        cleaned = cleaned[1:].lstrip()
    if not cleaned or not _NUMBER_CHARS.fullmatch(cleaned):
        raise UnreadableValue
    if not (cleaned[0].isdigit() and cleaned[-1].isdigit()):
        raise UnreadableValue
    if re.search(r"[^0-9][^0-9]", cleaned):  # two separators in a row
        raise UnreadableValue
    three_decimals = kind == "amount" and currency_exponent == 3
    whole, fraction = _split(cleaned, three_decimals=three_decimals)
    places = PERCENTAGE_DECIMALS if kind == "percentage" else currency_exponent
    if len(fraction.rstrip("0")) > places:
        raise TooPreciseValue
    value = Decimal(f"{whole}.{fraction or '0'}")
    if value == 0:
        raise ZeroValue
    if negative:
        raise NegativeValue
    if kind == "percentage":
        if value > _HUNDRED:
            raise PercentageAboveHundred
        return VoucherValue("percentage", _without_trailing_zeros(value))
    return VoucherValue("amount", value.quantize(Decimal(1).scaleb(-places)))


__all__ = [
    "AmbiguousValue",
    "InvalidVoucherValue",
    "NegativeValue",
    "PercentageAboveHundred",
    "TooPreciseValue",
    "UnreadableValue",
    "VoucherKind",
    "VoucherValue",
    "ZeroValue",
    "parse_value",
]
