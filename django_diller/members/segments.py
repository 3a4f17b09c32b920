"""The store's segments (dynamic profile questions), cached briefly.

Segments change rarely but every join and edit page needs them, so they are kept in Django's
cache for five minutes per store. Staff who just changed them in Diller can call
:func:`refresh_segments` instead of waiting.
"""

from __future__ import annotations

from django.core.cache import cache

from ..api import models as wire
from ..loyalty.connection import current_store_id, get_client

SEGMENTS_TTL = 5 * 60


def _cache_key(store_id: str) -> str:
    return f"diller:segments:{store_id}"


def all_segments(store_id: str | None = None) -> list[wire.StoreSegmentResponse]:
    """Every segment of the store, in Diller's order (raises the client's errors)."""
    store_id = store_id or current_store_id() or ""
    key = _cache_key(store_id)
    cached = cache.get(key)
    if cached is not None:
        return [wire.StoreSegmentResponse.model_validate(item) for item in cached]
    segments = get_client(store_id).get_segments()
    # Plain data in the cache: it survives pickling across processes and model changes.
    cache.set(key, [s.model_dump(mode="json") for s in segments], SEGMENTS_TTL)
    return list(segments)


def visible_segments(store_id: str | None = None) -> list[wire.StoreSegmentResponse]:
    """The segments a shopper may see and answer (``is_visible_to_follower``)."""
    return [s for s in all_segments(store_id) if s.is_visible_to_follower]


def refresh_segments(store_id: str | None = None) -> None:
    """Forget the cached segments so the next read asks Diller again."""
    cache.delete(_cache_key(store_id or current_store_id() or ""))
