"""Which Dintero to talk to, and the shared client for it.

The client is built once per process and connection settings (it holds a connection pool) and
shares its OAuth2 tokens with the shop's other processes through the Django cache named by
``DINTERO['TOKEN_CACHE']``. With ``DINTERO['SANDBOX']`` it talks to one embedded, in-process
:class:`~django_diller.dintero.sandbox.DinteroSandbox` (one per process).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.signals import setting_changed
from django.dispatch import receiver

from ..token_cache import DjangoCacheTokenStore
from .api import DinteroClient, DinteroConfig, RetryPolicy, Timeouts
from .conf import dintero_settings, sandbox_allowed

if TYPE_CHECKING:
    from .sandbox import DinteroSandbox

_lock = threading.Lock()
_clients: dict[tuple[object, ...], DinteroClient] = {}
_sandbox: DinteroSandbox | None = None


class NotConfigured(Exception):
    """The Dintero connection is not configured (see ``manage.py check``)."""


def embedded_sandbox() -> DinteroSandbox:
    """The process's in-process Dintero sandbox, seeded on first use."""
    global _sandbox
    with _lock:
        if _sandbox is None:
            from .sandbox import DinteroSandbox

            _sandbox = DinteroSandbox(seed=True)
        return _sandbox


@dataclass(frozen=True)
class Connection:
    base_url: str
    account_id: str
    client_id: str
    client_secret: str = field(repr=False)
    sandbox: bool = False

    @property
    def key(self) -> tuple[object, ...]:
        """Identifies the connection without holding the secret itself."""
        secret_digest = hashlib.sha256(self.client_secret.encode()).hexdigest()[:16]
        return (self.base_url, self.account_id, self.client_id, secret_digest, self.sandbox)


def connection() -> Connection:
    """The configured connection; :class:`NotConfigured` when receipts cannot be sent."""
    if dintero_settings.SANDBOX:
        if not sandbox_allowed():  # never an in-memory Dintero behind a production shop
            raise NotConfigured("the Dintero sandbox is on while DEBUG is off (see dintero.E007)")
        from .openapi import BASE_PATH
        from .sandbox import (
            SANDBOX_ACCOUNT_ID,
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            SANDBOX_PUBLIC_URL,
        )

        return Connection(
            f"{SANDBOX_PUBLIC_URL}{BASE_PATH}",
            SANDBOX_ACCOUNT_ID,
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            True,
        )
    account_id = dintero_settings.ACCOUNT_ID
    client_id, secret = dintero_settings.CLIENT_ID, dintero_settings.CLIENT_SECRET
    if not (account_id and client_id and secret):
        raise NotConfigured("the Dintero account and credentials are not configured")
    return Connection(
        str(dintero_settings.BASE_URL), str(account_id), str(client_id), str(secret), False
    )


def client_config(conn: Connection) -> DinteroConfig:
    return DinteroConfig(
        account_id=conn.account_id,
        client_id=conn.client_id,
        client_secret=conn.client_secret,
        base_url=conn.base_url,
        timeouts=Timeouts(
            connect=float(dintero_settings.CONNECT_TIMEOUT),
            read=float(dintero_settings.READ_TIMEOUT),
        ),
        retry=RetryPolicy(max_attempts=int(dintero_settings.RETRY_ATTEMPTS)),
    )


def _settings_key(conn: Connection) -> tuple[object, ...]:
    return (
        *conn.key,
        dintero_settings.CONNECT_TIMEOUT,
        dintero_settings.READ_TIMEOUT,
        dintero_settings.RETRY_ATTEMPTS,
        dintero_settings.TOKEN_CACHE,
    )


def get_client(*, deadline: float | None = None) -> DinteroClient:
    """The shared client; ``deadline``: the most seconds each call may take, for calls someone
    waits for (None: background work, the connection's timeouts and retries)."""
    conn = connection()
    key = _settings_key(conn)
    with _lock:
        client = _clients.get(key)
    if client is None:
        transport = None
        if conn.sandbox:
            from .sandbox import DinteroSandboxTransport

            transport = DinteroSandboxTransport(embedded_sandbox())
        client = DinteroClient(
            client_config(conn),
            token_store=DjangoCacheTokenStore(str(dintero_settings.TOKEN_CACHE)),
            transport=transport,
        )
        with _lock:
            kept = _clients.setdefault(key, client)
        if kept is not client:  # another thread built one first
            client.close()
            client = kept
    return client if deadline is None else client.with_deadline(deadline)


def reset() -> None:
    """Forget the shared clients and the embedded sandbox (tests, settings changes)."""
    global _sandbox
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
        _sandbox = None


@receiver(setting_changed, dispatch_uid="dintero-forget-clients")
def _forget_clients_on_settings_change(setting: str, **kwargs: object) -> None:
    if setting in {"DINTERO", "CACHES"}:
        reset()
