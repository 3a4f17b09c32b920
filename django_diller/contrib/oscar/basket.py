"""Oscar basket lines as the discount engine's lines, and the basket's plan from its sources.

The plan takes the offers of every discount source registered in
:data:`django_diller.loyalty.sources.registry` (Diller's coupons and stamp cards, and whatever a
shop adds), built from the basket's loyalty snapshot: pricing never calls an outside system.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from oscar.core.loading import get_model

from ...adapter import get_adapter
from ...discounts import BasketLine, DiscountPlan
from ...discounts.rounding import minor_unit_of
from ...discounts.sources import (
    DiscountSource,
    GatheredOffers,
    OfferContext,
    gather_offers,
    plan_from_sources,
)
from ...loyalty.sources import registry
from ...models import BasketLoyalty, MemberLink

Basket = get_model("basket", "Basket")


def engine_lines(basket, offer) -> list[BasketLine]:
    """Each line with what the shop's own offers (all but ``offer``) already took off it."""
    adapter = get_adapter()
    minor_unit = minor_unit_of(basket.currency)
    lines = []
    for line in basket.all_lines():
        shop_applications = [d for d in line.discounts.all() if d.offer is not offer]
        shop_amount = sum((d.amount for d in shop_applications), Decimal(0))
        lines.append(
            BasketLine(
                line_id=str(line.pk),
                product_id=adapter.product_external_id(line.product),
                quantity=line.quantity,
                unit_price=line.unit_price_incl_tax or Decimal(0),
                shop_discount=shop_amount.quantize(minor_unit, ROUND_HALF_UP),  # as round_money
                shop_units=min(line.quantity, line.discounts.num_consumed()),
                eligible=adapter.line_is_eligible(line),
            )
        )
    return lines


# The shipping charge is not known while a basket is priced (no method chosen yet); a nominal
# one (the currency's smallest unit) lets the engine choose a free-shipping coupon, whose
# discount is then the whole charge.


# Pricing, the templates and the checkout ask for a basket's snapshot several times in one
# request. The answer is kept on the basket object (which lives as long as the request) and
# taken again only while no snapshot or member link was saved or deleted in this process since.
# Only ``save()`` and ``delete()`` are seen: change these rows with them, never with
# ``QuerySet.update()`` or ``bulk_create()``, or the same request may read a stale snapshot.
_changes = 0
T = TypeVar("T")


def _snapshot_or_link_changed(**kwargs: Any) -> None:
    global _changes
    _changes += 1


for _model in (BasketLoyalty, MemberLink):
    post_save.connect(_snapshot_or_link_changed, sender=_model, dispatch_uid=f"diller-{_model}")
    post_delete.connect(_snapshot_or_link_changed, sender=_model, dispatch_uid=f"diller-{_model}")


def _key(basket) -> tuple[int, int | None, int | None]:
    return (_changes, basket.id, basket.owner_id)


def _remembered(basket, name: str, find: Callable[[], T]) -> T:
    """``find()``, once per basket object while nothing it depends on changed."""
    key = _key(basket)
    kept = getattr(basket, name, None)
    if kept is not None and kept[0] == key:
        return kept[1]
    found = find()
    setattr(basket, name, (key, found))  # on the basket itself, through a lazy wrapper
    return found


def loyalty_row(basket) -> BasketLoyalty | None:
    """The basket's snapshot, whoever it belongs to (None for a basket not saved yet)."""
    if not basket.id:
        return None
    current = getattr(basket, "_diller_current_loyalty", None)
    if current is not None and current[1] is not None and current[0] == _key(basket):
        return current[1]  # the owner's snapshot, already read for pricing
    return _remembered(
        basket,
        "_diller_loyalty_row",
        lambda: BasketLoyalty.objects.of_basket(basket.id),
    )


# A snapshot the request has just read or written for the member who owns the basket, before
# Oscar loaded and priced the basket: (changes then, basket id, owner id, the snapshot).
_known: ContextVar[tuple[int, int, int, BasketLoyalty] | None] = ContextVar(
    "diller_known_snapshot", default=None
)


@contextmanager
def known_snapshot(basket_id: int, owner_id: int, snapshot: BasketLoyalty) -> Iterator[None]:
    """While the block runs, :func:`current_loyalty` takes ``snapshot`` as the basket's instead
    of reading it again, as long as no snapshot or link changed since.

    Only for a snapshot of the member that ``owner_id`` is linked to in the current store (the
    checkout keeps the signed-in member's wallet or ticks on their own open basket).
    """
    token = _known.set((_changes, basket_id, owner_id, snapshot))
    try:
        yield
    finally:
        _known.reset(token)


def current_loyalty(basket) -> BasketLoyalty | None:
    """The basket's snapshot while it may be used: a guest's (no member: what other providers
    gave it), or a member's while the basket's owner is still linked to that member.

    One query, and once a request: the condition, the benefits and the templates all ask.
    """
    if not basket.id:
        return None

    def find() -> BasketLoyalty | None:
        known = _known.get()
        if known is not None and known[:3] == (_changes, basket.id, basket.owner_id):
            return known[3]
        return usable_snapshot(basket.id, basket.owner_id)

    return _remembered(basket, "_diller_current_loyalty", find)


def _usable(owner: str) -> str:
    """SQL: the snapshot ``s`` has no member, or its member is the one the user ``owner`` (a
    column or a placeholder) is linked to in its store."""
    links = connection.ops.quote_name(MemberLink._meta.db_table)
    return (
        f"(s.member_id = '' OR EXISTS (SELECT 1 FROM {links} l WHERE l.user_id = {owner} "  # noqa: S608
        "AND l.member_id = s.member_id AND l.store_id = s.store_id))"
    )


def usable_snapshot(basket_id: int, owner_id: int | None) -> BasketLoyalty | None:
    """The snapshot of ``basket_id`` if it has no member, or its member is the one
    ``owner_id`` is linked to in its store.

    Every priced page runs this; written as SQL because building the same query with the ORM
    (a filter with an ``Exists`` subquery) costs about ten times as long as running it.
    """
    snapshots = connection.ops.quote_name(BasketLoyalty._meta.db_table)
    # The tables' own names, quoted; the values are parameters.
    sql = f"SELECT s.* FROM {snapshots} s WHERE s.basket_id = %s AND {_usable('%s')}"  # noqa: S608
    found = list(BasketLoyalty.objects.raw(sql, [basket_id, owner_id]))
    return found[0] if found else None


def open_basket_snapshot(owner_id: int, *, usable: bool) -> tuple[int | None, BasketLoyalty | None]:
    """The id of the user's one open basket and its snapshot, in one statement and without
    loading or pricing the basket: (None, None) when the user has not exactly one open basket
    (Oscar merges them as it loads the basket); the snapshot None when the basket has none
    (with ``usable``: none that :func:`usable_snapshot` would return)."""
    quote = connection.ops.quote_name
    snapshots = quote(BasketLoyalty._meta.db_table)
    joined = f"s.basket_id = b.id AND {_usable('b.owner_id')}" if usable else "s.basket_id = b.id"
    sql = (
        f"SELECT s.*, b.id AS diller_open_basket_id FROM {quote(Basket._meta.db_table)} b "  # noqa: S608
        f"LEFT JOIN {snapshots} s ON {joined} WHERE b.owner_id = %s AND b.status = %s LIMIT 2"
    )
    found = list(BasketLoyalty.objects.raw(sql, [owner_id, Basket.OPEN]))
    if len(found) != 1:
        return None, None
    row = found[0]
    return row.diller_open_basket_id, (row if row.pk is not None else None)


def basket_sources(loyalty: BasketLoyalty) -> list[DiscountSource]:
    """The registered discount sources of the basket whose snapshot ``loyalty`` is."""
    return registry.sources(loyalty)


def offer_context(basket, offer, loyalty: BasketLoyalty) -> OfferContext:
    """What the sources see of the basket: its lines as the engine's (see :func:`engine_lines`),
    its member and the time."""
    return OfferContext(
        lines=tuple(engine_lines(basket, offer)),
        now=timezone.now(),
        member_id=loyalty.member_id,
    )


def basket_offers(basket, loyalty: BasketLoyalty) -> GatheredOffers:
    """The offers of the basket's sources now (to look up what the plan applied: a coupon's
    limit, a stamp card's stamps or title)."""
    return gather_offers(basket_sources(loyalty), offer_context(basket, None, loyalty))


def plan_for_basket(basket, offer) -> DiscountPlan | None:
    """The loyalty plan of a basket from its sources, or None when it has no snapshot."""
    loyalty = current_loyalty(basket)
    if loyalty is None:
        return None
    minor_unit = minor_unit_of(basket.currency)
    shipping_charge = minor_unit if basket.is_shipping_required() else Decimal(0)
    return plan_from_sources(
        basket_sources(loyalty),
        offer_context(basket, offer, loyalty),
        shipping_charge=shipping_charge,
        minor_unit=minor_unit,
    )
