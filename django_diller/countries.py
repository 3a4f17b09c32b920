"""Countries a member's address may name: ISO 3166-1 alpha-2 codes with their names.

The codes are the regions ``phonenumbers`` (a dependency already, for phone numbers) knows.
Names are in the active language, from Babel's CLDR data when it is installed (it comes with
django-oscar), else from phonenumbers' own geocoding names, else English.

phonenumbers' geocoding names are loaded only when Babel is missing: importing
``phonenumbers.geocoder`` loads its whole geocoding table, some 150 MiB a process.
"""

from __future__ import annotations

import functools

import phonenumbers
from django.utils.translation import get_language

# Regions phonenumbers knows that are not countries of ISO 3166-1 (Ascension and Tristan da
# Cunha are part of SH; Kosovo's XK is a user-assigned code).
NOT_COUNTRIES = {"AC", "TA", "XK"}


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(
        code
        for code in phonenumbers.SUPPORTED_REGIONS
        if len(code) == 2 and code not in NOT_COUNTRIES
    )


def _babel_names(language: str) -> dict[str, str]:
    try:
        from babel import Locale, UnknownLocaleError
    except ImportError:  # a shop without django-oscar, which brings Babel
        return {}
    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError):
        return {}


@functools.cache
def _geocoder_names() -> dict[str, dict[str, str]]:
    """phonenumbers' names of regions by language; only asked for when Babel is missing."""
    from phonenumbers.geocoder import LOCALE_DATA

    return LOCALE_DATA  # type: ignore[no-any-return]


def _name(code: str, language: str, babel: dict[str, str]) -> str:
    if babel.get(code):
        return babel[code]
    names = _geocoder_names().get(code, {})
    name = names.get(language) or names.get("aa") or code
    for _hop in range(3):  # "*xx": the same name as in language xx
        if not name.startswith("*"):
            break
        name = names.get(name[1:]) or code
    return name


@functools.cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    babel = _babel_names(language)
    pairs = ((code, _name(code, language, babel)) for code in country_codes())
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_choices() -> list[tuple[str, str]]:
    """``(code, name)`` for every country, sorted by name in the active language."""
    language = (get_language() or "en").split("-")[0].lower()
    if language == "no":
        language = "nb"
    return list(_choices(language))
