"""System checks for the ``DINTERO`` settings (ids ``dintero.E…`` and ``dintero.W…``).

:func:`register_checks` registers them (the app's ``ready()`` calls it). A shop without an
account (receipts off) is checked only for the setting's shape and the sandbox.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from ..settings_checks import sandbox_problems, unknown_keys
from .conf import CUSTOMER_IDS, DEFAULTS, dintero_settings

ACCOUNT_ID = re.compile(r"^[TP]\d{8}$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# What the sandbox (and the contract it validates against) imports beyond the core: the
# ``[sandbox]`` extra.
POSITIVE_KEYS = ("CONNECT_TIMEOUT", "READ_TIMEOUT")
STORE_ID_LENGTH = 100  # what an outbox entry keeps of it


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_account() -> list[CheckMessage]:
    account_id = dintero_settings.ACCOUNT_ID
    if not account_id or ACCOUNT_ID.match(str(account_id)):
        return []
    return [
        Error(
            "DINTERO['ACCOUNT_ID'] is not a Dintero account id.",
            hint="T (test) or P (production) followed by eight digits, e.g. T12345678.",
            id="dintero.E001",
        )
    ]


def _check_connection() -> list[CheckMessage]:
    """The account's credentials and host (not needed by the sandbox, nor without an account)."""
    if dintero_settings.SANDBOX or not dintero_settings.ACCOUNT_ID:
        return []
    problems: list[CheckMessage] = [
        Error(
            f"DINTERO['{key}'] is not set while DINTERO['ACCOUNT_ID'] is.",
            hint=f"Set it, or the environment variable DINTERO_{key}.",
            id="dintero.E002",
        )
        for key in ("CLIENT_ID", "CLIENT_SECRET")
        if not getattr(dintero_settings, key)
    ]
    parts = urlsplit(str(dintero_settings.BASE_URL))
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        problems.append(
            Error(
                f"DINTERO['BASE_URL'] must be an https:// URL (got scheme {parts.scheme!r}).",
                hint="Plain http is accepted only for localhost, e.g. a local sandbox.",
                id="dintero.E003",
            )
        )
    return problems


def _check_values() -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if dintero_settings.CUSTOMER_ID not in CUSTOMER_IDS:
        problems.append(
            Error(
                "DINTERO['CUSTOMER_ID'] must be 'member' or 'shop'.",
                hint="'member' names the buyer by their member id, 'shop' by their account's "
                "id in the shop.",
                id="dintero.E005",
            )
        )
    for key in POSITIVE_KEYS:
        value = getattr(dintero_settings, key)
        if not _number(value) or value <= 0:
            problems.append(
                Error(f"DINTERO['{key}'] must be a positive number.", id="dintero.E006")
            )
    attempts = dintero_settings.RETRY_ATTEMPTS
    if not _whole(attempts) or attempts < 1:
        problems.append(
            Error(
                "DINTERO['RETRY_ATTEMPTS'] must be a whole number of at least 1.",
                id="dintero.E006",
            )
        )
    seconds = dintero_settings.RECEIPTS_CACHE_SECONDS
    if not _number(seconds) or seconds < 0:
        problems.append(
            Error(
                "DINTERO['RECEIPTS_CACHE_SECONDS'] must be a number of seconds (0 or more).",
                id="dintero.E006",
            )
        )
    days = dintero_settings.TOKEN_EXPIRE_DAYS
    if days is not None and (not _whole(days) or days < 1):
        problems.append(
            Error(
                "DINTERO['TOKEN_EXPIRE_DAYS'] must be None or a whole number of at least 1.",
                id="dintero.E006",
            )
        )
    store = dintero_settings.STORE_ID
    if not isinstance(store, str) or not store.strip() or len(store) > STORE_ID_LENGTH:
        problems.append(
            Error(
                f"DINTERO['STORE_ID'] must be a name of 1 to {STORE_ID_LENGTH} characters.",
                hint="The store's id at Dintero; keep it once receipts were sent.",
                id="dintero.E011",
            )
        )
    return problems


def _check_token_cache() -> list[CheckMessage]:
    alias = dintero_settings.TOKEN_CACHE
    if alias in getattr(settings, "CACHES", {}):
        return []
    return [
        Error(
            f"DINTERO['TOKEN_CACHE'] names the cache {alias!r}, which CACHES does not define.",
            id="dintero.E010",
        )
    ]


def _check_sandbox() -> list[CheckMessage]:
    return sandbox_problems(
        name="DINTERO",
        provider="Dintero",
        on=bool(dintero_settings.SANDBOX),
        without_debug=bool(dintero_settings.SANDBOX_WITHOUT_DEBUG),
        why="receipts sent to it are lost",
        credentials="the account's ACCOUNT_ID, CLIENT_ID and CLIENT_SECRET",
        debug_id="dintero.E007",
        missing_id="dintero.E008",
    )


def check_dintero_settings(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    raw = getattr(settings, "DINTERO", {})
    if not isinstance(raw, dict):
        return [Error("The DINTERO setting must be a dict.", id="dintero.E004")]
    problems = unknown_keys("DINTERO", raw, DEFAULTS, id="dintero.W001")
    problems += _check_sandbox()
    problems += _check_account()
    problems += _check_connection()
    problems += _check_values()
    problems += _check_token_cache()
    return problems


def check_dintero_deployment(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """``check --deploy``: a deployed shop never sends its receipts to the sandbox."""
    if dintero_settings.SANDBOX:
        return [
            Error(
                "The embedded Dintero sandbox is on.",
                hint="A deployed shop sends its receipts to Dintero: set DINTERO['SANDBOX'] = "
                "False and the account's ACCOUNT_ID, CLIENT_ID and CLIENT_SECRET.",
                id="dintero.E009",
            )
        ]
    return []


def register_checks() -> None:
    """Register the checks with Django (repeating it is harmless)."""
    register(check_dintero_settings, Tags.compatibility, "dintero")
    register(check_dintero_deployment, Tags.security, "dintero", deploy=True)
