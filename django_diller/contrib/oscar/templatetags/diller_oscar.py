"""``{% diller_loyalty_summary basket %}``: what each coupon and stamp card gives this order."""

from __future__ import annotations

from django import template

from ....models import BasketLoyalty
from ..offers import PLAN_ATTRIBUTE

register = template.Library()


@register.inclusion_tag("django_diller/oscar/_loyalty_summary.html")
def diller_loyalty_summary(basket) -> dict:
    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    if plan is None or not basket.id:
        return {"rows": [], "stamps": []}
    loyalty = BasketLoyalty.objects.filter(basket_id=basket.id).first()
    titles = {c["code"]: c.get("title") or c["code"] for c in (loyalty.coupons if loyalty else [])}
    cards = {
        str(c.get("id")): c.get("title") or str(c.get("id"))
        for c in (loyalty.stamp_cards if loyalty else [])
    }
    rows = [
        {"title": titles.get(code, code), "amount": amount}
        for code, amount in plan.coupon_amounts.items()
    ]
    if plan.shipping_coupon:
        rows.append({"title": titles.get(plan.shipping_coupon), "amount": None})
    free_by_card: dict[str, object] = {}
    for discount in plan.line_discounts:
        if discount.source == "stamp_card":
            free_by_card[discount.reference] = discount.amount
    stamps = [
        {
            "title": cards.get(str(m.card_id), str(m.card_id)),
            "collected": m.collected,
            "rewards": m.rewards,
            "amount": free_by_card.get(str(m.card_id)),
        }
        for m in plan.stamp_movements
    ]
    return {"rows": rows, "stamps": stamps, "currency": basket.currency}
