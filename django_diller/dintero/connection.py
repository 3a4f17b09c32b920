"""Which Dintero to talk to, and the shared client for it.

The client is built once per process and connection settings (it holds a connection pool) and
shares its OAuth2 tokens with the shop's other processes through the Django cache named by
``DINTERO['TOKEN_CACHE']``. With ``DINTERO['SANDBOX']`` it talks to one embedded, in-process
:class:`~django_diller.dintero.sandbox.DinteroSandbox` (one per process).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..shared_clients import SharedClients
from ..token_cache import DjangoCacheTokenStore
from .api import DinteroClient, DinteroConfig, RetryPolicy, Timeouts
from .conf import dintero_settings, sandbox_allowed

if TYPE_CHECKING:
    from .sandbox import DinteroSandbox


class NotConfigured(Exception):
    """The Dintero connection is not configured (see ``manage.py check``)."""


def _new_sandbox() -> DinteroSandbox:
    from .sandbox import DinteroSandbox

    return DinteroSandbox(seed=True)


_shared: SharedClients[DinteroClient, DinteroSandbox] = SharedClients(_new_sandbox)


def embedded_sandbox() -> DinteroSandbox:
    """The process's in-process Dintero sandbox, seeded on first use."""
    return _shared.sandbox()


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
    client = _shared.get(_settings_key(conn), lambda: _new_client(conn))
    return client if deadline is None else client.with_deadline(deadline)


def _new_client(conn: Connection) -> DinteroClient:
    transport = None
    if conn.sandbox:
        from .sandbox import DinteroSandboxTransport

        transport = DinteroSandboxTransport(embedded_sandbox())
    return DinteroClient(
        client_config(conn),
        token_store=DjangoCacheTokenStore(str(dintero_settings.TOKEN_CACHE)),
        transport=transport,
    )


def reset() -> None:
    """Forget the shared clients and the embedded sandbox (tests, settings changes)."""
    _shared.reset()


_shared.forget_on_change(frozenset({"DINTERO", "CACHES"}), "dintero-forget-clients")
