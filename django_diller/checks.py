"""System checks for the ``DILLER`` settings (ids ``diller.E…`` and ``diller.W…``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .conf import DEFAULTS, app_settings

NUMERIC_KEYS = (
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "RETRY_BACKOFF",
    "RETRY_BACKOFF_MAX",
    "RETRY_TOTAL",
    "OUTBOX_BACKOFF",
    "OUTBOX_BACKOFF_MAX",
    "OUTBOX_LEASE",
    "OUTBOX_SWEEP_GRACE",
)
LIST_KEYS = (
    "RELEASE_ON_ORDER_STATUSES",
    "SEND_ON_PAYMENT_EVENTS",
    "SEND_ON_ORDER_STATUSES",
    "CANCEL_ON_ORDER_STATUSES",
    "RETURN_ON_PAYMENT_EVENTS",
    "RETURN_ON_SHIPPING_EVENTS",
    "RETURN_ON_REFUND_TRANSACTIONS",
)
PARTIAL_RETURN_MODES = ("resend", "refund")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def _check_connection() -> list:
    problems = []
    base_url = app_settings.BASE_URL
    if not base_url:
        problems.append(
            Error(
                "No Diller host is configured.",
                hint="Set DILLER['BASE_URL'] or DILLER_BASE_URL, e.g. "
                "https://api.prerelease.dillerapp.com, or DILLER['SANDBOX'] = True.",
                id="diller.E002",
            )
        )
    else:
        parts = urlsplit(str(base_url))
        local = parts.hostname in LOCAL_HOSTS
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            problems.append(
                Error(
                    f"DILLER['BASE_URL'] must be an https:// URL (got scheme {parts.scheme!r}).",
                    hint="Plain http is accepted only for localhost, e.g. a local sandbox.",
                    id="diller.E003",
                )
            )
    for key in ("CLIENT_ID", "CLIENT_SECRET"):
        if not getattr(app_settings, key):
            problems.append(
                Error(
                    f"DILLER['{key}'] is not set.",
                    hint=f"Set it, or the environment variable DILLER_{key}.",
                    id="diller.E004",
                )
            )
    for key, hint_id in (("STORE_ID", "diller.W001"), ("DEPARTMENT_ID", "diller.W002")):
        if not getattr(app_settings, key):
            problems.append(
                Warning(
                    f"DILLER['{key}'] is not set.",
                    hint="Choose it on the Diller set-up page in Django admin, or set "
                    f"DILLER_{key}.",
                    id=hint_id,
                )
            )
    return problems


def _check_token_cache() -> list:
    alias = app_settings.TOKEN_CACHE
    caches = getattr(settings, "CACHES", {})
    if alias not in caches:
        return [
            Error(
                f"DILLER['TOKEN_CACHE'] names the cache {alias!r}, which CACHES does not define.",
                id="diller.E005",
            )
        ]
    backend = caches[alias].get("BACKEND", "")
    if backend in PROCESS_LOCAL_CACHES and not settings.DEBUG and not app_settings.SANDBOX:
        return [
            Warning(
                f"The Diller token cache {alias!r} is not shared between processes.",
                hint="Each process will fetch its own token. Use Redis, Memcached or the "
                "database cache for DILLER['TOKEN_CACHE'].",
                id="diller.W003",
            )
        ]
    return []


def _check_transaction_settings() -> list:
    problems = [
        Error(f"DILLER['{key}'] must be a list of names.", id="diller.E007")
        for key in LIST_KEYS
        if not isinstance(getattr(app_settings, key), list | tuple)
        or not all(isinstance(name, str) for name in getattr(app_settings, key))
    ]
    if app_settings.PARTIAL_RETURNS not in PARTIAL_RETURN_MODES:
        problems.append(
            Error(
                "DILLER['PARTIAL_RETURNS'] must be 'resend' or 'refund'.",
                hint="'resend' cancels and sends what was kept; 'refund' uses the refund endpoint.",
                id="diller.E007",
            )
        )
    attempts = app_settings.OUTBOX_MAX_ATTEMPTS
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        problems.append(
            Error(
                "DILLER['OUTBOX_MAX_ATTEMPTS'] must be a whole number of at least 1.",
                id="diller.E007",
            )
        )
    return problems


@register(Tags.compatibility, "diller")
def check_diller_settings(app_configs=None, **kwargs) -> list:
    raw = getattr(settings, "DILLER", {})
    if not isinstance(raw, dict):
        return [Error("The DILLER setting must be a dict.", id="diller.E001")]
    problems: list = [
        Warning(
            f"DILLER has an unknown key {key!r}.",
            hint="Known keys: " + ", ".join(sorted(DEFAULTS)),
            id="diller.W004",
        )
        for key in raw
        if key not in DEFAULTS
    ]
    for key in NUMERIC_KEYS:
        value = getattr(app_settings, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(Error(f"DILLER['{key}'] must be a positive number.", id="diller.E006"))
    attempts = app_settings.RETRY_ATTEMPTS
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        problems.append(
            Error(
                "DILLER['RETRY_ATTEMPTS'] must be a whole number of at least 1.", id="diller.E006"
            )
        )
    problems += _check_transaction_settings()
    if not app_settings.SANDBOX:
        problems += _check_connection()
    problems += _check_token_cache()
    return problems
