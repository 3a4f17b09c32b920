"""Claims on coupons with a limited number of uses (see :class:`~django_diller.models.CouponClaim`).

Diller's own reservation comes after the order is committed, so it cannot stop two checkouts
that run at the same time from both using a single-use coupon. The claim is local, inside the
database transaction that places the order: a unique slot per remaining use.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..inserts import insert_new
from ..models import CouponClaim

CLAIM_MINUTES = 30  # a basket that did not become an order frees its claim after this long


def claim(
    store_id: str, member_id: str, code: str, first_use: int, last_use: int, basket_id: int
) -> bool:
    """Hold one of the uses numbered ``first_use``..``last_use`` for ``basket_id``; False when
    all are held.

    Slots are use numbers, not counts: with one use already counted by Diller, the next order
    claims use 2, so a claim an earlier (sent) order still holds on use 1 does not block it.
    """
    held = CouponClaim.objects.filter(
        store_id=store_id, member_id=member_id, code=code, basket_id=basket_id
    )
    if max(1, first_use) == last_use:  # one use to hold: try it, and ask only if it is held
        if _take_a_slot(store_id, member_id, code, first_use, last_use, basket_id):
            return True
        if held.exists():  # by this basket (the order is being placed again)
            return True
    else:
        if held.exists():  # this basket holds one already (the order is being placed again)
            return True
        if _take_a_slot(store_id, member_id, code, first_use, last_use, basket_id):
            return True
    # Claims of baskets that never became orders free their slots after a while.
    stale = CouponClaim.objects.filter(
        store_id=store_id,
        member_id=member_id,
        code=code,
        order_number="",
        claimed_at__lt=timezone.now() - timedelta(minutes=CLAIM_MINUTES),
    ).delete()[0]
    return bool(stale) and _take_a_slot(store_id, member_id, code, first_use, last_use, basket_id)


def _take_a_slot(
    store_id: str, member_id: str, code: str, first_use: int, last_use: int, basket_id: int
) -> bool:
    """Hold the first free use among ``first_use``..``last_use``; False when none is free."""
    for slot in range(max(1, first_use), last_use + 1):
        claim = CouponClaim(
            store_id=store_id, member_id=member_id, code=code, slot=slot, basket_id=basket_id
        )
        # a taken slot does not spoil the order's transaction
        if insert_new(claim, ["store_id", "member_id", "code", "slot"]):
            return True
    return False


def release_unattached(basket_id: int) -> None:
    """Free what an earlier attempt to place this basket's order claimed (a payment that was
    declined): the attempt now claims again what it uses, and what it no longer uses is free
    for other orders, not attached to this one."""
    CouponClaim.objects.filter(basket_id=basket_id, order_number="").delete()


def attach_to_order(basket_id: int, order_number: str) -> None:
    CouponClaim.objects.filter(basket_id=basket_id, order_number="").update(
        order_number=str(order_number)
    )


def release_for_order(order_number: str, store_id: str | None = None) -> None:
    """End the order's claims (of one store's coupons only, when ``store_id`` is given: another
    provider's claims on the same order are that provider's to end)."""
    held = CouponClaim.objects.filter(order_number=str(order_number))
    if store_id is not None:
        held = held.filter(store_id=store_id)
    held.delete()


# What a claim is, as an outbox answer keeps it (:func:`held_by_order`, :func:`take_again`).
_CLAIM_FIELDS = ("store_id", "member_id", "code", "slot", "basket_id")


def held_by_order(order_number: str) -> list[dict]:
    """The order's claims, to take again with :func:`take_again` after they were ended."""
    held = CouponClaim.objects.filter(order_number=str(order_number)).order_by("pk")
    return list(held.values(*_CLAIM_FIELDS))


def take_again(order_number: str, held: list[dict]) -> int:
    """Take the claims :func:`held_by_order` gave back for the order (those it holds already
    stay); how many another basket or order holds now (those uses are gone)."""
    lost = 0
    for fields in held:
        slot = {name: fields[name] for name in _CLAIM_FIELDS}
        claim = CouponClaim(order_number=str(order_number), **slot)
        if insert_new(claim, ["store_id", "member_id", "code", "slot"]):
            continue
        lost += not CouponClaim.objects.filter(order_number=str(order_number), **slot).exists()
    return lost
