"""``{% diller_loyalty_summary basket %}``: what each coupon and stamp card gives this order;
``{% diller_basket_points basket %}``, ``{% diller_order_loyalty order %}`` and
``{% diller_orders_loyalty orders as loyalty %}``: the club's points and coupons on the basket,
thank-you and order pages."""

from __future__ import annotations

from django import template

from ....loyalty.connection import current_store_id
from ....members.club import cached_points_rule, forget_member_summary, link_of
from ..basket import basket_offers, loyalty_row
from ..card_markup import render_card
from ..loyalty_display import basket_points, order_loyalty, orders_loyalty
from ..offers import PLAN_ATTRIBUTE

register = template.Library()


@register.inclusion_tag("django_diller/oscar/_loyalty_summary.html")
def diller_loyalty_summary(basket) -> dict:
    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    if plan is None or not basket.id:
        return {"rows": [], "stamps": []}
    loyalty = loyalty_row(basket)
    titles = {c["code"]: c.get("title") or c["code"] for c in (loyalty.coupons if loyalty else [])}
    if loyalty is not None and loyalty.providers:  # another provider's coupons: their titles
        titles.update({c.code: c.title or c.code for c in basket_offers(basket, loyalty).coupons})
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


# the club's figures: the basket's points, an order's points and coupons ---------------------


@register.inclusion_tag("django_diller/oscar/_basket_points.html", takes_context=True)
def diller_basket_points(context, basket) -> dict:
    """``{% diller_basket_points basket %}``: the points the basket earns (members) or would
    earn (others, with the way to the club). Never asks Diller: see ``loyalty_display``."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    points = basket_points(basket, cached_points_rule())
    return {"points": points, "linked": points is not None and link_of(user) is not None}


@register.inclusion_tag("django_diller/oscar/_order_loyalty.html")
def diller_order_loyalty(order, just_placed: bool = False) -> dict:
    """``{% diller_order_loyalty order %}``: the points the order earned (or an estimate, said
    to be one) and the coupons and stamp cards it used. ``just_placed`` (the thank-you page)
    also drops the member's cached points, which the order changes."""
    loyalty = order_loyalty(order)
    if just_placed:
        for member_id in loyalty.member_ids:
            forget_member_summary(current_store_id() or "", member_id)
    return {"loyalty": loyalty}


@register.simple_tag
def diller_orders_loyalty(orders) -> dict:
    """``{% diller_orders_loyalty orders as loyalty %}``: each order's loyalty by number, for a
    list of orders (read with ``loyalty|diller_for:order``)."""
    return orders_loyalty(orders)


@register.filter
def diller_for(loyalties: dict, order):
    """The loyalty of ``order`` in what ``diller_orders_loyalty`` gave."""
    return (loyalties or {}).get(str(getattr(order, "number", "")))


# coupons that give nothing -------------------------------------------------------------------


@register.inclusion_tag("django_diller/oscar/_coupon_notes.html")
def diller_coupon_notes(basket) -> dict:
    """``{% diller_coupon_notes basket %}``: the coupons the member ticked that give nothing on
    this basket, each with the reason, and a link back to the coupon step. Reads the plan the
    basket was just priced with: no query unless the plan refused a coupon."""
    from django.urls import NoReverseMatch, reverse
    from django.utils.http import urlencode

    from ..basket import current_loyalty
    from ..coupon_cards import basket_notes

    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    if plan is None or not plan.refused:
        return {"notes": []}
    notes = basket_notes(basket, plan, current_loyalty(basket))
    try:
        step = reverse("diller_oscar:coupons")
        change_url = f"{step}?{urlencode({'next': reverse('basket:summary')})}"
    except NoReverseMatch:  # the shop has not mounted the coupon step
        change_url = ""
    return {"notes": notes, "change_url": change_url}


@register.inclusion_tag("django_diller/oscar/_vouchers.html", takes_context=True)
def diller_vouchers(context, basket) -> dict:
    """``{% diller_vouchers basket %}``: the Coupontools vouchers on the basket, each with a
    button that takes it off, and the form to enter one (nothing while Coupontools is off).
    Put it outside any other form: it is a form of its own."""
    from ..vouchers import typed_before, vouchers_on

    if not vouchers_on() or not basket.id:
        return {"vouchers_on": False}
    from ....coupontools.basket_vouchers import vouchers_of
    from ..basket import current_loyalty

    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    taken = plan.coupon_amounts if plan is not None else {}
    request = context.get("request")
    return {
        "vouchers_on": True,
        "vouchers": [
            {"voucher": v, "amount": taken.get(v.code)}
            for v in vouchers_of(current_loyalty(basket))
        ],
        "currency": basket.currency,
        "next_url": request.get_full_path() if request is not None else "",
        "request": request,
        "typed": typed_before(request),
    }


@register.simple_tag(takes_context=True)
def diller_coupon_card(context, coupon):
    """``{% diller_coupon_card coupon %}``: ``_coupon_card.html`` for one coupon (the plugin's
    own card is kept once rendered: see ``django_diller.contrib.oscar.card_markup``)."""
    return render_card(context, coupon)
