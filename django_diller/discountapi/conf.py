"""The Discount API's settings: one ``DISCOUNT_API = {...}`` dict, read lazily.

Every read goes back to ``django.conf.settings``, so ``override_settings(DISCOUNT_API=...)``
works in tests.

Keys (defaults in brackets):

``STORE_NUMBER`` ["webshop"]
    This web shop's store number in the chain: a discount whose ``stores`` list is not empty
    applies here only if the list holds this number.
``DIST_CHAIN`` [""]
    This web shop's distribution chain: a discount whose ``distChains`` list is not empty
    applies here only if the list holds this chain.
``TIME_ZONE`` [None]
    The store's time zone (an IANA name, such as ``"Europe/Oslo"``) in which a discount's dates,
    times and days of the week are read; None uses Django's ``TIME_ZONE``.
``EMPLOYEE_GROUP`` ["Employees"]
    The Django auth group whose members are the shop's employees: only they get ``employee``
    discounts (being staff is not enough).
``RULES_CACHE_SECONDS`` [5]
    How long a process reuses the discount rules it read for pricing. A change saved in the
    same process is seen at once; one saved in another process within these seconds.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "STORE_NUMBER": "webshop",
    "DIST_CHAIN": "",
    "TIME_ZONE": None,
    "EMPLOYEE_GROUP": "Employees",
    "RULES_CACHE_SECONDS": 5,
}


class DiscountApiSettings:
    """Attribute access to the ``DISCOUNT_API`` settings dict, with defaults."""

    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "DISCOUNT_API", {})
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown Discount API setting {name!r}")
        value = self.user_settings().get(name)
        return DEFAULTS[name] if value is None else value


discount_api_settings = DiscountApiSettings()


def store_zone() -> ZoneInfo:
    """The store's time zone: ``DISCOUNT_API['TIME_ZONE']``, else Django's ``TIME_ZONE``."""
    return ZoneInfo(discount_api_settings.TIME_ZONE or settings.TIME_ZONE or "UTC")
