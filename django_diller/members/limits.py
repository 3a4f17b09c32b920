"""Rate limits of the shopper pages, counted atomically in a cache every process shares.

Each limit is a counter in the cache named by ``DILLER['RATE_LIMIT_CACHE']`` (by default the
``TOKEN_CACHE`` alias). A request counts itself first, with ``add`` then ``incr``, and is
refused when its own count is over the limit: two requests arriving together get two
different counts, so parallel requests cannot all slip under the limit, as they could if
each read the counter first and wrote it later. The counter is as shared as the cache: a
per-process cache (``LocMemCache``) gives each process its own limits, which ``check`` warns
about (diller.W010).
"""

from __future__ import annotations

import contextlib

from django.core.cache import BaseCache, caches
from django.http import HttpRequest

from ..adapter import get_adapter
from ..conf import app_settings


def cache_alias() -> str:
    return str(app_settings.RATE_LIMIT_CACHE or app_settings.TOKEN_CACHE)


def limits_cache() -> BaseCache:
    return caches[cache_alias()]


def hit(key: str, window: float) -> int:
    """Count one event under ``key`` for ``window`` seconds; the count including this one."""
    cache = limits_cache()
    for _attempt in range(3):
        if cache.add(key, 1, int(window)):
            return 1
        with contextlib.suppress(ValueError):  # expired between add and incr: add again
            return int(cache.incr(key))
    return 1  # the key keeps vanishing (a cache that stores nothing): count this one alone


def undo(key: str) -> None:
    """Take one event back (a look-up that turned out not to count)."""
    with contextlib.suppress(ValueError):
        limits_cache().decr(key)


def count(key: str) -> int:
    return int(limits_cache().get(key) or 0)


def forget(key: str) -> None:
    limits_cache().delete(key)


def client_ip(request: HttpRequest) -> str:
    """The client address the limits count per: the adapter's ``client_ip`` (by default
    ``REMOTE_ADDR``, or the header ``DILLER['CLIENT_IP_HEADER']`` names behind a proxy)."""
    return get_adapter().client_ip(request)
