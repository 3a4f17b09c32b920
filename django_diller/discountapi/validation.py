"""The checks of a discount, shared by the Discount API and admin, so both refuse the same.

:func:`discount_errors` checks plain values keyed by the model's field names and answers the
errors by field (empty: valid); :func:`validate_discount` raises them as Django's
``ValidationError`` for a :class:`~django_diller.discountapi.models.Discount` (admin, the
model's ``clean()``). :data:`DOCUMENT_FIELDS` names each field as the API document does
(``"temporalValidity.validFromTime"``), for error messages that name the caller's field.

The rules:

- ``discount_id``: 1 to 64 characters, not blank, without ``/`` (it is a path segment).
- ``name``: 1 to 200 characters, not blank.
- ``type``: ``RELATIVE`` or ``ABSOLUTE``.
- ``rate``: a whole number from 0; a ``RELATIVE`` rate at most 10000 (100.00 %); an
  ``ABSOLUTE`` one at most :data:`MAX_RATE`.
- ``valid_from_time``: HHMM from 0 to 2359; ``valid_until_time``: HHMM from 0 to 2400 (2400:
  the end of the day); minutes below 60; both equal is refused (an empty window).
- ``valid_from_date`` not after ``valid_until_date``.
- ``days_of_week``: English day names in capitals (``"MONDAY"`` … ``"SUNDAY"``), no repeats.
- ``combinable_with``, ``stores``, ``dist_chains``: lists of ids, each 1 to 64 characters, not
  blank, without ``/``, no repeats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
TYPES = ("RELATIVE", "ABSOLUTE")
MAX_RELATIVE_RATE = 10000
MAX_RATE = 2_147_483_647
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200

DOCUMENT_FIELDS: dict[str, str] = {
    "discount_id": "discountId",
    "name": "name",
    "rate": "rate",
    "type": "type",
    "automatic": "properties.automatic",
    "manual_rate": "properties.manualRate",
    "employee": "properties.employee",
    "calculated_from_base_price": "properties.calculatedFromBasePrice",
    "combinable_with": "properties.combinableWith",
    "valid_from_date": "temporalValidity.validFromDate",
    "valid_until_date": "temporalValidity.validUntilDate",
    "valid_from_time": "temporalValidity.validFromTime",
    "valid_until_time": "temporalValidity.validUntilTime",
    "days_of_week": "temporalValidity.dayOfWeekList",
    "stores": "locationValidity.stores",
    "dist_chains": "locationValidity.distChains",
}

FIELDS = tuple(DOCUMENT_FIELDS)


_SEPARATORS = re.compile(r"[\s,;]+")


def split_ids(text: str | None) -> list[str]:
    """The ids in ``text``, one per line or separated by commas (blanks ignored)."""
    return [item for item in _SEPARATORS.split(text or "") if item]


def id_error(value: Any) -> str | None:
    """Why ``value`` is no valid id (a discount's, a store's, a chain's), or None."""
    if not isinstance(value, str) or not value.strip():
        return _("An id must be a non-empty text.")
    if len(value) > MAX_ID_LENGTH:
        return _("An id has at most %(max)d characters.") % {"max": MAX_ID_LENGTH}
    if "/" in value:
        return _("An id must not contain “/”.")
    return None


def id_list_error(value: Any) -> str | None:
    """Why ``value`` is no valid list of ids, or None."""
    if not isinstance(value, list):
        return _("Expected a list of ids.")
    for item in value:
        error = id_error(item)
        if error:
            return error
    if len(set(value)) != len(value):
        return _("The list repeats an id.")
    return None


def hhmm_error(value: Any, *, allow_end_of_day: bool) -> str | None:
    """Why ``value`` is no valid HHMM time (2400 only with ``allow_end_of_day``), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return _("A time is a whole number HHMM, such as 500 for 05:00.")
    highest = 2400 if allow_end_of_day else 2359
    if value < 0 or value > highest:
        return _("A time is from 0 to %(max)d (HHMM).") % {"max": highest}
    if value % 100 >= 60:
        return _("The minutes of a time (HHMM) are below 60.")
    return None


def days_error(value: Any) -> str | None:
    """Why ``value`` is no valid list of days of the week, or None."""
    if not isinstance(value, list):
        return _("Expected a list of days of the week.")
    for day in value:
        if day not in DAYS:
            return _("Days of the week are MONDAY, TUESDAY, … SUNDAY.")
    if len(set(value)) != len(value):
        return _("The list repeats a day.")
    return None


def rate_error(rate: Any, discount_type: Any) -> str | None:
    """Why ``rate`` is no valid rate for a discount of ``discount_type``, or None."""
    if isinstance(rate, bool) or not isinstance(rate, int):
        return _("The rate is a whole number.")
    if rate < 0:
        return _("The rate must not be negative.")
    if discount_type == "RELATIVE" and rate > MAX_RELATIVE_RATE:
        return _("A relative rate is at most 10000 (100.00 %).")
    if rate > MAX_RATE:
        return _("The rate is too large.")
    return None


def discount_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The errors of a discount's ``values`` (model field names), by field; empty: valid.

    Fields missing from ``values`` are not checked (a partial update checks the merged
    values, so pass them all there).
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str | None) -> None:
        if message:
            errors.setdefault(field, []).append(message)

    if "discount_id" in values:
        add("discount_id", id_error(values["discount_id"]))
    if "name" in values:
        name = values["name"]
        if not isinstance(name, str) or not name.strip():
            add("name", _("The name must not be empty."))
        elif len(name) > MAX_NAME_LENGTH:
            add("name", _("The name has at most %(max)d characters.") % {"max": MAX_NAME_LENGTH})
    if "type" in values and values["type"] not in TYPES:
        add("type", _("The type is RELATIVE or ABSOLUTE."))
    if "rate" in values:
        add("rate", rate_error(values["rate"], values.get("type")))
    for flag in ("automatic", "manual_rate", "employee", "calculated_from_base_price"):
        if flag in values and not isinstance(values[flag], bool):
            add(flag, _("Expected true or false."))
    if "valid_from_time" in values:
        add("valid_from_time", hhmm_error(values["valid_from_time"], allow_end_of_day=False))
    if "valid_until_time" in values:
        add("valid_until_time", hhmm_error(values["valid_until_time"], allow_end_of_day=True))
    start, end = values.get("valid_from_time"), values.get("valid_until_time")
    if (
        "valid_from_time" not in errors
        and "valid_until_time" not in errors
        and start is not None
        and start == end
    ):
        add("valid_until_time", _("The valid-until time must differ from the valid-from time."))
    first, last = values.get("valid_from_date"), values.get("valid_until_date")
    if first is not None and last is not None and first > last:
        add("valid_until_date", _("The valid-until date is before the valid-from date."))
    if "days_of_week" in values:
        add("days_of_week", days_error(values["days_of_week"]))
    for field in ("combinable_with", "stores", "dist_chains"):
        if field in values:
            add(field, id_list_error(values[field]))
    return errors


def discount_values(discount: Any) -> dict[str, Any]:
    """The checked fields of a ``Discount`` (or any object with its attributes), by name."""
    return {field: getattr(discount, field) for field in FIELDS}


def validate_discount(discount: Any) -> None:
    """Raise ``ValidationError`` (by field) if ``discount`` breaks a rule."""
    errors = discount_errors(discount_values(discount))
    if errors:
        raise ValidationError(errors)
