"""System checks for the ``COUPONTOOLS`` settings (ids ``coupontools.E…`` and ``coupontools.W…``).

:func:`register_checks` registers them (the app's ``ready()`` calls it). The app is installed
to take vouchers, so a missing API client is an error unless the sandbox is on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from ..settings_checks import sandbox_problems, unknown_keys
from .conf import BODIES, DEFAULTS, coupontools_settings
from .connection import UPDATE_FIELDS, expiration_zone, update_parameters

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# What the sandbox (and the contract it validates against) imports beyond the core: the
# ``[sandbox]`` extra.
POSITIVE_KEYS = ("CONNECT_TIMEOUT", "READ_TIMEOUT", "REQUEST_DEADLINE")
WHOLE_KEYS = ("RETRY_ATTEMPTS", "LOCK_MINUTES")
FLAG_KEYS = ("SANDBOX", "SANDBOX_WITHOUT_DEBUG", "COMBINABLE_WITH_DILLER")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _header_value(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.isprintable()


def _check_credentials() -> list[CheckMessage]:
    """The API client and host (not needed by the sandbox)."""
    if coupontools_settings.SANDBOX:
        return []
    problems: list[CheckMessage] = []
    for key in ("CLIENT_ID", "CLIENT_SECRET"):
        value = getattr(coupontools_settings, key)
        if not value:
            problems.append(
                Error(
                    f"COUPONTOOLS['{key}'] is not set.",
                    hint=f"Set it, or the environment variable COUPONTOOLS_{key}; or "
                    "COUPONTOOLS['SANDBOX'] = True for development.",
                    id="coupontools.E001",
                )
            )
        elif not _header_value(value):
            problems.append(
                Error(
                    f"COUPONTOOLS['{key}'] must be printable ASCII text (it is sent as a header).",
                    id="coupontools.E001",
                )
            )
    parts = urlsplit(str(coupontools_settings.BASE_URL))
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        problems.append(
            Error(
                f"COUPONTOOLS['BASE_URL'] must be an https:// URL (got scheme {parts.scheme!r}).",
                hint="Plain http is accepted only for localhost, e.g. a local sandbox.",
                id="coupontools.E002",
            )
        )
    return problems


def _check_sandbox() -> list[CheckMessage]:
    return sandbox_problems(
        name="COUPONTOOLS",
        provider="Coupontools",
        on=bool(coupontools_settings.SANDBOX),
        without_debug=bool(coupontools_settings.SANDBOX_WITHOUT_DEBUG),
        why="its vouchers are not real",
        credentials="the API client's CLIENT_ID and CLIENT_SECRET",
        debug_id="coupontools.E003",
        missing_id="coupontools.E004",
    )


def _check_numbers() -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    for key in POSITIVE_KEYS:
        value = getattr(coupontools_settings, key)
        if not _number(value) or value <= 0:
            problems.append(
                Error(f"COUPONTOOLS['{key}'] must be a positive number.", id="coupontools.E005")
            )
    for key in WHOLE_KEYS:
        value = getattr(coupontools_settings, key)
        if not _whole(value) or value < 1:
            problems.append(
                Error(
                    f"COUPONTOOLS['{key}'] must be a whole number of at least 1.",
                    id="coupontools.E005",
                )
            )
    return problems


def _check_body() -> list[CheckMessage]:
    if coupontools_settings.BODY in BODIES:
        return []
    return [
        Error(
            "COUPONTOOLS['BODY'] must be 'form' or 'json'.",
            hint="'form' sends form fields, as Coupontools' integration guide shows.",
            id="coupontools.E006",
        )
    ]


def _check_update_parameters() -> list[CheckMessage]:
    overrides = coupontools_settings.UPDATE_PARAMETERS
    if not isinstance(overrides, dict):
        return [Error("COUPONTOOLS['UPDATE_PARAMETERS'] must be a dict.", id="coupontools.E007")]
    unknown = sorted(str(key) for key in overrides if key not in UPDATE_FIELDS)
    if unknown:
        return [
            Error(
                f"COUPONTOOLS['UPDATE_PARAMETERS'] has unknown keys: {', '.join(unknown)}.",
                hint="Known keys: " + ", ".join(UPDATE_FIELDS),
                id="coupontools.E007",
            )
        ]
    try:
        update_parameters()
    except (TypeError, ValueError) as exc:
        return [
            Error(
                f"COUPONTOOLS['UPDATE_PARAMETERS'] is wrong: {exc}.",
                hint="Each is a non-empty name; the three parameter names differ, and so do "
                "the four action values.",
                id="coupontools.E007",
            )
        ]
    return []


def _check_time_zone() -> list[CheckMessage]:
    try:
        expiration_zone()
    except ValueError:
        return [
            Error(
                "COUPONTOOLS['EXPIRATION_TIME_ZONE'] is not a known time zone.",
                hint="An IANA name such as 'Europe/Oslo', or None for UTC.",
                id="coupontools.E009",
            )
        ]
    return []


def _check_types() -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    parameter = coupontools_settings.SESSION_PARAMETER
    if not isinstance(parameter, str) or not parameter.strip():
        problems.append(
            Error(
                "COUPONTOOLS['SESSION_PARAMETER'] must be a parameter's name.",
                id="coupontools.E010",
            )
        )
    field = coupontools_settings.VALUE_FIELD
    if field is not None and (not isinstance(field, str) or not field.strip()):
        problems.append(
            Error(
                "COUPONTOOLS['VALUE_FIELD'] must be None or a custom field's name.",
                id="coupontools.E010",
            )
        )
    for key in FLAG_KEYS:
        if not isinstance(getattr(coupontools_settings, key), bool):
            problems.append(
                Error(f"COUPONTOOLS['{key}'] must be True or False.", id="coupontools.E010")
            )
    return problems


def check_coupontools_settings(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    raw = getattr(settings, "COUPONTOOLS", {})
    if not isinstance(raw, dict):
        return [Error("The COUPONTOOLS setting must be a dict.", id="coupontools.E008")]
    problems = unknown_keys("COUPONTOOLS", raw, DEFAULTS, id="coupontools.W001")
    problems += _check_sandbox()
    problems += _check_credentials()
    problems += _check_numbers()
    problems += _check_body()
    problems += _check_update_parameters()
    problems += _check_time_zone()
    problems += _check_types()
    return problems


def check_coupontools_deployment(
    app_configs: object = None, **kwargs: object
) -> list[CheckMessage]:
    """``check --deploy``: a deployed shop never takes the sandbox's vouchers."""
    if coupontools_settings.SANDBOX:
        return [
            Error(
                "The embedded Coupontools sandbox is on.",
                hint="A deployed shop redeems real vouchers: set COUPONTOOLS['SANDBOX'] = False "
                "and the API client's CLIENT_ID and CLIENT_SECRET.",
                id="coupontools.E011",
            )
        ]
    return []


def register_checks() -> None:
    """Register the checks with Django (repeating it is harmless)."""
    register(check_coupontools_settings, Tags.compatibility, "coupontools")
    register(check_coupontools_deployment, Tags.security, "coupontools", deploy=True)


__all__ = [
    "check_coupontools_deployment",
    "check_coupontools_settings",
    "register_checks",
]
