"""The circuit breaker's state in a Django cache, shared by every process of the shop.

See :mod:`django_diller.api.breaker` for what the breaker does. Its state lives in the cache
named by ``DILLER['TOKEN_CACHE']``, next to the tokens, so that once Diller has failed the web
workers' calls, all of them stop waiting for it. Use a shared cache (Redis, Memcached, the
database cache) in production: a local-memory cache keeps one breaker per process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.core.cache import caches

from ..api.breaker import BreakerSettings, CircuitBreaker, breaker_key
from ..conf import app_settings


def _timeout(ttl: float | None) -> int | None:
    """Django's timeout for ``ttl`` seconds: None keeps the entry until deleted."""
    return None if ttl is None else max(1, math.ceil(ttl))


class DjangoCacheBreakerStore:
    """A :class:`~django_diller.api.breaker.BreakerStore` on a Django cache alias.

    ``add`` is atomic on Redis, Memcached and the database cache, so exactly one process
    announces the opening; ``incr`` is atomic on Redis and Memcached (a lost count on another
    cache only delays the opening by a call).
    """

    def __init__(self, alias: str = "default"):
        self.alias = alias

    @property
    def cache(self):
        return caches[self.alias]

    def get(self, key: str) -> Any:
        return self.cache.get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return self.cache.get_many(list(keys))

    def add(self, key: str, value: Any, ttl: float | None = None) -> bool:
        return bool(self.cache.add(key, value, _timeout(ttl)))

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        self.cache.set(key, value, _timeout(ttl))

    def incr(self, key: str) -> int:
        try:
            return int(self.cache.incr(key))
        except ValueError:  # missing: start the count, unless another process just did
            if self.cache.add(key, 1, None):
                return 1
            return int(self.cache.incr(key))

    def delete(self, key: str) -> bool:
        return bool(self.cache.delete(key))


def shared_breaker(base_url: str, client_id: str) -> CircuitBreaker | None:
    """The breaker for this Diller connection, or None when ``BREAKER_FAILURES`` is 0."""
    failures = int(app_settings.BREAKER_FAILURES)
    if failures <= 0:
        return None
    settings = BreakerSettings(
        failures=failures,
        cooldown=float(app_settings.BREAKER_COOLDOWN),
        # A probe takes at most a deadline; a process that died during one frees its place.
        probe_ttl=float(app_settings.REQUEST_DEADLINE) + 1.0,
    )
    store = DjangoCacheBreakerStore(app_settings.TOKEN_CACHE)
    return CircuitBreaker(store, breaker_key(base_url, client_id), settings)
