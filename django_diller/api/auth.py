"""OAuth2 client-credentials tokens for Diller, shared between processes.

Tokens are fetched with authlib (``POST /connect/token``, HTTP Basic client id and secret, scope
``api.retailer``) and kept in a :class:`TokenStore`. A shop runs many processes (web workers,
Celery workers), so the store is normally the shop's shared cache, and fetching is guarded by a
lock in that store: when the token is missing or about to expire, one process fetches and the
others wait briefly and read its result, so N processes do not stampede the token endpoint.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, TypeVar

import httpx2
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client

from .errors import DillerAuthError, DillerUnavailable
from .provider import DILLER, Provider
from .retry import RETRYABLE_STATUSES, parse_retry_after
from .tls import shared_tls_context

logger = logging.getLogger("django_diller.api")

TOKEN_PATH = "/connect/token"  # noqa: S105  (a URL path, not a secret)
SCOPE = "api.retailer"


DEFAULT_LIFETIME = 300.0  # assumed when the token endpoint does not say (expires_in missing)


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # seconds since the epoch
    lifetime: float = DEFAULT_LIFETIME

    def is_fresh(self, now: float, margin: float) -> bool:
        """Usable for at least ``margin`` more seconds.

        The margin is capped at a quarter of the token's life, so that a short-lived token is
        still used for most of it instead of being fetched again on every call.
        """
        return self.expires_at - min(margin, self.lifetime / 4) > now


class TokenUnavailable(DillerUnavailable):
    """The token endpoint failed (down, 5xx, 429, network): no API request was sent."""


class TokenStore(Protocol):
    """Where tokens live between calls and processes, with a lock for fetching."""

    def get(self, key: str) -> AccessToken | None: ...

    def set(self, key: str, token: AccessToken) -> None: ...

    def try_lock(self, key: str, ttl: float) -> str | None:
        """Take the lock ``key`` unless held: an owner token, or None. It frees itself after
        ``ttl`` seconds."""
        ...

    def unlock(self, key: str, owner: str) -> None:
        """Release the lock if ``owner`` still holds it (it may have expired and been retaken)."""
        ...


class MemoryTokenStore:
    """A per-process store: enough for scripts and tests, not shared between processes."""

    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._locks: dict[str, tuple[float, str]] = {}
        self._mutex = threading.Lock()

    def get(self, key: str) -> AccessToken | None:
        return self._tokens.get(key)

    def set(self, key: str, token: AccessToken) -> None:
        self._tokens[key] = token

    def try_lock(self, key: str, ttl: float) -> str | None:
        with self._mutex:
            now = time.monotonic()
            held = self._locks.get(key)
            if held and held[0] > now:
                return None
            owner = uuid.uuid4().hex
            self._locks[key] = (now + ttl, owner)
            return owner

    def unlock(self, key: str, owner: str) -> None:
        with self._mutex:
            held = self._locks.get(key)
            if held and held[1] == owner:
                del self._locks[key]


def token_cache_key(base_url: str, client_id: str) -> str:
    """The store key for a host and client id (hashed: keys may end up in cache dumps)."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}|{client_id}".encode()).hexdigest()[:24]
    return f"diller:token:{digest}"


@dataclass(frozen=True)
class TokenSettings:
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    refresh_margin: float = 60.0  # fetch a new token this long before the old one expires
    # A fetcher that dies frees the lock after lock_ttl; the others wait for the fetcher up to
    # lock_wait. Both must outlast one token request (connect + read timeouts), or waiting
    # processes give up while the fetch is still on its way and all fetch at once.
    lock_ttl: float = 30.0
    lock_wait: float = 30.0
    poll_interval: float = 0.05


def _check_token_response(response: Any) -> Any:
    """authlib hook, before it parses the answer: overload and outages are not auth failures."""
    status = response.status_code
    if status in RETRYABLE_STATUSES or status >= 500:
        raise TokenUnavailable(
            f"the token endpoint answered HTTP {status}",
            operation="token",
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    return response


def _token_from_response(token: dict[str, Any], requested_at: float) -> AccessToken:
    """The token and its expiry, counted from when it was requested (the safe side).

    authlib's own ``expires_at`` is whole seconds, which can cost a short-lived token most of
    its life, so the expiry is computed here from ``expires_in``.
    """
    value = token.get("access_token")
    if not value:
        raise DillerAuthError("the token endpoint answered without an access_token")
    try:
        lifetime = float(token.get("expires_in") or DEFAULT_LIFETIME)
    except (TypeError, ValueError):
        raise DillerAuthError("the token endpoint answered an invalid expires_in") from None
    return AccessToken(value=str(value), expires_at=requested_at + lifetime, lifetime=lifetime)


def _auth_failure(exc: Exception) -> Exception:
    if isinstance(exc, DillerAuthError | DillerUnavailable):
        return exc
    if isinstance(exc, OAuthError):
        return DillerAuthError(f"the token endpoint refused the credentials ({exc.error})")
    if isinstance(exc, httpx2.TransportError):
        # Fetching a token has no effect to lose, so a timeout is simply "unavailable".
        return TokenUnavailable(
            f"the token endpoint could not be reached ({type(exc).__name__})", operation="token"
        )
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        if status in (400, 401, 403):
            return DillerAuthError("the token endpoint refused the credentials", status=status)
        return TokenUnavailable("the token endpoint failed", operation="token", status=status)
    return DillerAuthError(
        f"the token endpoint answered something unexpected ({type(exc).__name__})"
    )


class SharingSettings(Protocol):
    """What sharing a token between processes needs of a provider's token settings."""

    @property
    def refresh_margin(self) -> float: ...  # fetch a new token this long before expiry

    @property
    def lock_ttl(self) -> float: ...

    @property
    def lock_wait(self) -> float: ...

    @property
    def poll_interval(self) -> float: ...


class SharedToken:
    """A token kept in a :class:`TokenStore` under :attr:`key`, fetched by one process at a
    time: every provider's token provider is one (Diller's, Dintero's).

    The last token read from the store is kept in the process too, and used without reading
    the store again (a round trip to Redis) while it is fresh and was not refused. A token
    refused as stale sends the next call to the store, where another process may have put a
    newer one.
    """

    settings: SharingSettings
    store: TokenStore
    key: str
    lock_key: str
    _kept: AccessToken | None = None  # the last usable token read from the store

    def _usable(self, stale: str | None) -> str | None:
        now = time.time()
        kept = self._kept
        if kept is not None and kept.value == stale:  # refused: never handed out again
            self._kept = kept = None
        if kept and kept.is_fresh(now, self.settings.refresh_margin):
            return kept.value
        token = self.store.get(self.key)
        if token and token.value != stale and token.is_fresh(now, self.settings.refresh_margin):
            self._kept = token
            return token.value
        return None

    def _shared(
        self,
        stale: str | None,
        fetch: Callable[[], str],
        wait: float,
        sleep: Callable[[float], None],
        provider: Provider[Any],
    ) -> str:
        """A usable token (not ``stale``, one just refused): the store's, or one ``fetch``
        gets while holding the store's lock. Another process's fetch is waited for up to
        ``wait`` seconds (polling with ``sleep``), then this one fetches without the lock."""
        if token := self._usable(stale):
            return token
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if owner := self.store.try_lock(self.lock_key, self.settings.lock_ttl):
                try:
                    return self._usable(stale) or fetch()
                finally:
                    self.store.unlock(self.lock_key, owner)
            sleep(self.settings.poll_interval)
            if token := self._usable(stale):
                return token
        provider.logger.warning(
            f"{provider.key} token lock not released in time; fetching without it"
        )
        return fetch()


class _TokenProviderBase(SharedToken):
    settings: TokenSettings

    def __init__(self, settings: TokenSettings, store: TokenStore, timeout: httpx2.Timeout):
        self.settings = settings
        self.store = store
        self.timeout = timeout
        self.key = token_cache_key(settings.base_url, settings.client_id)
        self.lock_key = self.key + ":lock"
        self.fetch_count = 0  # tokens this provider fetched itself

    def _client_kwargs(self) -> dict[str, Any]:
        return {
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": SCOPE,
            "timeout": self.timeout,
            "verify": shared_tls_context(),
        }

    @property
    def token_url(self) -> str:
        return self.settings.base_url.rstrip("/") + TOKEN_PATH


class TokenProvider(_TokenProviderBase):
    """Hands out a valid access token, fetching one when needed (sync)."""

    def __init__(
        self,
        settings: TokenSettings,
        store: TokenStore,
        timeout: httpx2.Timeout,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(settings, store, timeout)
        self.transport = transport
        self.sleep = sleep

    def get(self, stale: str | None = None) -> str:
        """A usable token; ``stale`` is one Diller just refused, so it is not handed out again."""
        return self._shared(stale, self._fetch, self.settings.lock_wait, self.sleep, DILLER)

    def _fetch(self) -> str:
        started = time.monotonic()
        requested_at = time.time()
        try:
            with OAuth2Client(transport=self.transport, **self._client_kwargs()) as oauth:
                oauth.register_compliance_hook("access_token_response", _check_token_response)
                response = oauth.fetch_token(self.token_url, grant_type="client_credentials")
        except Exception as exc:
            raise _auth_failure(exc) from None
        token = _token_from_response(response, requested_at)
        self.store.set(self.key, token)
        self.fetch_count += 1
        logger.info("diller token fetched in %.0f ms", (time.monotonic() - started) * 1000)
        return token.value


_P = ParamSpec("_P")
_T = TypeVar("_T")


class RunSync(Protocol):
    """Runs a blocking call off the event loop (``asyncio.to_thread``, or ``sync_to_async``
    in Django, which keeps the thread-sensitive calls on one thread)."""

    def __call__(
        self, func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> Awaitable[_T]: ...


class AsyncTokenProvider(_TokenProviderBase):
    """The same as :class:`TokenProvider` for asyncio code.

    The token store is synchronous (a Django cache, say), so its calls run through ``run_sync``,
    off the event loop: ``asyncio.to_thread`` by default; Django code passes asgiref's
    ``sync_to_async`` so that a database cache keeps to Django's thread rules.
    """

    def __init__(
        self,
        settings: TokenSettings,
        store: TokenStore,
        timeout: httpx2.Timeout,
        transport: httpx2.AsyncBaseTransport | None = None,
        run_sync: RunSync = asyncio.to_thread,
    ):
        super().__init__(settings, store, timeout)
        self.transport = transport
        self.run_sync = run_sync

    async def get(self, stale: str | None = None) -> str:
        if token := await self.run_sync(self._usable, stale):
            return token
        deadline = time.monotonic() + self.settings.lock_wait
        while time.monotonic() < deadline:
            owner = await self.run_sync(self.store.try_lock, self.lock_key, self.settings.lock_ttl)
            if owner:
                try:
                    return await self.run_sync(self._usable, stale) or await self._fetch()
                finally:
                    await self.run_sync(self.store.unlock, self.lock_key, owner)
            await asyncio.sleep(self.settings.poll_interval)
            if token := await self.run_sync(self._usable, stale):
                return token
        logger.warning("diller token lock not released in time; fetching without it")
        return await self._fetch()

    async def _fetch(self) -> str:
        started = time.monotonic()
        requested_at = time.time()
        try:
            async with AsyncOAuth2Client(
                transport=self.transport, **self._client_kwargs()
            ) as oauth:
                response = await oauth.fetch_token(self.token_url, grant_type="client_credentials")
        except Exception as exc:
            raise _auth_failure(exc) from None
        token = _token_from_response(response, requested_at)
        await self.run_sync(self.store.set, self.key, token)
        self.fetch_count += 1
        logger.info("diller token fetched in %.0f ms", (time.monotonic() - started) * 1000)
        return token.value
