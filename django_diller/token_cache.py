"""OAuth2 tokens kept in a Django cache, so that every process of the shop shares them."""

from __future__ import annotations

import math
import time
import uuid

from django.core.cache import caches

from .api.auth import AccessToken


class DjangoCacheTokenStore:
    """A :class:`~django_diller.api.auth.TokenStore` on a Django cache alias.

    The fetch lock is ``cache.add``, which is atomic on Redis, Memcached and the database cache.
    """

    def __init__(self, alias: str = "default"):
        self.alias = alias

    @property
    def cache(self):
        return caches[self.alias]

    def get(self, key: str) -> AccessToken | None:
        value = self.cache.get(key)
        if isinstance(value, dict) and "value" in value and "expires_at" in value:
            return AccessToken(
                value=value["value"],
                expires_at=float(value["expires_at"]),
                lifetime=float(value.get("lifetime", 300.0)),
            )
        return None

    def set(self, key: str, token: AccessToken) -> None:
        # Rounded up: a cache entry that dies before the token would force an early re-fetch.
        ttl = max(1, math.ceil(token.expires_at - time.time()))
        entry = {"value": token.value, "expires_at": token.expires_at, "lifetime": token.lifetime}
        self.cache.set(key, entry, ttl)

    def try_lock(self, key: str, ttl: float) -> str | None:
        owner = uuid.uuid4().hex
        return owner if self.cache.add(key, owner, max(1, math.ceil(ttl))) else None

    def unlock(self, key: str, owner: str) -> None:
        # Only the holder releases: a lock that expired and was retaken is someone else's.
        # (Read-then-delete is not atomic, but narrows the window to a cache round trip.)
        if self.cache.get(key) == owner:
            self.cache.delete(key)
