"""Oscar basket lines as the discount engine's lines, and the plan applied back to them."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from ...adapter import get_adapter
from ...discounts import BasketLine, DiscountPlan, plan_discounts
from ...discounts.rounding import CENT
from ...loyalty.wallet import coupon_offers, stamp_card_offers
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


def plan_for_basket(basket, offer) -> DiscountPlan | None:
    """The loyalty plan of a basket from its snapshot, or None when it has none."""
    loyalty = current_loyalty(basket)
    if loyalty is None:
        return None
    shipping_charge = NOMINAL_SHIPPING if basket.is_shipping_required() else Decimal(0)
    return plan_discounts(
        engine_lines(basket, offer),
        coupon_offers(loyalty),
        stamp_card_offers(loyalty),
        now=timezone.now(),
        shipping_charge=shipping_charge,
    )
