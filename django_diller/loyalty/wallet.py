"""A member's coupons and stamp cards ("wallet"): fetched together, cached briefly.

The wallet is fetched ahead, in a Celery task, when a member logs in or fills the basket
(:func:`prefetch`), so that the coupon step usually finds it in the cache: no round trip while
the shopper waits. Cold, the step reads it once (one round trip: both calls at the same time).
The step keeps a snapshot on the basket (:class:`~django_diller.models.BasketLoyalty`), which the
basket's carrier offer reads on every request without calling Diller (through the discount
sources built from it: :mod:`.sources`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ..api import models as wire
from ..conf import app_settings
from ..inserts import insert_new
from ..models import BasketLoyalty
from .concurrent import side_by_side
from .connection import current_store_id, get_client

logger = logging.getLogger("django_diller.wallet")


@dataclass(frozen=True)
class Wallet:
    coupons: list[wire.MemberCouponResponse]
    stamp_cards: list[wire.MemberStampCard]
    fetched_at: datetime


def _cache_key(store_id: str, member_id: str) -> str:
    return f"diller:wallet:{store_id}:{member_id}"


def fetch_wallet(member_id: str, *, refresh: bool = False) -> Wallet:
    """The member's wallet, from the cache or from Diller (both calls concurrently)."""
    store_id = current_store_id() or ""
    key = _cache_key(store_id, member_id)
    if not refresh and (cached := cache.get(key)) is not None:
        return cached
    client = get_client(store_id)
    coupons, cards = side_by_side(
        lambda: client.get_member_coupons(member_id),
        lambda: client.get_member_stamp_cards(member_id),
    )
    wallet = Wallet(coupons, cards, timezone.now())
    cache.set(key, wallet, int(app_settings.WALLET_CACHE_SECONDS))
    return wallet


def is_cached(member_id: str) -> bool:
    return cache.get(_cache_key(current_store_id() or "", member_id)) is not None


# Baskets fill a line at a time: one prefetch per member in this long is enough.
PREFETCH_QUIET_SECONDS = 30


def prefetch(member_id: str) -> bool:
    """Queue a fetch of the member's wallet into the cache (after the current transaction
    commits), unless it is cached, prefetching is off (``DILLER['PREFETCH_WALLET']``) or one
    was queued moments ago. Whether a fetch was queued. Never raises: it runs while a shopper
    logs in or adds to the basket, which must not fail for it."""
    if not app_settings.PREFETCH_WALLET:
        return False
    store_id = current_store_id() or ""
    try:
        if is_cached(member_id) or not cache.add(
            f"diller:wallet-prefetch:{store_id}:{member_id}", 1, PREFETCH_QUIET_SECONDS
        ):
            return False
    except Exception as exc:  # the cache is down: the coupon step fetches the wallet itself
        logger.warning("diller wallet prefetch not queued: %s", type(exc).__name__)
        return False
    from .tasks import prefetch_wallet  # the tasks module imports this one

    transaction.on_commit(lambda: _queue(prefetch_wallet, member_id))
    return True


def _queue(task: Any, member_id: str) -> None:
    try:
        task.delay(member_id)
    except Exception as exc:  # the broker is down: the coupon step fetches the wallet itself
        logger.warning("diller wallet prefetch not queued: %s", type(exc).__name__)


def forget_wallet(member_id: str) -> None:
    cache.delete(_cache_key(current_store_id() or "", member_id))


def _new_snapshot(basket_id: int, fields: dict) -> BasketLoyalty | None:
    """The basket's first snapshot, or None when another request wrote one meanwhile."""
    snapshot = BasketLoyalty(basket_id=basket_id, **fields)
    return snapshot if insert_new(snapshot, ["basket_id"]) else None


def _snapshot_fields(
    member_id: str, wallet: Wallet, chosen: list[str], declined: list[str]
) -> dict[str, Any]:
    """The snapshot of ``wallet``, keeping the earlier choices of coupons it still has."""
    codes = {c.code for c in wallet.coupons}
    return {
        "store_id": current_store_id() or "",
        "member_id": member_id,
        "coupons": [c.model_dump(mode="json", exclude_none=True) for c in wallet.coupons],
        "stamp_cards": [c.model_dump(mode="json", exclude_none=True) for c in wallet.stamp_cards],
        "chosen_codes": [c for c in chosen if c in codes],
        "declined_codes": [c for c in declined if c in codes],
        "fetched_at": wallet.fetched_at,
    }


def snapshot_for_basket(
    basket_id: int,
    member_id: str,
    wallet: Wallet,
    *,
    row: BasketLoyalty | None = None,
    looked_up: bool = False,
) -> BasketLoyalty:
    """Keep the wallet on the basket, keeping the shopper's earlier choices that still apply.

    ``row``: the basket's snapshot as already read, if any (``looked_up``: read, and there was
    none, so the new snapshot is written in one statement). An unchanged snapshot is not
    written again.
    """
    if row is None and looked_up:
        created = _new_snapshot(basket_id, _snapshot_fields(member_id, wallet, [], []))
        if created is not None:
            return created
    if row is None or row.basket_id != basket_id:
        row, _created = BasketLoyalty.objects.get_or_create(
            basket_id=basket_id,
            defaults={
                "store_id": current_store_id() or "",
                "member_id": member_id,
                "fetched_at": wallet.fetched_at,
            },
        )
    chosen, declined = row.chosen_codes, row.declined_codes
    if row.member_id != member_id:  # another member now owns the basket: start afresh
        chosen, declined = [], []
    fresh = _snapshot_fields(member_id, wallet, chosen, declined)
    if row.pk and all(getattr(row, name) == value for name, value in fresh.items()):
        return row
    for name, value in fresh.items():
        setattr(row, name, value)
    # Only the wallet's fields: what another request kept meanwhile (a voucher) stays.
    row.save(update_fields=[*fresh, "updated_at"])
    return row
