"""Compact JWTs signed with HMAC-SHA256: the shape of Dintero's access and receipt tokens.

The sandbox signs with a key of its own, made when it starts; nothing outside it needs to
verify them, so the only promise is the shape (``header.payload.signature``, base64url).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any


class BadToken(ValueError):
    """Not a token this sandbox signed (malformed, or the signature does not match)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> bytes:
    return secrets.token_bytes(32)


def encode(claims: dict[str, Any], key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def is_token_shaped(token: str) -> bool:
    """Three non-empty base64url parts."""
    parts = token.split(".")
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return len(parts) == 3 and all(part and set(part) <= alphabet for part in parts)


def decode(token: str, key: bytes) -> dict[str, Any]:
    """The claims of a token signed with ``key``; raises :class:`BadToken` otherwise.

    Expiry is the caller's business (it knows the clock).
    """
    if not is_token_shaped(token):
        raise BadToken("not a JWT")
    header, payload, signature = token.split(".")
    expected = hmac.new(key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    try:
        given = _unb64(signature)
        claims = json.loads(_unb64(payload))
    except (binascii.Error, ValueError) as exc:
        raise BadToken("not a JWT") from exc
    if not hmac.compare_digest(given, expected):
        raise BadToken("bad signature")
    if not isinstance(claims, dict):
        raise BadToken("claims are not an object")
    return claims
