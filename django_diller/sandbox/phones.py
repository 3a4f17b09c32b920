"""Phone number normalisation, just enough for the sandbox (no phonenumbers dependency).

Numbers are stored as ``(country_code, national_number)``, e.g. ``("+47", "91234567")``, and
compared in E.164 form. National input is read in the store's country. Only the Nordic
countries the demo needs are known; other codes are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# country calling code -> (min, max) national significant number length, trunk prefix
_COUNTRIES: dict[str, tuple[int, int, str]] = {
    "47": (8, 8, ""),  # Norway: no trunk prefix
    "46": (7, 9, "0"),  # Sweden
    "45": (8, 8, ""),  # Denmark
    "358": (5, 10, "0"),  # Finland
}

_SEPARATORS = re.compile(r"[\s\-./()]")


class InvalidPhone(ValueError):
    """Not a phone number at all (letters, empty...)."""


@dataclass(frozen=True)
class PhoneNumber:
    country_code: str  # "+47"
    number: str  # national significant number, digits only

    @property
    def e164(self) -> str:
        return f"{self.country_code}{self.number}"


def _cc_digits(country_code: str) -> str:
    digits = _SEPARATORS.sub("", country_code or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit():
        raise InvalidPhone(f"{country_code!r} is not a country calling code")
    return digits


def _national(cc: str, digits: str) -> PhoneNumber | None:
    known = _COUNTRIES.get(cc)
    if known is None:
        return None
    low, high, trunk = known
    if trunk and digits.startswith(trunk):
        digits = digits[len(trunk) :]
    if not low <= len(digits) <= high:
        return None
    return PhoneNumber(f"+{cc}", digits)


def _international(digits: str) -> PhoneNumber | None:
    for cc in sorted(_COUNTRIES, key=len, reverse=True):
        if digits.startswith(cc):
            return _national(cc, digits[len(cc) :])
    return None


def parse_phone(raw: str, default_country_code: str) -> PhoneNumber | None:
    """Read a phone typed in any usual way.

    ``"91234567"``, ``"912 34 567"``, ``"+47 912 34 567"``, ``"004791234567"`` all give
    ``+47 91234567`` in a Norwegian store. Returns None for a number that cannot exist (wrong
    length, unknown country); raises :class:`InvalidPhone` for text that is no number at all.
    """
    text = _SEPARATORS.sub("", raw or "")
    if not text:
        raise InvalidPhone("empty phone number")
    international = text.startswith("+") or text.startswith("00")
    digits = text[1:] if text.startswith("+") else text
    if not digits.isdigit():
        raise InvalidPhone(f"{raw!r} is not a phone number")
    if international:
        return _international(digits[2:] if text.startswith("00") else digits)
    national = _national(_cc_digits(default_country_code), digits)
    if national is None:
        # "4791234567": an international number typed without the plus.
        national = _international(digits)
    return national


def parse_phone_parts(country_code: str, number: str) -> PhoneNumber | None:
    """Read the contract's ``Phone {country_code, number}``.

    A number written internationally wins over the country code beside it.
    """
    cc = _cc_digits(country_code)
    return parse_phone(number, f"+{cc}")
