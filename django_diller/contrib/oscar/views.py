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

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from ...loyalty.connection import current_store_id
from ...models import MemberLink
from . import coupon_choice
from .basket import loyalty_row


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("checkout:payment-details")


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
    _changed, newly = coupon_choice.keep_submitted_ticks(loyalty, request.POST)
    if not newly:  # nothing new to judge: the next page prices the basket anyway
        return HttpResponseRedirect(next_url)
    coupon_choice.reprice(request, basket)
    warning = coupon_choice.refusal_warning(request, basket, loyalty, newly)
    if warning is None:
        return HttpResponseRedirect(next_url)
    messages.warning(request, warning)
    return HttpResponseRedirect(_step_url(next_url))


def coupon_step(request: HttpRequest) -> HttpResponse:
    basket = request.basket
    next_url = _next_url(request)
    link = MemberLink.objects.of(request.user, current_store_id())
    if link is None or not basket.id or basket.is_empty:
        return HttpResponseRedirect(next_url)

    if request.method == "POST":
        return _save_choices(request, basket, link, next_url)

    choice = coupon_choice.prepare(request, basket, link.member_id)
    if choice.unavailable:
        messages.info(
            request,
            _("Your loyalty coupons can't be fetched right now. You can still place your order."),
        )
        if choice.still_applied:
            messages.info(request, choice.still_applied_message)
        return HttpResponseRedirect(next_url)
    context = {
        "basket": basket,
        "currency": basket.currency,
        "next_url": next_url,
        "choice": choice,
    }
    return render(request, "django_diller/oscar/coupon_step.html", context)
