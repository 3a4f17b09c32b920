"""OAuth 2.0 client credentials (``POST /connect/token``) and bearer token checks."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from .problems import ApiProblem

TOKEN_PATH = "/connect/token"  # noqa: S105  (a URL path)
SCOPE = "api.retailer"


@dataclass(frozen=True)
class TokenAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def basic_credentials(header: str | None, *, form_encoded: bool = True) -> tuple[str, str] | None:
    """The client id and secret of an HTTP Basic ``Authorization`` header, or None.

    ``form_encoded``: both parts were form-urlencoded before base64, as RFC 6749 2.3.1 has it
    for an OAuth server (Diller's); without it they are taken as they are (Dintero's).
    """
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    if not sep:
        return None
    if not form_encoded:
        return client_id, client_secret
    return unquote_plus(client_id), unquote_plus(client_secret)


class TokenIssuer:
    def __init__(self, client_id: str, client_secret: str, lifetime: int) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime = lifetime
        self.granted = 0
        self._tokens: dict[str, datetime] = {}  # token -> expiry
        self._lock = threading.Lock()

    def _client_ok(self, client_id: str, client_secret: str) -> bool:
        return hmac.compare_digest(client_id, self.client_id) and hmac.compare_digest(
            client_secret, self.client_secret
        )

    def grant(self, headers: Mapping[str, str], body: bytes, now: datetime) -> TokenAnswer:
        """Answer a token request like an OAuth server (RFC 6749 error bodies, not problems)."""
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        credentials = basic_credentials(headers.get("authorization"))
        if credentials is None and "client_id" in form:
            credentials = (form.get("client_id", ""), form.get("client_secret", ""))
        if credentials is None or not self._client_ok(*credentials):
            return TokenAnswer(
                401,
                {"error": "invalid_client", "error_description": "Unknown client or bad secret."},
                {"WWW-Authenticate": 'Basic realm="diller"'},
            )
        if form.get("grant_type") != "client_credentials":
            return TokenAnswer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "Only client_credentials is supported.",
                },
                {},
            )
        scope = form.get("scope", SCOPE)
        if SCOPE not in scope.split():
            return TokenAnswer(
                400, {"error": "invalid_scope", "error_description": f"Use {SCOPE}."}, {}
            )
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = now + timedelta(seconds=self.lifetime)
            self.granted += 1
        return TokenAnswer(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.lifetime,
                "scope": SCOPE,
            },
            {"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def check(self, authorization: str | None, now: datetime) -> None:
        """Raise a 401 problem unless ``authorization`` holds a live bearer token."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self._unauthorized("A bearer access token is required.", "invalid_request")
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None:
            raise self._unauthorized("The access token is unknown or has been revoked.")
        if now >= expires:
            raise self._unauthorized("The access token has expired.")

    def revoke_all(self) -> None:
        with self._lock:
            self._tokens.clear()

    @staticmethod
    def _unauthorized(detail: str, error: str = "invalid_token") -> ApiProblem:
        return ApiProblem(
            401,
            detail,
            headers={"WWW-Authenticate": f'Bearer error="{error}", error_description="{detail}"'},
        )
