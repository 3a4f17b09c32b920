"""Which Coupontools to talk to, and the shared client for it.

The client is built once per process and connection settings (it holds a connection pool).
With ``COUPONTOOLS['SANDBOX']`` it talks to one embedded, in-process
:class:`~django_diller.coupontools.sandbox.CoupontoolsSandbox` (one per process), which takes
the parameter names of ``UPDATE_PARAMETERS`` as the account would.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..shared_clients import SharedClients
from .api import CoupontoolsClient, CoupontoolsConfig, RetryPolicy, Timeouts, UpdateParameters
from .conf import coupontools_settings, sandbox_allowed

if TYPE_CHECKING:
    from .sandbox import CoupontoolsSandbox

UPDATE_FIELDS = tuple(item.name for item in fields(UpdateParameters))


class NotConfigured(Exception):
    """The Coupontools connection is not configured (see ``manage.py check``)."""


def update_parameters() -> UpdateParameters:
    """``UPDATE_PARAMETERS`` over the defaults; ``ValueError`` for an unknown key or a bad name."""
    overrides = coupontools_settings.UPDATE_PARAMETERS
    if not isinstance(overrides, dict):
        raise ValueError("UPDATE_PARAMETERS must be a dict")
    unknown = sorted(str(key) for key in overrides if key not in UPDATE_FIELDS)
    if unknown:
        raise ValueError(f"UPDATE_PARAMETERS has unknown keys: {', '.join(unknown)}")
    return UpdateParameters(**overrides)


def expiration_zone() -> tzinfo:
    """The zone of ``EXPIRATION_TIME_ZONE`` (UTC when None); ``ValueError`` for an unknown one."""
    name = coupontools_settings.EXPIRATION_TIME_ZONE
    if name is None:
        return UTC
    if not isinstance(name, str) or not name.strip():
        raise ValueError("EXPIRATION_TIME_ZONE must be a time zone's name")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("EXPIRATION_TIME_ZONE is not a known time zone") from None


def _new_sandbox() -> CoupontoolsSandbox:
    from .sandbox import CoupontoolsSandbox, SessionOptions

    return CoupontoolsSandbox(seed=True, options=SessionOptions(names=_sandbox_names()))


_shared: SharedClients[CoupontoolsClient, CoupontoolsSandbox] = SharedClients(_new_sandbox)


def embedded_sandbox() -> CoupontoolsSandbox:
    """The process's in-process Coupontools sandbox, seeded on first use."""
    return _shared.sandbox()


def _sandbox_names() -> Any:
    """The sandbox's wire names for the configured update parameters (the defaults when the
    setting is wrong: ``check`` reports it)."""
    from .sandbox import WireNames

    try:
        names = update_parameters()
    except ValueError:
        return WireNames()
    return WireNames(
        couponsession=names.session,
        action=names.action,
        money_spent=names.money_spent,
        lock=names.lock,
        unlock=names.unlock,
        validate=names.validate,
        void=names.void,
    )


@dataclass(frozen=True)
class Connection:
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    sandbox: bool = False

    @property
    def key(self) -> tuple[object, ...]:
        """Identifies the connection without holding the secret itself."""
        secret_digest = hashlib.sha256(self.client_secret.encode()).hexdigest()[:16]
        return (self.base_url, self.client_id, secret_digest, self.sandbox)


def connection() -> Connection:
    """The configured connection; :class:`NotConfigured` when Coupontools cannot be reached."""
    if coupontools_settings.SANDBOX:
        if not sandbox_allowed():  # never an in-memory Coupontools behind a production shop
            raise NotConfigured(
                "the Coupontools sandbox is on while DEBUG is off (see coupontools.E003)"
            )
        from .sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PUBLIC_URL

        return Connection(SANDBOX_PUBLIC_URL, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, True)
    client_id = coupontools_settings.CLIENT_ID
    secret = coupontools_settings.CLIENT_SECRET
    if not (client_id and secret):
        raise NotConfigured("the Coupontools client id and secret are not configured")
    return Connection(str(coupontools_settings.BASE_URL), str(client_id), str(secret), False)


def client_config(conn: Connection) -> CoupontoolsConfig:
    """The client's configuration; :class:`NotConfigured` when a setting is wrong."""
    try:
        return CoupontoolsConfig(
            client_id=conn.client_id,
            client_secret=conn.client_secret,
            base_url=conn.base_url,
            body=coupontools_settings.BODY,
            session_parameter=str(coupontools_settings.SESSION_PARAMETER),
            update=update_parameters(),
            expiration_zone=expiration_zone(),
            timeouts=Timeouts(
                connect=float(coupontools_settings.CONNECT_TIMEOUT),
                read=float(coupontools_settings.READ_TIMEOUT),
            ),
            retry=RetryPolicy(max_attempts=int(coupontools_settings.RETRY_ATTEMPTS)),
        )
    except (TypeError, ValueError) as exc:  # the messages name settings, never their values
        raise NotConfigured(f"the COUPONTOOLS settings are wrong: {exc}") from None


def _settings_key(conn: Connection) -> tuple[object, ...]:
    overrides = coupontools_settings.UPDATE_PARAMETERS
    return (
        *conn.key,
        coupontools_settings.BODY,
        coupontools_settings.SESSION_PARAMETER,
        tuple(sorted(overrides.items())) if isinstance(overrides, dict) else overrides,
        coupontools_settings.EXPIRATION_TIME_ZONE,
        coupontools_settings.CONNECT_TIMEOUT,
        coupontools_settings.READ_TIMEOUT,
        coupontools_settings.RETRY_ATTEMPTS,
    )


def get_client(*, deadline: float | None = None) -> CoupontoolsClient:
    """The shared client; ``deadline``: the most seconds each call may take, for calls someone
    waits for (``COUPONTOOLS['REQUEST_DEADLINE']``); None for background work, the
    connection's timeouts and retries."""
    conn = connection()
    client = _shared.get(_settings_key(conn), lambda: _new_client(conn))
    return client if deadline is None else client.with_deadline(deadline)


def _new_client(conn: Connection) -> CoupontoolsClient:
    transport = None
    if conn.sandbox:
        from .sandbox import CoupontoolsSandboxTransport

        transport = CoupontoolsSandboxTransport(embedded_sandbox())
    return CoupontoolsClient(client_config(conn), transport=transport)


def reset() -> None:
    """Forget the shared clients and the embedded sandbox (tests, settings changes)."""
    _shared.reset()


_shared.forget_on_change(frozenset({"COUPONTOOLS"}), "coupontools-forget-clients")


__all__ = [
    "Connection",
    "NotConfigured",
    "client_config",
    "connection",
    "embedded_sandbox",
    "expiration_zone",
    "get_client",
    "reset",
    "update_parameters",
]
