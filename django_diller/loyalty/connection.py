"""Which Diller to talk to, and the shared client objects for it.

Sync clients are built once per process and connection settings (they hold a connection pool);
async clients once per event loop, since their pool belongs to the loop. All share OAuth2 tokens
and the circuit breaker through the Django cache named by ``DILLER['TOKEN_CACHE']``. In sandbox
mode they talk to one embedded, in-process :class:`~django_diller.sandbox.Sandbox`.

Each client handed out is bounded or not according to who waits for its calls (see
:mod:`~django_diller.loyalty.waiting`): take it where the calls are decided, in the thread
that serves the shopper, and hand it to worker threads from there.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import weakref
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import request_memo
from ..api import AsyncDillerClient, ClientConfig, DillerClient, RetryPolicy, Timeouts
from ..conf import app_settings, sandbox_allowed
from ..models import STORE_CONFIGURATION_CACHE_KEY, StoreConfiguration
from ..shared_clients import SharedClients
from ..token_cache import DjangoCacheTokenStore
from .breaker import shared_breaker
from .waiting import call_deadline

if TYPE_CHECKING:
    from ..sandbox import Sandbox

SANDBOX_BASE_URL = "https://sandbox.diller.invalid"

_lock = threading.Lock()  # the async clients'
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, Any]] = (
    weakref.WeakKeyDictionary()
)


class NotConfigured(Exception):
    """The Diller connection is not configured (see ``manage.py check``)."""


def _new_sandbox() -> Sandbox:
    from ..sandbox import Sandbox

    return Sandbox(seed=True, activation_url=shop_activation_link())


_shared: SharedClients[DillerClient, Sandbox] = SharedClients(_new_sandbox)


def embedded_sandbox() -> Sandbox:
    """The process's in-process sandbox, seeded on first use."""
    return _shared.sandbox()


def sandbox_shop_link(path: str, shop_url: str | None = None) -> str:
    """A shop page as the sandbox puts it in a text: on ``shop_url`` (by default
    ``DILLER['SANDBOX_SHOP_URL']``), else the bare path, which the sandbox's messages page
    opens on the shop's own host. Every link the sandbox texts is made here."""
    base = shop_url if shop_url is not None else app_settings.SANDBOX_SHOP_URL
    return f"{str(base).rstrip('/')}{path}" if base else path


def shop_activation_link(shop_url: str | None = None) -> str | None:
    """The shop's activation page, which the sandbox's enroll SMS links to."""
    from django.urls import NoReverseMatch, reverse

    try:
        return sandbox_shop_link(reverse("diller:activate"), shop_url)
    except NoReverseMatch:  # the shopper pages are not installed
        return None


@dataclass(frozen=True)
class Connection:
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    sandbox: bool = False

    @property
    def key(self) -> tuple:
        """Identifies the connection without holding the secret itself."""
        secret_digest = hashlib.sha256(self.client_secret.encode()).hexdigest()[:16]
        return (self.base_url, self.client_id, secret_digest, self.sandbox)


def connection() -> Connection:
    if app_settings.SANDBOX:
        if not sandbox_allowed():  # never an in-memory Diller behind a production shop
            raise NotConfigured("the sandbox is on while DEBUG is off (see diller.E009)")
        from ..sandbox.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

        return Connection(SANDBOX_BASE_URL, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, True)
    base_url, client_id = app_settings.BASE_URL, app_settings.CLIENT_ID
    secret = app_settings.CLIENT_SECRET
    if not (base_url and client_id and secret):
        raise NotConfigured("the Diller host and credentials are not configured")
    return Connection(str(base_url), str(client_id), str(secret), False)


def _chosen(field: str, setting: str, seed: str) -> str | None:
    """Staff's choice on the set-up page, else the setting, else (sandbox) the seed's; worked
    out once per request (a checkout page asks up to five times)."""
    return request_memo.remembered(
        (STORE_CONFIGURATION_CACHE_KEY, field), partial(_work_out, field, setting, seed)
    )


def _work_out(field: str, setting: str, seed: str) -> str | None:
    saved = StoreConfiguration.current()
    if saved and getattr(saved, field):
        return str(getattr(saved, field))
    if value := getattr(app_settings, setting):
        return str(value)
    if app_settings.SANDBOX:
        from ..sandbox import seed as sandbox_seed

        return str(getattr(sandbox_seed, seed))
    return None


def current_store_id() -> str | None:
    return _chosen("store_id", "STORE_ID", "SEED_STORE_ID")


def current_department_id() -> str | None:
    return _chosen("department_id", "DEPARTMENT_ID", "SEED_DEPARTMENT_ID")


def time_zone_name() -> str:
    """The Diller store's time zone: ``DILLER['TIME_ZONE']``, else Django's ``TIME_ZONE``."""
    return str(app_settings.TIME_ZONE or settings.TIME_ZONE or "UTC")


def store_time_zone() -> tzinfo:
    """The zone in which date-times Diller sends without an offset are read."""
    name = time_zone_name()
    try:
        return ZoneInfo(name)
    except (ValueError, LookupError) as exc:  # ZoneInfoNotFoundError is a LookupError
        raise ImproperlyConfigured(f"Unknown time zone {name!r} for Diller's date-times") from exc


def client_config(conn: Connection) -> ClientConfig:
    return ClientConfig(
        base_url=conn.base_url,
        client_id=conn.client_id,
        client_secret=conn.client_secret,
        timeouts=Timeouts(
            connect=float(app_settings.CONNECT_TIMEOUT), read=float(app_settings.READ_TIMEOUT)
        ),
        retry=RetryPolicy(
            max_attempts=int(app_settings.RETRY_ATTEMPTS),
            backoff_base=float(app_settings.RETRY_BACKOFF),
            backoff_max=float(app_settings.RETRY_BACKOFF_MAX),
            max_total=float(app_settings.RETRY_TOTAL),
        ),
        time_zone=store_time_zone(),
    )


def _settings_key(conn: Connection) -> tuple:
    return (
        *conn.key,
        app_settings.CONNECT_TIMEOUT,
        app_settings.READ_TIMEOUT,
        app_settings.RETRY_ATTEMPTS,
        app_settings.RETRY_TOTAL,
        app_settings.TOKEN_CACHE,
        time_zone_name(),
        app_settings.BREAKER_FAILURES,
        app_settings.BREAKER_COOLDOWN,
        app_settings.REQUEST_DEADLINE,
    )


def get_client(store_id: str | None = None, *, background: bool | None = None) -> DillerClient:
    """The shared sync client, addressing ``store_id`` or the configured store.

    ``background``: True for calls nobody waits for, False for calls someone does (bounded by
    ``REQUEST_DEADLINE``, guarded by the circuit breaker); None lets the context say.
    """
    conn = connection()
    client = _shared.get(_settings_key(conn), lambda: _new_client(conn))
    store = client.for_store(store_id or current_store_id() or "")
    return store.with_deadline(call_deadline(background))


def _new_client(conn: Connection) -> DillerClient:
    transport = None
    if conn.sandbox:
        from ..sandbox import SandboxTransport

        transport = SandboxTransport(embedded_sandbox())
    return DillerClient(
        client_config(conn),
        token_store=DjangoCacheTokenStore(app_settings.TOKEN_CACHE),
        transport=transport,
        breaker=shared_breaker(conn.base_url, conn.client_id),
    )


def _run_sync_the_django_way(function, *args):
    """Token-store calls from async code: Django's cache may be the database."""
    return sync_to_async(function, thread_sensitive=True)(*args)


async def aget_client(
    store_id: str | None = None, *, background: bool | None = None
) -> AsyncDillerClient:
    """The async client of the running event loop, addressing ``store_id`` or the configured
    store (``background`` as for :func:`get_client`). Safe in ASGI views: nothing here touches
    the database on the loop."""
    conn = connection()
    key = _settings_key(conn)
    loop = asyncio.get_running_loop()
    with _lock:
        per_loop = _async_clients.setdefault(loop, {})
        client = per_loop.get(key)
    if client is None:
        transport = None
        if conn.sandbox:
            from ..sandbox import AsyncSandboxTransport

            transport = AsyncSandboxTransport(embedded_sandbox())
        client = AsyncDillerClient(
            client_config(conn),
            token_store=DjangoCacheTokenStore(app_settings.TOKEN_CACHE),
            transport=transport,
            run_sync=_run_sync_the_django_way,
            breaker=shared_breaker(conn.base_url, conn.client_id),
        )
        with _lock:
            client = per_loop.setdefault(key, client)
    store = store_id or await sync_to_async(current_store_id, thread_sensitive=True)()
    return client.for_store(store or "").with_deadline(call_deadline(background))


def reset() -> None:
    """Forget the shared clients and the embedded sandbox (tests, settings changes)."""
    _shared.reset()
    with _lock:
        _async_clients.clear()  # their loops close their connections


# ``reset`` forgets the async clients too.
_shared.forget_on_change(
    frozenset({"DILLER", "CACHES", "TIME_ZONE"}), "diller-forget-clients", reset=reset
)
