"""The checkout's coupon step: the member's coupons and stamp cards, chosen for this basket.

A shop puts it where it likes in its checkout, e.g. between the shipping method and payment:
link to ``diller_oscar:coupons`` with ``?next=`` the following step. Shoppers who are not
members go straight on, and so does everyone while Diller cannot be reached: checkout never
depends on Diller.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from oscar.core.loading import get_class

from ...adapter import get_adapter
from ...api import DillerError
from ...api import models as wire
from ...models import BasketLoyalty, MemberLink
from ...services.connection import current_store_id
from ...services.wallet import fetch_wallet, snapshot_for_basket
from .offers import PLAN_ATTRIBUTE

logger = logging.getLogger("django_diller.oscar")
Applicator = get_class("offer.applicator", "Applicator")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("checkout:payment-details")


def _reprice(request: HttpRequest, basket) -> None:
    basket.reset_offer_applications()
    Applicator().apply(basket, request.user, request)


def coupon_step(request: HttpRequest) -> HttpResponse:
    basket = request.basket
    next_url = _next_url(request)
    link = (
        MemberLink.objects.filter(user=request.user, store_id=current_store_id() or "").first()
        if request.user.is_authenticated
        else None
    )
    if link is None or not basket.id or basket.is_empty:
        return HttpResponseRedirect(next_url)

    if request.method == "POST":
        loyalty = BasketLoyalty.objects.filter(
            basket_id=basket.id, member_id=link.member_id
        ).first()
        if loyalty is not None:
            codes = {c["code"]: bool(c.get("product_ids")) for c in loyalty.coupons}
            picked = set(request.POST.getlist("use"))
            # Only codes of the member's own snapshot count: nothing else from the browser.
            loyalty.chosen_codes = sorted(
                c for c, product in codes.items() if not product and c in picked
            )
            loyalty.declined_codes = sorted(
                c for c, product in codes.items() if product and c not in picked
            )
            loyalty.save()
            _reprice(request, basket)
        return HttpResponseRedirect(next_url)

    try:
        wallet = fetch_wallet(link.member_id)
    except DillerError as exc:
        logger.warning("diller coupon step without loyalty: %s", exc)
        messages.info(
            request,
            _("Your loyalty coupons can't be fetched right now. You can still place your order."),
        )
        return HttpResponseRedirect(next_url)
    loyalty = snapshot_for_basket(basket.id, link.member_id, wallet)
    _reprice(request, basket)
    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    usable = set(plan.applied_codes) if plan else set()
    # Free shipping is settled once the shipping charge is known: it counts as used when the
    # basket holds a product it names (or it names none).
    adapter = get_adapter()
    in_basket = {adapter.product_external_id(line.product) for line in basket.all_lines()}
    usable |= {
        c.code
        for c in wallet.coupons
        if c.discount_type == wire.CouponDiscountType.FreeShipping
        and (not c.product_ids or in_basket & set(c.product_ids))
    }
    context = {
        "basket": basket,
        "next_url": next_url,
        "product_coupons": [c for c in wallet.coupons if c.product_ids],
        "purchase_coupons": [c for c in wallet.coupons if not c.product_ids],
        "stamp_cards": wallet.stamp_cards,
        "chosen": set(loyalty.chosen_codes),
        "declined": set(loyalty.declined_codes),
        "usable": usable,
    }
    return render(request, "django_diller/oscar/coupon_step.html", context)
