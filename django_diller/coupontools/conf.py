"""Coupontools' settings: one ``COUPONTOOLS = {...}`` dict, read lazily.

Every read goes back to ``django.conf.settings``, so ``override_settings(COUPONTOOLS=...)``
works in tests. The connection values fall back to environment variables
(``COUPONTOOLS_BASE_URL``, ``COUPONTOOLS_CLIENT_ID``, ``COUPONTOOLS_CLIENT_SECRET``), so a secret
need not live in the settings file. Vouchers are off until an API client is configured
(:func:`enabled`): a shop without Coupontools shows no voucher field and queues nothing.

Keys (defaults in brackets):

``SANDBOX`` [False]
    Talk to the embedded, in-process Coupontools sandbox (its demo company and vouchers)
    instead of Coupontools; the connection keys are then not needed. Only with ``DEBUG`` on, or
    with ``SANDBOX_WITHOUT_DEBUG``: otherwise ``check`` fails (``coupontools.E003``) and
    vouchers stay off.
``SANDBOX_WITHOUT_DEBUG`` [False]
    Allow the sandbox while ``DEBUG`` is off. For test settings only; ``check --deploy`` fails
    with the sandbox on (``coupontools.E011``).
``BASE_URL`` ["https://api.coupontools.com"]
    Coupontools' host, without a path (the operations' paths carry ``/v3``); a proxy's, or a
    sandbox server's, address instead.
``CLIENT_ID``, ``CLIENT_SECRET``
    The API client's credentials, sent as the ``X-Client-Id`` and ``X-Client-Secret`` headers.
    Without a client id, vouchers are off.
``BODY`` ["form"]
    How requests send their parameters: ``"form"`` (form fields, as the integration guide
    shows) or ``"json"`` (a JSON object).
``SESSION_PARAMETER`` ["couponsession"]
    The look-up's parameter naming the coupon session.
``UPDATE_PARAMETERS`` [{}]
    Overrides of the update's parameter names and action values, by the fields of
    :class:`~django_diller.coupontools.api.UpdateParameters`: ``session``, ``action``,
    ``money_spent``, ``lock``, ``unlock``, ``validate``, ``void``. The guide names only
    ``couponsession``, ``money_spent`` and the ``validate`` command; the rest are assumed, so
    that an account that names them otherwise needs no code change.
``VALUE_FIELD`` [None]
    A custom field of the session that holds the voucher's value (``custom1``…), read before
    the session's ``value``; None reads ``value`` only.
``EXPIRATION_TIME_ZONE`` [None: UTC]
    The time zone (an IANA name such as ``"Europe/Oslo"``) Coupontools writes a session's
    ``expiration_date`` in: the field has no ``_utc`` suffix and its zone is not documented.
``LOCK_MINUTES`` [30]
    A voucher locked for a checkout that was abandoned (never paid, never cancelled) is
    unlocked after this many minutes.
``CONNECT_TIMEOUT`` [3.0], ``READ_TIMEOUT`` [10.0]
    Seconds.
``REQUEST_DEADLINE`` [4.0]
    The most seconds a call may take, retries included, while a person waits for it (a
    shopper entering a voucher, staff at the counter). Background work (the outbox) has none.
``RETRY_ATTEMPTS`` [3]
    Attempts of one call, the first included, where a repeat is safe (the look-up, and updates
    that certainly never reached Coupontools). The outbox tries an update again later on its own.
``COMBINABLE_WITH_DILLER`` [True]
    Whether a voucher without a rule of its campaign (:class:`~.models.VoucherRule`) may be used
    together with Diller's coupons in one basket.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from .api import DEFAULT_BASE_URL

DEFAULTS: dict[str, Any] = {
    "SANDBOX": False,
    "SANDBOX_WITHOUT_DEBUG": False,
    "BASE_URL": DEFAULT_BASE_URL,
    "CLIENT_ID": None,
    "CLIENT_SECRET": None,
    "BODY": "form",
    "SESSION_PARAMETER": "couponsession",
    "UPDATE_PARAMETERS": {},
    "VALUE_FIELD": None,
    "EXPIRATION_TIME_ZONE": None,
    "LOCK_MINUTES": 30,
    "CONNECT_TIMEOUT": 3.0,
    "READ_TIMEOUT": 10.0,
    "REQUEST_DEADLINE": 4.0,
    "RETRY_ATTEMPTS": 3,
    "COMBINABLE_WITH_DILLER": True,
}

ENVIRONMENT_FALLBACKS: dict[str, str] = {
    "BASE_URL": "COUPONTOOLS_BASE_URL",
    "CLIENT_ID": "COUPONTOOLS_CLIENT_ID",
    "CLIENT_SECRET": "COUPONTOOLS_CLIENT_SECRET",
}

BODIES = ("form", "json")


class CoupontoolsSettings:
    """Attribute access to the ``COUPONTOOLS`` settings dict, with defaults and env fallbacks."""

    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "COUPONTOOLS", {})
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown Coupontools setting {name!r}")
        value = self.user_settings().get(name)
        if value in (None, "") and name in ENVIRONMENT_FALLBACKS:
            value = os.environ.get(ENVIRONMENT_FALLBACKS[name]) or None
        return DEFAULTS[name] if value is None else value


coupontools_settings = CoupontoolsSettings()


def sandbox_allowed() -> bool:
    """Is the sandbox on, and may it be (``DEBUG`` on, or test settings that allow it)?"""
    return bool(coupontools_settings.SANDBOX) and bool(
        settings.DEBUG or coupontools_settings.SANDBOX_WITHOUT_DEBUG
    )


def enabled() -> bool:
    """Are vouchers on: an API client configured, or the sandbox on (where it may be)?"""
    if coupontools_settings.SANDBOX:
        return sandbox_allowed()
    return bool(coupontools_settings.CLIENT_ID)


__all__ = [
    "BODIES",
    "DEFAULTS",
    "ENVIRONMENT_FALLBACKS",
    "CoupontoolsSettings",
    "coupontools_settings",
    "enabled",
    "sandbox_allowed",
]
