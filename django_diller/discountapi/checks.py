"""System checks of the ``DISCOUNT_API`` settings (ids ``discountapi.E…``/``W…``).

A wrong setting here prices every basket wrongly (the wrong store, chain or time zone decides
which discounts apply), so each one stops ``check`` with a message that names it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .conf import DEFAULTS, discount_api_settings


def _text(value: object) -> bool:
    return isinstance(value, str)


def check_discount_api_settings(app_configs=None, **kwargs) -> list[CheckMessage]:
    value = getattr(settings, "DISCOUNT_API", {})
    if not isinstance(value, dict):
        return [Error("The DISCOUNT_API setting must be a dict.", id="discountapi.E001")]
    problems: list[CheckMessage] = []
    store = discount_api_settings.STORE_NUMBER
    if not _text(store) or not store.strip():
        problems.append(
            Error(
                "DISCOUNT_API['STORE_NUMBER'] must be this web shop's store number (a text).",
                hint="The number the chain's back office puts in a discount's stores list.",
                id="discountapi.E002",
            )
        )
    for key in ("DIST_CHAIN", "EMPLOYEE_GROUP"):
        if not _text(getattr(discount_api_settings, key)):
            problems.append(Error(f"DISCOUNT_API['{key}'] must be a text.", id="discountapi.E003"))
    zone = discount_api_settings.TIME_ZONE
    if zone is not None:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                Error(
                    "DISCOUNT_API['TIME_ZONE'] is not a known time zone.",
                    hint="An IANA name such as 'Europe/Oslo', or None for Django's TIME_ZONE.",
                    id="discountapi.E004",
                )
            )
    seconds = discount_api_settings.RULES_CACHE_SECONDS
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        problems.append(
            Error(
                "DISCOUNT_API['RULES_CACHE_SECONDS'] must be a number of 0 or more.",
                id="discountapi.E005",
            )
        )
    unknown = sorted(set(value) - set(DEFAULTS))
    if unknown:
        problems.append(
            Warning(
                f"DISCOUNT_API has keys that are not settings: {', '.join(unknown)}.",
                hint=f"The settings are {', '.join(sorted(DEFAULTS))}.",
                id="discountapi.W001",
            )
        )
    return problems


def register_checks() -> None:
    register(check_discount_api_settings)
