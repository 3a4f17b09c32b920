"""System checks for the ``DILLER`` settings (ids ``diller.E…`` and ``diller.W…``)."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from .adapter import OSCAR_ADAPTER, DefaultAdapter, adapter_path
from .conf import DEFAULTS, app_settings
from .settings_checks import missing_sandbox_packages, unknown_keys

NUMERIC_KEYS = (
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "RETRY_BACKOFF",
    "RETRY_BACKOFF_MAX",
    "RETRY_TOTAL",
    "REQUEST_DEADLINE",
    "BREAKER_COOLDOWN",
    "OUTBOX_BACKOFF",
    "OUTBOX_BACKOFF_MAX",
    "OUTBOX_LEASE",
    "OUTBOX_SWEEP_GRACE",
    "JOIN_LINK_DAYS",
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
COUPON_CHOICES = ("payment-details", "step")
PARTIAL_RETURN_MODES = ("resend", "refund")
# What the sandbox (and the contract it validates against) imports beyond the core: the
# ``[sandbox]`` extra.
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
                "https://api.prerelease.dillerapp.com (or, with DEBUG on, "
                "DILLER['SANDBOX'] = True).",
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
                hint="Each process will fetch its own token and keep its own circuit breaker. "
                "Use Redis, Memcached or the database cache for DILLER['TOKEN_CACHE'].",
                id="diller.W003",
            )
        ]
    return []


def _check_rate_limits() -> list:
    """The shopper pages' limits (codes, wrong codes, activation tokens) hold only in a cache
    every process shares; and the client address they count per must be readable."""
    problems: list = []
    alias = app_settings.RATE_LIMIT_CACHE or app_settings.TOKEN_CACHE
    caches = getattr(settings, "CACHES", {})
    if alias not in caches:
        problems.append(
            Error(
                f"DILLER['RATE_LIMIT_CACHE'] names the cache {alias!r}, which CACHES does not "
                "define.",
                id="diller.E012",
            )
        )
    elif (
        caches[alias].get("BACKEND", "") in PROCESS_LOCAL_CACHES
        and not settings.DEBUG
        and not app_settings.SANDBOX
    ):
        problems.append(
            Warning(
                f"The cache {alias!r} that counts the loyalty pages' rate limits is not shared "
                "between processes.",
                hint="Each process counts codes, wrong codes and activation tokens on its own, "
                "so the limits are multiplied by the number of processes. Use Redis, Memcached "
                "or the database cache for DILLER['RATE_LIMIT_CACHE'] (or TOKEN_CACHE).",
                id="diller.W010",
            )
        )
    header, proxies = app_settings.CLIENT_IP_HEADER, app_settings.CLIENT_IP_PROXIES
    if header is not None and not (isinstance(header, str) and header):
        problems.append(
            Error(
                "DILLER['CLIENT_IP_HEADER'] must be a request.META key, such as "
                "'HTTP_X_FORWARDED_FOR', or None.",
                id="diller.E012",
            )
        )
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 1:
        problems.append(
            Error("DILLER['CLIENT_IP_PROXIES'] must be a whole number of at least 1.",
                  id="diller.E012")
        )  # fmt: skip
    return problems


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
    if app_settings.COUPON_CHOICE not in COUPON_CHOICES:
        problems.append(
            Error(
                "DILLER['COUPON_CHOICE'] must be 'payment-details' or 'step'.",
                hint="'payment-details' shows the coupons on the payment details page; "
                "'step' on a page of their own.",
                id="diller.E014",
            )
        )
    for key in ("OUTBOX_MAX_ATTEMPTS", "OUTBOX_NOT_FOUND_ATTEMPTS"):
        attempts = getattr(app_settings, key)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            problems.append(
                Error(f"DILLER['{key}'] must be a whole number of at least 1.", id="diller.E007")
            )
    return problems


def _check_adapter() -> list:
    """The adapter must import and be a DefaultAdapter: a broken one would silently remove
    every loyalty discount (the carrier offers fall back to no discount rather than fail). In
    an Oscar shop it should be an OscarAdapter: a DefaultAdapter knows no payment sources,
    categories nor staff's non-eligible marks."""
    path = adapter_path()
    default = f"{DefaultAdapter.__module__}.{DefaultAdapter.__qualname__}"
    try:
        adapter = import_string(path) if isinstance(path, str) else None
    except Exception as exc:  # ImportError, or any error raised while importing its module
        return [
            Error(
                f"DILLER['ADAPTER'] {path!r} cannot be imported ({type(exc).__name__}: {exc}).",
                hint=f"Name a subclass of {default} by its dotted path.",
                id="diller.E008",
            )
        ]
    if not (isinstance(adapter, type) and issubclass(adapter, DefaultAdapter)):
        return [
            Error(
                f"DILLER['ADAPTER'] {path!r} is not a subclass of {default}.",
                hint=f"Name a subclass of {default} by its dotted path.",
                id="diller.E008",
            )
        ]
    if apps.is_installed("django_diller.contrib.oscar") and not issubclass(
        adapter, import_string(OSCAR_ADAPTER)
    ):
        return [
            Warning(
                f"DILLER['ADAPTER'] {path!r} is not an OscarAdapter, while "
                "django_diller.contrib.oscar is installed: it knows no Oscar payment sources, "
                "categories, variants' parents, stock records nor non-eligible marks.",
                hint=f"Subclass {OSCAR_ADAPTER} instead.",
                id="diller.W011",
            )
        ]
    return []


def _check_offers_incl_tax() -> list:
    """The carrier offers discount lines tax-inclusively (Diller's amounts include VAT, and so
    do the chain's discount rules); Oscar refuses to mix that with a shop offer's tax-exclusive
    discount on the same line, and pricing such a basket would fail."""
    if not apps.is_installed("django_diller.contrib.oscar"):
        return []
    if getattr(settings, "OSCAR_OFFERS_INCL_TAX", False):
        return []
    return [
        Error(
            "OSCAR_OFFERS_INCL_TAX is off: the loyalty discounts are tax-inclusive, and Oscar "
            "cannot price a line that one of the shop's offers also discounts tax-exclusively.",
            hint="Set OSCAR_OFFERS_INCL_TAX = True.",
            id="diller.E015",
        )
    ]


def _check_order_transaction() -> list:
    """An Oscar shop should place orders inside the request's transaction: Oscar commits the
    order in a block of its own and its payment after it, so without ``ATOMIC_REQUESTS`` the
    order's transaction entry is committed, and its task sent, before the reservation of its
    coupons is queued, and the order's loyalty records are written apart from it."""
    if not apps.is_installed("django_diller.contrib.oscar"):
        return []
    if settings.DATABASES.get("default", {}).get("ATOMIC_REQUESTS"):
        return []
    return [
        Warning(
            "DATABASES['default']['ATOMIC_REQUESTS'] is off: a member's order, its payment "
            "and its loyalty records are committed apart, and the order's transaction can "
            "reach Diller before its coupons are reserved.",
            hint="Set ATOMIC_REQUESTS = True for the database of Oscar's orders.",
            id="diller.W012",
        )
    ]


def _check_sandbox() -> list:
    """The sandbox shows one-time codes and phone numbers: never with DEBUG off, unless test
    settings (which run with DEBUG off) say so."""
    if app_settings.SANDBOX and not settings.DEBUG and not app_settings.SANDBOX_WITHOUT_DEBUG:
        return [
            Error(
                "The embedded Diller sandbox is on while DEBUG is off.",
                hint="The sandbox is for development. Set DILLER['SANDBOX'] = False and "
                "the Diller host's BASE_URL, CLIENT_ID and CLIENT_SECRET; only test settings "
                "may set DILLER['SANDBOX_WITHOUT_DEBUG'] = True.",
                id="diller.E009",
            )
        ]
    return []


def _check_sandbox_installed() -> list:
    """The sandbox needs the ``[sandbox]`` extra; without it the first page would fail."""
    if not app_settings.SANDBOX:
        return []
    return missing_sandbox_packages(name="DILLER", provider="Diller", id="diller.E013")


def _check_time_zone() -> list:
    name = app_settings.TIME_ZONE
    if name is None:
        return []
    try:
        ZoneInfo(str(name))
    except (ValueError, LookupError):
        return [
            Error(
                f"DILLER['TIME_ZONE'] {name!r} is not a known time zone.",
                hint="Use the Diller store's time zone as an IANA name, e.g. 'Europe/Oslo'.",
                id="diller.E011",
            )
        ]
    return []


@register(Tags.security, "diller", deploy=True)
def check_diller_deployment(app_configs=None, **kwargs) -> list:
    """``check --deploy``: a deployed shop never runs the sandbox, whatever DEBUG says."""
    if app_settings.SANDBOX:
        return [
            Error(
                "The embedded Diller sandbox is on.",
                hint="A deployed shop talks to a Diller host: set DILLER['SANDBOX'] = False "
                "and the host's BASE_URL, CLIENT_ID and CLIENT_SECRET.",
                id="diller.E010",
            )
        ]
    return []


@register(Tags.compatibility, "diller")
def check_diller_settings(app_configs=None, **kwargs) -> list:
    raw = getattr(settings, "DILLER", {})
    if not isinstance(raw, dict):
        return [Error("The DILLER setting must be a dict.", id="diller.E001")]
    problems: list = unknown_keys("DILLER", raw, DEFAULTS, id="diller.W004")
    for key in NUMERIC_KEYS:
        value = getattr(app_settings, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(Error(f"DILLER['{key}'] must be a positive number.", id="diller.E006"))
    unpaid = app_settings.RELEASE_UNPAID_AFTER_MINUTES
    if unpaid is not None and (
        isinstance(unpaid, bool) or not isinstance(unpaid, int | float) or unpaid <= 0
    ):
        problems.append(
            Error(
                "DILLER['RELEASE_UNPAID_AFTER_MINUTES'] must be a positive number or None.",
                id="diller.E006",
            )
        )
    attempts = app_settings.RETRY_ATTEMPTS
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        problems.append(
            Error(
                "DILLER['RETRY_ATTEMPTS'] must be a whole number of at least 1.", id="diller.E006"
            )
        )
    failures = app_settings.BREAKER_FAILURES
    if isinstance(failures, bool) or not isinstance(failures, int) or failures < 0:
        problems.append(
            Error(
                "DILLER['BREAKER_FAILURES'] must be a whole number (0 turns the breaker off).",
                id="diller.E006",
            )
        )
    problems += _check_transaction_settings()
    problems += _check_adapter()
    problems += _check_offers_incl_tax()
    problems += _check_order_transaction()
    problems += _check_time_zone()
    problems += _check_sandbox()
    problems += _check_sandbox_installed()
    if not app_settings.SANDBOX:
        problems += _check_connection()
    problems += _check_token_cache()
    problems += _check_rate_limits()
    return problems
