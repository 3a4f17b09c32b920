"""The plugin's settings: one ``DILLER = {...}`` dict, read lazily.

Every read goes back to ``django.conf.settings``, so ``override_settings(DILLER=...)`` works in
tests. The connection values fall back to environment variables (``DILLER_BASE_URL``,
``DILLER_CLIENT_ID``, ``DILLER_CLIENT_SECRET``, ``DILLER_STORE_ID``, ``DILLER_DEPARTMENT_ID``), so a
secret need not live in the settings file.

Keys (defaults in brackets):

``SANDBOX`` [False]
    Talk to the embedded in-process Diller sandbox instead of a Diller host. For the demo, tests
    and offline development; the connection keys are then not needed. Only with ``DEBUG`` on:
    otherwise ``check`` fails (``diller.E009``) and the sandbox's messages page, which shows the
    one-time codes and phone numbers it "sent", answers 404.
``SANDBOX_WITHOUT_DEBUG`` [False]
    Allow the sandbox while ``DEBUG`` is off. For test settings only (Django's test runner and
    pytest-django turn ``DEBUG`` off); ``check --deploy`` fails with the sandbox on
    (``diller.E010``).
``SANDBOX_SHOP_URL`` [None]
    The shop's own address (e.g. ``"http://127.0.0.1:8000"``) that every link the sandbox puts
    in a text points at (the activation link of a join invitation), so that in the demo each
    link opens the shop's page. None: the links are bare paths, which the shop's sandbox
    messages page opens on its own host. ``manage.py diller_sandbox`` reads it too
    (``--shop-url``). The example shop's dev settings set it from ``DEMO_ADDR``.
``BASE_URL``, ``CLIENT_ID``, ``CLIENT_SECRET``
    The Diller host (e.g. ``https://api.prerelease.dillerapp.com``), store UID and API key.
``STORE_ID``, ``DEPARTMENT_ID``
    The store and the web shop's department. Staff may choose them on the set-up page in Django
    admin instead; a choice saved there wins over these.
``TIME_ZONE`` [None: Django's ``TIME_ZONE``]
    The Diller store's time zone (an IANA name such as ``"Europe/Oslo"``: the store's
    ``time_zone``). Date-times Diller sends without an offset are read in it.
``CONNECT_TIMEOUT`` [3.0], ``READ_TIMEOUT`` [10.0]
    Seconds.
``RETRY_ATTEMPTS`` [3], ``RETRY_BACKOFF`` [0.25], ``RETRY_BACKOFF_MAX`` [4.0],
``RETRY_TOTAL`` [20.0]
    Bounded retries of idempotent calls: attempts including the first, the first backoff, the
    largest backoff, and the most seconds one call may spend retrying.
``REQUEST_DEADLINE`` [4.0]
    The most seconds one Diller call may take while someone waits for it (a web request),
    retries and the token fetch included; the timeouts above are cut to fit. Background work
    (outbox deliveries, Celery tasks) keeps the timeouts and retries above. See
    ``django_diller.loyalty.waiting``.
``BREAKER_FAILURES`` [5], ``BREAKER_COOLDOWN`` [30.0]
    The circuit breaker: after this many failed calls in a row (Diller unavailable or no answer
    in time), calls made while someone waits fail at once, without waiting for Diller, for
    this many seconds; then one call tries again. 0 failures turns the breaker off.
``TOKEN_CACHE`` ["default"]
    The cache alias where OAuth2 tokens and the circuit breaker's state are shared between
    processes. Use a shared cache (Redis, Memcached, database) in production so that workers
    do not each fetch tokens nor each wait for a Diller that has stopped answering.
``RATE_LIMIT_CACHE`` [None: the ``TOKEN_CACHE`` alias]
    The cache alias that counts one-time codes sent, wrong codes and unknown activation
    tokens. Counted with atomic ``add``/``incr``, so the limits hold under parallel requests
    when the cache is shared by every process (Redis, Memcached, database); a per-process
    cache (``LocMemCache``) gives each process its own limits (``check`` warns, diller.W010).
``CLIENT_IP_HEADER`` [None], ``CLIENT_IP_PROXIES`` [1]
    Where the shopper pages read the client address their limits count per. None:
    ``REMOTE_ADDR``. A shop behind a reverse proxy names the ``request.META`` key its proxy
    sets, e.g. ``"HTTP_X_FORWARDED_FOR"`` or ``"HTTP_X_REAL_IP"``; in a comma-separated list
    the address taken is the one ``CLIENT_IP_PROXIES`` places from the right (each trusted
    proxy appends the address it saw, so the left part is whatever the client sent).
``JOIN_LINK_DAYS`` [7]
    How long a join waits for the phone's owner to follow the link Diller texted (a new phone
    on the join page, or a guest who ticked "join"); a guest's purchase waits as long.
``SYSTEM_ID`` ["django-diller"]
    ``origin.system_id`` sent with members and transactions.
``ADAPTER`` [None: the Oscar adapter when ``django_diller.contrib.oscar`` is installed]
    The class that knows the shop: a product's external id at Diller, which lines may take
    loyalty discounts, the client address, the shopper's country. None picks
    ``django_diller.contrib.oscar.adapter.OscarAdapter`` when the Oscar integration is
    installed, else ``django_diller.adapter.DefaultAdapter``. Subclass one and name yours here
    (see ``docs/customising.md``).
``WALLET_CACHE_SECONDS`` [120]
    How long a member's coupons and stamp cards fetched from Diller are reused.
``PREFETCH_WALLET`` [True]
    Fetch a member's coupons and stamp cards in a Celery task when they log in or add to the
    basket, so that the checkout's coupon step finds them in the cache (no round trip to
    Diller while the shopper waits).
``COUPON_CHOICE`` ["payment-details"]
    Where an Oscar shop's members choose their coupons: ``"payment-details"``, on the payment
    details page (its template includes ``django_diller/oscar/_coupon_choice.html`` in a form
    that posts to the preview), or ``"step"``, on a page of its own between the payment method
    and the payment details (``DillerPaymentMethodMixin`` leads members to it).
``NON_ELIGIBLE_CACHE_SECONDS`` [900]
    How long Diller's non-eligible product list (gift cards and other goods that take no
    discount, stamp or points) is used before it is fetched again. Pricing never waits for
    it: a stale or cold list is served from its last copy in the database while a Celery task
    fetches a fresh one.
``RELEASE_ON_ORDER_STATUSES`` [["Cancelled"]]
    Oscar order statuses on which the order's coupon and stamp-card reservations are released
    at Diller.
``RELEASE_UNPAID_AFTER_MINUTES`` [60]
    The coupon reservations of an order that was never paid (no payment event, no money
    allocated or debited on a payment source, no purchase sent) are released this many minutes
    after it was placed, by the Celery beat task
    ``django_diller.contrib.oscar.tasks.release_unpaid_reservations``. None keeps them until
    the order is cancelled.

Transactions (see ``docs/transactions.md``):

``SEND_ON_PAYMENT_EVENTS`` [["Settled"]], ``SEND_ON_ORDER_STATUSES`` [[]],
``SEND_ON_ORDER_PLACED`` [False]
    When a member's order goes to Diller: when a payment event of one of these types is
    recorded, when the order reaches one of these statuses, or as soon as it is placed (for
    shops whose payment settles at once). The first one that happens sends it; later ones
    find it already queued.
``CANCEL_ON_ORDER_STATUSES`` [["Cancelled"]]
    Statuses that cancel the whole transaction (full refund or cancellation).
``RETURN_ON_PAYMENT_EVENTS`` [["Refunded"]], ``RETURN_ON_SHIPPING_EVENTS`` [[]],
``RETURN_ON_REFUND_TRANSACTIONS`` [[]]
    Partial returns: payment events and shipping events (with their line quantities) of these
    types, and payment-source transactions (``oscar.apps.payment``, amount only) of these
    ``txn_type`` values, e.g. ``["Refund"]``. Enable one family per kind of return: each event
    counts as a return of its own.
``PARTIAL_RETURNS`` ["resend"]
    ``"resend"``: Diller's guide, cancel the transaction and send what was kept as a new one
    (coupons and stamps stay right). ``"refund"``: the partial refund endpoint (points only).
    Either way a return that brings back the whole order cancels the transaction; in
    ``"refund"`` mode, after an earlier refund, it refunds everything the transaction still
    holds instead, shipping included.
``SHIPPING_AS_DETAIL`` [True]
    Send the shipping charge as a detail line of its own (product external id
    ``SHIPPING_PRODUCT_ID`` ["shipping"]), so the details add up to the order total. False
    leaves shipping out of the details and the total.
``OUTBOX_MAX_ATTEMPTS`` [10], ``OUTBOX_BACKOFF`` [30.0], ``OUTBOX_BACKOFF_MAX`` [21600.0],
``OUTBOX_LEASE`` [300.0], ``OUTBOX_SWEEP_GRACE`` [15.0]
    Attempts before an entry is dead; the first backoff and the largest one (seconds, doubled
    per attempt, full jitter); how long a worker holds an entry it claimed before another may
    take it again (longer than one send can take); how long past its due time a queued
    delivery task may be late before the sweep queues another.
``OUTBOX_NOT_FOUND_ATTEMPTS`` [3]
    Attempts (at most ``OUTBOX_MAX_ATTEMPTS``) of a cancel or refund that Diller answers "not
    found" for a transaction whose own answer was never seen (its entry is dead, or was taken
    as received from a duplicate answer); then it is dead, for staff.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "SANDBOX": False,
    "SANDBOX_WITHOUT_DEBUG": False,
    "SANDBOX_SHOP_URL": None,
    "BASE_URL": None,
    "CLIENT_ID": None,
    "CLIENT_SECRET": None,
    "STORE_ID": None,
    "DEPARTMENT_ID": None,
    "TIME_ZONE": None,
    "CONNECT_TIMEOUT": 3.0,
    "READ_TIMEOUT": 10.0,
    "RETRY_ATTEMPTS": 3,
    "RETRY_BACKOFF": 0.25,
    "RETRY_BACKOFF_MAX": 4.0,
    "RETRY_TOTAL": 20.0,
    "REQUEST_DEADLINE": 4.0,
    "BREAKER_FAILURES": 5,
    "BREAKER_COOLDOWN": 30.0,
    "TOKEN_CACHE": "default",
    "RATE_LIMIT_CACHE": None,
    "CLIENT_IP_HEADER": None,
    "CLIENT_IP_PROXIES": 1,
    "JOIN_LINK_DAYS": 7,
    "SYSTEM_ID": "django-diller",
    "ADAPTER": None,
    "WALLET_CACHE_SECONDS": 120,
    "PREFETCH_WALLET": True,
    "COUPON_CHOICE": "payment-details",
    "NON_ELIGIBLE_CACHE_SECONDS": 900,
    "RELEASE_ON_ORDER_STATUSES": ["Cancelled"],
    "RELEASE_UNPAID_AFTER_MINUTES": 60,
    "SEND_ON_PAYMENT_EVENTS": ["Settled"],
    "SEND_ON_ORDER_STATUSES": [],
    "SEND_ON_ORDER_PLACED": False,
    "CANCEL_ON_ORDER_STATUSES": ["Cancelled"],
    "RETURN_ON_PAYMENT_EVENTS": ["Refunded"],
    "RETURN_ON_SHIPPING_EVENTS": [],
    "RETURN_ON_REFUND_TRANSACTIONS": [],
    "PARTIAL_RETURNS": "resend",
    "SHIPPING_AS_DETAIL": True,
    "SHIPPING_PRODUCT_ID": "shipping",
    "OUTBOX_MAX_ATTEMPTS": 10,
    "OUTBOX_BACKOFF": 30.0,
    "OUTBOX_BACKOFF_MAX": 21600.0,
    "OUTBOX_LEASE": 300.0,
    "OUTBOX_SWEEP_GRACE": 15.0,
    "OUTBOX_NOT_FOUND_ATTEMPTS": 3,
}

ENVIRONMENT_FALLBACKS: dict[str, str] = {
    "BASE_URL": "DILLER_BASE_URL",
    "CLIENT_ID": "DILLER_CLIENT_ID",
    "CLIENT_SECRET": "DILLER_CLIENT_SECRET",
    "STORE_ID": "DILLER_STORE_ID",
    "DEPARTMENT_ID": "DILLER_DEPARTMENT_ID",
}


class DillerSettings:
    """Attribute access to the ``DILLER`` settings dict, with defaults and env fallbacks."""

    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "DILLER", {})
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown Diller setting {name!r}")
        value = self.user_settings().get(name)
        if value in (None, "") and name in ENVIRONMENT_FALLBACKS:
            value = os.environ.get(ENVIRONMENT_FALLBACKS[name]) or None
        return DEFAULTS[name] if value is None else value


app_settings = DillerSettings()


def sandbox_allowed() -> bool:
    """Is the sandbox on, and may it be (``DEBUG`` on, or test settings that allow it)?"""
    return bool(app_settings.SANDBOX) and bool(settings.DEBUG or app_settings.SANDBOX_WITHOUT_DEBUG)
