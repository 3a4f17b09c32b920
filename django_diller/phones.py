"""Phone numbers as shoppers type them, made into Diller's ``{country_code, number}``.

``+`` or ``00`` first means an international number; otherwise the number is read in the
shopper's country, then in the store's. Invalid numbers raise :class:`InvalidPhoneNumber`.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext_lazy as _

from .api import models as wire


class InvalidPhoneNumber(ValueError):
    """Not a valid phone number (the message is for the shopper and holds no digits)."""


@dataclass(frozen=True)
class PhoneNumber:
    country_code: str  # "+47"
    number: str  # national significant number, digits only: "91234567"

    @property
    def e164(self) -> str:
        return f"{self.country_code}{self.number}"

    def to_wire(self) -> wire.Phone:
        return wire.Phone(country_code=self.country_code, number=self.number)


def parse_phone(raw: str, *countries: str | None) -> PhoneNumber:
    """Read ``raw`` as international, or else in the first of ``countries`` where it is valid.

    ``countries`` are ISO 3166 codes in order of preference (the shopper's, then the store's).
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber(_("Enter a mobile phone number."))
    if text.startswith("00"):
        text = "+" + text[2:]
    regions = [c.upper() for c in countries if c] or ["NO"]
    if text.startswith("+"):
        regions = [None]
    for region in regions:
        try:
            parsed = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return PhoneNumber(
                country_code=f"+{parsed.country_code}",
                number=phonenumbers.national_significant_number(parsed),
            )
    raise InvalidPhoneNumber(
        _("Enter a valid mobile phone number, with the country code (+47…) if it is not local.")
    )


def country_of_culture(culture: str | None) -> str | None:
    """The country of a store culture such as ``nb-NO`` (None when there is none)."""
    if culture and "-" in culture:
        return culture.rsplit("-", 1)[-1].upper()
    return None
