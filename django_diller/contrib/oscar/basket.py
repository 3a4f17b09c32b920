"""Oscar basket lines as the discount engine's lines, and the basket's plan from its sources.

The plan takes the offers of every discount source registered in
:data:`django_diller.loyalty.sources.registry` (Diller's coupons and stamp cards, and whatever a
shop adds), built from the basket's loyalty snapshot: pricing never calls an outside system.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from ...adapter import get_adapter
from ...discounts import BasketLine, DiscountPlan
from ...discounts.rounding import CENT
from ...discounts.sources import (
    DiscountSource,
    GatheredOffers,
    OfferContext,
    gather_offers,
    plan_from_sources,
)
from ...loyalty.sources import registry
from ...models import BasketLoyalty, MemberLink


def engine_lines(basket, offer) -> list[BasketLine]:
    """Each line with what the shop's own offers (all but ``offer``) already took off it."""
    adapter = get_adapter()
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
                shop_discount=shop_amount.quantize(CENT),
                shop_units=min(line.quantity, line.discounts.num_consumed()),
                eligible=adapter.line_is_eligible(line),
            )
        )
    return lines


# The shipping charge is not known while a basket is priced (no method chosen yet); a nominal
# one lets the engine choose a free-shipping coupon, whose discount is then the whole charge.
NOMINAL_SHIPPING = Decimal("0.01")


def current_loyalty(basket) -> BasketLoyalty | None:
    """The basket's snapshot, if it still belongs to the member its owner is linked to now.

    One query: it runs for the condition and the benefit on every request that prices a basket.
    """
    if not basket.id or not basket.owner_id:
        return None
    still_linked = MemberLink.objects.filter(
        user_id=basket.owner_id, member_id=OuterRef("member_id"), store_id=OuterRef("store_id")
    )
    return BasketLoyalty.objects.filter(basket_id=basket.id).filter(Exists(still_linked)).first()


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
    shipping_charge = NOMINAL_SHIPPING if basket.is_shipping_required() else Decimal(0)
    return plan_from_sources(
        basket_sources(loyalty),
        offer_context(basket, offer, loyalty),
        shipping_charge=shipping_charge,
    )
