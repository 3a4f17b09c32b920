"""Discount sources: the one shape in which every provider hands its offers to the engine.

A *source* is whatever knows some of a basket's offers: Diller's coupons, Diller's stamp cards,
and next a voucher system's vouchers or the shop's own discount rules. Each one implements
:class:`DiscountSource`: a ``provider`` name and ``offers(context)``, which turns what the
source holds into engine offers (:class:`~.model.CouponOffer`, :class:`~.model.StampCardOffer`)
for the basket in the :class:`OfferContext`. The engine plans all the offers of all the sources
together, so each unit still carries at most one discount whoever gave it.

Writing a source for another provider:

* ``offers()`` runs whenever the shop prices a basket, so it must never call an outside
  system: it reads what the provider's checkout step or a background task kept beforehand (a
  snapshot, like Diller's wallet on the basket), or the shop's own configuration.
* Every offer carries its ``provider`` (the source's), its ``combinable`` (what it may combine
  with; see :class:`~.model.Combinability`) and its eligibility: ``product_ids``, the products
  whose lines it may discount (empty: the whole purchase). A rule on categories, say, names the
  context's products it covers.
* A voucher the shopper typed in is a whole-purchase coupon with ``chosen=True``, or a product
  coupon; a shop rule that applies by itself is a product coupon (or a chosen whole-purchase
  one). Codes and card ids name the offers in the plan: keep them unique across providers (a
  prefix on codes does). The plan tells the providers apart with
  :meth:`~.model.DiscountPlan.provider_of`: whatever reports to one provider (Diller's
  transaction, a voucher's redemption) takes only that provider's discounts.
* An offer the engine cannot give is refused with a :class:`~.model.RefusalReason`, never
  dropped silently, so a source may hand over expired or used-up offers as they are.

:class:`SourceRegistry` keeps the factories that build a basket's sources from what the shop
keeps for it; the Diller integration fills one with Diller's (see
``django_diller.loyalty.sources``) and a shop adds its own with :meth:`SourceRegistry.register`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from .engine import plan_discounts
from .model import BasketLine, CouponOffer, DiscountPlan, StampCardOffer
from .rounding import CENT

Offer = CouponOffer | StampCardOffer

SnapshotT = TypeVar("SnapshotT", contravariant=True)


@dataclass(frozen=True)
class OfferContext:
    """What a source may look at to give its offers: the basket's lines (in the engine's terms,
    with the products' ids), the member the basket belongs to (``None`` for a guest) and the
    time of pricing."""

    lines: tuple[BasketLine, ...]
    now: datetime
    member_id: str | None = None

    @property
    def product_ids(self) -> frozenset[str]:
        return frozenset(line.product_id for line in self.lines)


class DiscountSource(Protocol):
    """Where some of a basket's offers come from (see the module docstring)."""

    @property
    def provider(self) -> str:
        """The provider's name, carried by each of its offers (``"diller"`` for Diller's)."""
        ...

    def offers(self, context: OfferContext) -> Sequence[Offer]:
        """The source's offers for this basket. Never calls an outside system."""
        ...


SourceFactory = Callable[[SnapshotT], Iterable[DiscountSource]]


class SourceRegistry(Generic[SnapshotT]):
    """The factories that build a basket's sources from ``SnapshotT``, what the shop keeps for
    the basket (the Oscar integration passes its loyalty snapshot).

    Filled in code, not settings: an app registers its factory once at start-up (in its
    ``AppConfig.ready``); registering the same factory again changes nothing.
    """

    def __init__(self, factories: Iterable[SourceFactory[SnapshotT]] = ()) -> None:
        self._factories: list[SourceFactory[SnapshotT]] = []
        for factory in factories:
            self.register(factory)

    def register(self, factory: SourceFactory[SnapshotT]) -> SourceFactory[SnapshotT]:
        """Add ``factory`` (after those already there); returns it, so it can decorate."""
        if factory not in self._factories:
            self._factories.append(factory)
        return factory

    def unregister(self, factory: SourceFactory[SnapshotT]) -> None:
        if factory in self._factories:
            self._factories.remove(factory)

    @property
    def factories(self) -> tuple[SourceFactory[SnapshotT], ...]:
        return tuple(self._factories)

    def sources(self, snapshot: SnapshotT) -> list[DiscountSource]:
        """Every registered factory's sources for this snapshot, in registration order."""
        return [source for factory in self._factories for source in factory(snapshot)]


@dataclass(frozen=True)
class GatheredOffers:
    """The offers of a basket's sources, split as the engine takes them."""

    coupons: tuple[CouponOffer, ...]
    stamp_cards: tuple[StampCardOffer, ...]


def gather_offers(sources: Iterable[DiscountSource], context: OfferContext) -> GatheredOffers:
    """Every source's offers for the basket in ``context``, in the sources' order."""
    coupons: list[CouponOffer] = []
    cards: list[StampCardOffer] = []
    for source in sources:
        for offer in source.offers(context):
            if isinstance(offer, CouponOffer):
                coupons.append(offer)
            else:
                cards.append(offer)
    return GatheredOffers(tuple(coupons), tuple(cards))


def plan_from_sources(
    sources: Iterable[DiscountSource],
    context: OfferContext,
    *,
    shipping_charge: Decimal = Decimal(0),
    minor_unit: Decimal = CENT,
) -> DiscountPlan:
    """The plan of the basket in ``context`` with every source's offers (see
    :func:`~.engine.plan_discounts`; with unique codes and card ids, the order of the sources
    never changes the plan)."""
    offers = gather_offers(sources, context)
    return plan_discounts(
        context.lines,
        offers.coupons,
        offers.stamp_cards,
        now=context.now,
        shipping_charge=shipping_charge,
        minor_unit=minor_unit,
    )
