"""OAuth2 client-credentials tokens for Dintero, shared between processes.

``POST /v1/accounts/{aid}/auth/token`` with the client id and secret as HTTP Basic and a JSON
body ``{"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/{aid}"}``
answers ``access_token``, ``token_type`` and ``expires_in``. Tokens are kept in a
:class:`~django_diller.api.auth.TokenStore` (the same interface, and so the same stores, as
Diller's client: a shop shares them between processes through its cache), and fetching is
guarded by the store's lock, so that N processes with no token fetch one, not N.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx2
from pydantic import ValidationError

from django_diller.api.auth import AccessToken, SharedToken, TokenStore
from django_diller.api.retry import RETRYABLE_STATUSES, parse_retry_after

from . import wire
from .calls import DINTERO
from .errors import DinteroAuthError, DinteroResponseError, DinteroTokenUnavailable
from .models import ClientCredentialsGrant, TokenResponse
from .operations import TOKEN

logger = logging.getLogger("django_diller.dintero")

DINTERO_API = "https://api.dintero.com/v1"


def default_audience(account_id: str) -> str:
    """The audience Dintero expects for an account: its address on Dintero's own API (also
    when the client talks to a sandbox or a proxy)."""
    return f"{DINTERO_API}/accounts/{account_id}"


def token_cache_key(base_url: str, account_id: str, client_id: str) -> str:
    """The store key for a host, account and client id (hashed: keys may end up in dumps)."""
    text = f"{base_url.rstrip('/')}|{account_id}|{client_id}"
    return f"dintero:token:{hashlib.sha256(text.encode()).hexdigest()[:24]}"


@dataclass(frozen=True)
class TokenSettings:
    base_url: str
    account_id: str
    client_id: str
    client_secret: str = field(repr=False)
    audience: str = ""
    refresh_margin: float = 60.0  # fetch a new token this long before the old one expires
    # A fetcher that dies frees the lock after lock_ttl; the others wait for it up to
    # lock_wait. Both must outlast one token request.
    lock_ttl: float = 30.0
    lock_wait: float = 30.0
    poll_interval: float = 0.05


class TokenProvider(SharedToken):
    """Hands out a valid access token, fetching one when needed (one fetch per lifetime).

    ``http`` is the client's own connection (its base URL and transport, so a sandbox
    transport answers the token request too). Sharing the token between processes is Diller's
    client's (:class:`~django_diller.api.auth.SharedToken`).
    """

    settings: TokenSettings

    def __init__(
        self,
        settings: TokenSettings,
        store: TokenStore,
        http: httpx2.Client,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.store = store
        self.http = http
        self.sleep = sleep
        self.key = token_cache_key(settings.base_url, settings.account_id, settings.client_id)
        self.lock_key = self.key + ":lock"
        self.fetch_count = 0  # tokens this provider fetched itself

    def get(self, stale: str | None = None, timeout: float | None = None) -> str:
        """A usable token; ``stale`` is one Dintero just refused, so it is not handed out again.

        ``timeout``: seconds the fetch may take, if one is needed (the connection's otherwise),
        and at most how long another process's fetch is waited for.
        """
        wait = min(self.settings.lock_wait, timeout or float("inf"))
        return self._shared(stale, lambda: self._fetch(timeout), wait, self.sleep, DINTERO)

    def _fetch(self, timeout: float | None) -> str:
        started = time.monotonic()
        requested_at = time.time()
        grant = ClientCredentialsGrant(
            grant_type="client_credentials",
            audience=self.settings.audience or default_audience(self.settings.account_id),
        )
        path = TOKEN.path.replace("{aid}", self.settings.account_id)
        try:
            response = self.http.post(
                path,
                auth=httpx2.BasicAuth(self.settings.client_id, self.settings.client_secret),
                content=wire.dumps(grant),
                headers={"Content-Type": wire.JSON_CONTENT_TYPE, "Accept": "application/json"},
                timeout=timeout if timeout is not None else httpx2.USE_CLIENT_DEFAULT,
            )
        except httpx2.TransportError as exc:
            # Fetching a token has no effect to lose, so a timeout is simply "unavailable".
            raise DinteroTokenUnavailable(
                f"the token endpoint could not be reached ({type(exc).__name__})",
                operation=TOKEN.operation_id,
            ) from None
        token = _token_from(response, requested_at)
        self.store.set(self.key, token)
        self.fetch_count += 1
        logger.info("dintero token fetched in %.0f ms", (time.monotonic() - started) * 1000)
        return token.value


def _token_from(response: httpx2.Response, requested_at: float) -> AccessToken:
    """The token and its expiry, counted from when it was requested (the safe side)."""
    status = response.status_code
    op = TOKEN.operation_id
    if status in RETRYABLE_STATUSES or status >= 500:
        raise DinteroTokenUnavailable(
            f"the token endpoint answered HTTP {status}",
            operation=op,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if not 200 <= status < 300:
        raise DinteroAuthError(
            f"HTTP {status}: the token endpoint refused the credentials",
            operation=op,
            status=status,
        )
    try:
        answer = TokenResponse.model_validate(wire.loads(response.content))
    except ValueError as exc:  # not JSON, or pydantic's ValidationError (a ValueError)
        field_name = "(body)"
        if isinstance(exc, ValidationError):
            field_name = ".".join(str(part) for part in exc.errors()[0]["loc"]) or field_name
        raise DinteroResponseError(
            f"the token endpoint's answer has an invalid '{field_name}'",
            field=field_name,
            operation=op,
            status=status,
        ) from None
    wrong = (
        "access_token"
        if not answer.access_token
        else "token_type"
        if answer.token_type.lower() != "bearer"
        else "expires_in"
        if answer.expires_in <= 0
        else None
    )
    if wrong:
        raise DinteroResponseError(
            f"the token endpoint's answer has an invalid '{wrong}'",
            field=wrong,
            operation=op,
            status=status,
        )
    lifetime = float(answer.expires_in)
    return AccessToken(
        value=answer.access_token, expires_at=requested_at + lifetime, lifetime=lifetime
    )
