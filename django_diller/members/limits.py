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
import ipaddress

from django.core.cache import BaseCache, caches
from django.http import HttpRequest

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
    """The client address the limits count per.

    ``REMOTE_ADDR`` unless ``DILLER['CLIENT_IP_HEADER']`` names the ``request.META`` key a
    reverse proxy sets. In a comma-separated list (``X-Forwarded-For``) each proxy appends the
    address it received the request from, so the client's is the one ``CLIENT_IP_PROXIES``
    places from the right; what is left of it is whatever the client sent, and trusting it
    would let anyone dodge the limits. A header that is missing, shorter than the proxies
    configured, or not an address falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    header = app_settings.CLIENT_IP_HEADER
    if not header:
        return remote
    parts = [part.strip() for part in str(request.META.get(str(header), "")).split(",")]
    parts = [part for part in parts if part]
    proxies = max(int(app_settings.CLIENT_IP_PROXIES), 1)
    if len(parts) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(parts[-proxies]))
    except ValueError:
        return remote
