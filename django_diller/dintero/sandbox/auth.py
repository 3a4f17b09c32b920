"""Dintero's token endpoint (``POST /v1/accounts/{aid}/auth/token``) and bearer token checks.

A client authenticates with HTTP Basic (client id and secret) and a JSON body
``{"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/{aid}"}``;
the answer is ``{"access_token", "token_type": "Bearer", "expires_in"}``. Access tokens are
JWT-shaped and bound to the account they were issued for.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django_diller.sandbox.auth import basic_credentials

from . import signing
from .errors import DinteroError
from .state import SandboxState

ACCOUNT_ID = re.compile(r"^[TP]\d{8}$")
AUDIENCE_BASE = "https://api.dintero.com/v1/accounts/"
DEFAULT_TOKEN_LIFETIME = 14400  # seconds: Dintero's access tokens live four hours


def audience_for(aid: str) -> str:
    """The only ``audience`` the token endpoint accepts for account ``aid``."""
    return f"{AUDIENCE_BASE}{aid}"


@dataclass(frozen=True)
class Grant:
    """A live access token: whom it was issued to, and until when."""

    aid: str
    client_id: str
    expires_at: datetime


class TokenIssuer:
    """Issues and checks access tokens. Tokens outlive :meth:`DinteroSandbox.reset`."""

    def __init__(self, lifetime: int, issuer: str) -> None:
        self.lifetime = lifetime
        self.issuer = issuer
        self.granted = 0
        self._key = signing.new_key()
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def authenticate(self, state: SandboxState, aid: str, headers: Mapping[str, str]) -> str:
        """The client id behind HTTP Basic credentials for account ``aid``; 401 otherwise."""
        credentials = basic_credentials(headers.get("authorization"), form_encoded=False)
        if credentials is None:
            raise _unauthorized("Use HTTP Basic with the client id and secret.", "invalid_client")
        client_id, client_secret = credentials
        with state.lock:
            client = state.client(aid, client_id) if ACCOUNT_ID.match(aid) else None
        if client is None or not hmac.compare_digest(client.client_secret, client_secret):
            raise _unauthorized(
                "Unknown client or wrong secret for this account.", "invalid_client"
            )
        return client_id

    def issue(self, aid: str, client_id: str, body: Any, now: datetime) -> dict[str, Any]:
        """The token answer's body for an authenticated client; 400 for a wrong grant."""
        if not isinstance(body, dict):
            raise DinteroError(400, "Send a JSON object.", code="invalid_request")
        if body.get("grant_type") != "client_credentials":
            raise DinteroError(
                400,
                "Only grant_type client_credentials is supported.",
                code="unsupported_grant_type",
            )
        if body.get("audience") != audience_for(aid):
            raise DinteroError(
                400, f"The audience must be {audience_for(aid)}.", code="invalid_audience"
            )
        expires_at = now + timedelta(seconds=self.lifetime)
        claims = {
            "iss": self.issuer,
            "aud": audience_for(aid),
            "sub": client_id,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": secrets.token_hex(8),
        }
        token = signing.encode(claims, self._key)
        with self._lock:
            self._grants[token] = Grant(aid, client_id, expires_at)
            self.granted += 1
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}

    def check(self, authorization: str | None, now: datetime) -> Grant:
        """The grant behind a live bearer token; raises a 401 :class:`DinteroError` otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("A bearer access token is required.")
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            raise _unauthorized("The access token is unknown or has been revoked.")
        if now >= grant.expires_at:
            raise _unauthorized("The access token has expired.")
        return grant

    def revoke_all(self) -> None:
        with self._lock:
            self._grants.clear()


def _unauthorized(message: str, code: str = "invalid_token") -> DinteroError:
    scheme = "Basic" if code == "invalid_client" else "Bearer"
    return DinteroError(
        401, message, code=code, headers={"WWW-Authenticate": f'{scheme} realm="dintero"'}
    )
