"""Dintero's settings: one ``DINTERO = {...}`` dict, read lazily.

Every read goes back to ``django.conf.settings``, so ``override_settings(DINTERO=...)`` works in
tests. The connection values fall back to environment variables (``DINTERO_BASE_URL``,
``DINTERO_ACCOUNT_ID``, ``DINTERO_CLIENT_ID``, ``DINTERO_CLIENT_SECRET``), so a secret need not
live in the settings file. Receipts are off until an account is configured (:func:`enabled`):
a shop without Dintero queues nothing.

Keys (defaults in brackets):

``SANDBOX`` [False]
    Send receipts to the embedded, in-process Dintero sandbox instead of Dintero (its demo
    account ``T12345678``); the connection keys are then not needed. Only with ``DEBUG`` on,
    or with ``SANDBOX_WITHOUT_DEBUG``: otherwise ``check`` fails (``dintero.E007``) and receipts
    stay off.
``SANDBOX_WITHOUT_DEBUG`` [False]
    Allow the sandbox while ``DEBUG`` is off. For test settings only; ``check --deploy`` fails
    with the sandbox on (``dintero.E009``).
``BASE_URL`` ["https://api.dintero.com/v1"]
    Dintero's API, its ``/v1`` base path included (a proxy's, or a sandbox server's, address
    instead).
``ACCOUNT_ID``, ``CLIENT_ID``, ``CLIENT_SECRET``
    The Dintero account (``T`` for test or ``P`` for production, then eight digits) and the
    API client's credentials. Without an account, receipts are off.
``STORE_ID`` ["webshop"], ``STORE_NAME`` [""], ``BUSINESS_NAME`` [""], ``CHAIN`` [""],
``ORGANIZATION_NUMBER`` [""]
    The store every receipt is from: its id at Dintero (with the receipt id, what makes a
    receipt unique: keep it once receipts were sent), its name, the business's legal name, the
    chain and the organisation number. Empty names are left out of the receipt.
``CUSTOMER_ID`` ["member"]
    How a receipt names the buyer who lets the shop keep their purchase history: ``"member"``,
    by their member id in the loyalty club, or ``"shop"``, by their account's id in the shop
    (a guest has none). A buyer who does not allow it gets an anonymous receipt.
``TOKEN_EXPIRE_DAYS`` [None]
    Days for which Dintero adds a receipt token to each receipt (to fetch and claim it by);
    None adds none.
``RECEIPTS_CACHE_SECONDS`` [300]
    How long a customer's receipts fetched from Dintero are reused.
``CONNECT_TIMEOUT`` [3.0], ``READ_TIMEOUT`` [10.0]
    Seconds.
``RETRY_ATTEMPTS`` [3]
    Attempts of one call, the first included, where a repeat is safe (reads, and writes that
    certainly never reached Dintero). The outbox tries a receipt again later on its own.
``TOKEN_CACHE`` ["default"]
    The cache alias where OAuth2 tokens are shared between processes (a shared cache in
    production, so that workers do not each fetch one).
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from .api import DINTERO_API

DEFAULTS: dict[str, Any] = {
    "SANDBOX": False,
    "SANDBOX_WITHOUT_DEBUG": False,
    "BASE_URL": DINTERO_API,
    "ACCOUNT_ID": None,
    "CLIENT_ID": None,
    "CLIENT_SECRET": None,
    "STORE_ID": "webshop",
    "STORE_NAME": "",
    "BUSINESS_NAME": "",
    "CHAIN": "",
    "ORGANIZATION_NUMBER": "",
    "CUSTOMER_ID": "member",
    "TOKEN_EXPIRE_DAYS": None,
    "RECEIPTS_CACHE_SECONDS": 300,
    "CONNECT_TIMEOUT": 3.0,
    "READ_TIMEOUT": 10.0,
    "RETRY_ATTEMPTS": 3,
    "TOKEN_CACHE": "default",
}

ENVIRONMENT_FALLBACKS: dict[str, str] = {
    "BASE_URL": "DINTERO_BASE_URL",
    "ACCOUNT_ID": "DINTERO_ACCOUNT_ID",
    "CLIENT_ID": "DINTERO_CLIENT_ID",
    "CLIENT_SECRET": "DINTERO_CLIENT_SECRET",
}

CUSTOMER_IDS = ("member", "shop")


class DinteroSettings:
    """Attribute access to the ``DINTERO`` settings dict, with defaults and env fallbacks."""

    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "DINTERO", {})
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown Dintero setting {name!r}")
        value = self.user_settings().get(name)
        if value in (None, "") and name in ENVIRONMENT_FALLBACKS:
            value = os.environ.get(ENVIRONMENT_FALLBACKS[name]) or None
        return DEFAULTS[name] if value is None else value


dintero_settings = DinteroSettings()


def sandbox_allowed() -> bool:
    """Is the sandbox on, and may it be (``DEBUG`` on, or test settings that allow it)?"""
    return bool(dintero_settings.SANDBOX) and bool(
        settings.DEBUG or dintero_settings.SANDBOX_WITHOUT_DEBUG
    )


def enabled() -> bool:
    """Are receipts on: an account configured, or the sandbox on (where it may be)?"""
    if dintero_settings.SANDBOX:
        return sandbox_allowed()
    return bool(dintero_settings.ACCOUNT_ID)
