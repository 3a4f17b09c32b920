"""The store's settings and membership levels, cached briefly for the shopper pages.

Every join page needs the store's country (to read national phone numbers) and privacy policy
link, and every "my loyalty" page its currency and levels: asking Diller each time would add a
round trip per page for data that changes a few times a year.
"""

from __future__ import annotations

from django.core.cache import cache

from ..api import models as wire
from .connection import current_store_id, get_client

STORE_TTL = 5 * 60


def _store_key(store_id: str) -> str:
    return f"diller:store-details:{store_id}"


def store_details(store_id: str | None = None) -> wire.StoreResponse:
    """The store (raises the client's errors when Diller can't be asked)."""
    store_id = store_id or current_store_id() or ""
    cached = cached_store(store_id)
    if cached is not None:
        return cached
    store = get_client(store_id).get_store()
    cache.set(_store_key(store_id), store.model_dump(mode="json"), STORE_TTL)
    return store


def cached_store(store_id: str | None = None) -> wire.StoreResponse | None:
    """The store as the cache has it, or None: never asks Diller (for a page that must not
    wait for it, such as the checkout's)."""
    store_id = store_id or current_store_id() or ""
    cached = cache.get(_store_key(store_id))
    return wire.StoreResponse.model_validate(cached) if cached is not None else None


def membership_levels(store_id: str | None = None) -> list[wire.StoreMembershipLevelResponse]:
    """The store's levels, lowest threshold first."""
    store_id = store_id or current_store_id() or ""
    key = f"diller:membership-levels:{store_id}"
    cached = cache.get(key)
    if cached is None:
        levels = get_client(store_id).get_membership_levels()
        cached = [level.model_dump(mode="json") for level in levels]
        cache.set(key, cached, STORE_TTL)
    levels = [wire.StoreMembershipLevelResponse.model_validate(item) for item in cached]
    return sorted(levels, key=lambda level: level.points or 0)
