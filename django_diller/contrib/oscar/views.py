"""The checkout's coupon step: the member's coupons and stamp cards, chosen for this basket.

A shop puts it where it likes in its checkout, e.g. between the shipping method and payment:
link to ``diller_oscar:coupons`` with ``?next=`` the following step. Shoppers who are not
members go straight on, and so does everyone while Diller cannot be reached: checkout never
depends on Diller.

The page extends Oscar's checkout layout with its step bar (as part of the payment step) and
shows each coupon as a card: its value, expiry, what it applies to, and, for a ticked coupon that
gives nothing, why (see :mod:`.coupon_cards`).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from oscar.core.loading import get_class

from ...api import DillerError
from ...loyalty.connection import current_store_id
from ...loyalty.wallet import fetch_wallet, snapshot_for_basket
from ...models import MemberLink
from .basket import loyalty_row
from .coupon_cards import coupon_cards, refusal_notes, ticked_codes
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


def _step_url(next_url: str) -> str:
    return f"{reverse('diller_oscar:coupons')}?{urlencode({'next': next_url})}"


def _save_choices(request: HttpRequest, basket, link: MemberLink, next_url: str) -> HttpResponse:
    """Keep the ticked coupons; come back to the step when a newly ticked one gives nothing.

    Coming back shows the shopper why next to the coupon; a second "Continue" goes on (the
    coupon is no longer newly ticked), so the step never holds the shopper up twice.
    """
    loyalty = loyalty_row(basket)
    if loyalty is None or loyalty.member_id != link.member_id:
        return HttpResponseRedirect(next_url)
    before = ticked_codes(loyalty)
    codes = {c["code"]: bool(c.get("product_ids")) for c in loyalty.coupons}
    picked = set(request.POST.getlist("use"))
    # Only codes of the member's own snapshot count: nothing else from the browser.
    loyalty.chosen_codes = sorted(c for c, product in codes.items() if not product and c in picked)
    loyalty.declined_codes = sorted(
        c for c, product in codes.items() if product and c not in picked
    )
    loyalty.save()
    newly = ticked_codes(loyalty) - before
    if not newly:  # nothing new to judge: the next page prices the basket anyway
        return HttpResponseRedirect(next_url)
    _reprice(request, basket)
    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    notes = [n for code, n in refusal_notes(basket, plan, loyalty).items() if code in newly]
    if not notes:
        return HttpResponseRedirect(next_url)
    titles = get_text_list([f"“{n.title}”" for n in notes], _("and"))
    messages.warning(
        request,
        ngettext(
            "%(titles)s gives nothing on this order: the reason is shown with the coupon. "
            "Untick it, or continue as it is.",
            "%(titles)s give nothing on this order: the reasons are shown with the coupons. "
            "Untick them, or continue as they are.",
            len(notes),
        )
        % {"titles": titles},
    )
    return HttpResponseRedirect(_step_url(next_url))


def coupon_step(request: HttpRequest) -> HttpResponse:
    basket = request.basket
    next_url = _next_url(request)
    link = MemberLink.objects.of(request.user, current_store_id())
    if link is None or not basket.id or basket.is_empty:
        return HttpResponseRedirect(next_url)

    if request.method == "POST":
        return _save_choices(request, basket, link, next_url)

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
    cards = coupon_cards(basket, plan, loyalty)
    context = {
        "basket": basket,
        "currency": basket.currency,
        "next_url": next_url,
        "product_coupons": [c for c in cards if c.product_coupon],
        "purchase_coupons": [c for c in cards if not c.product_coupon],
        "stamp_cards": wallet.stamp_cards,
        # No plan: the carrier offers are suspended (or failed), so no coupon applies now.
        "coupons_paused": plan is None and bool(cards),
    }
    return render(request, "django_diller/oscar/coupon_step.html", context)
