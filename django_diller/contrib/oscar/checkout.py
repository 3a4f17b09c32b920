"""Checkout hooks: check the applied coupons just before the order is placed, and record and
reserve them once it is.

Put :class:`DillerCheckoutMixin` before Oscar's ``PaymentDetailsView`` in the shop's forked
checkout views; :class:`DillerPaymentMethodMixin` before ``PaymentMethodView`` routes the
checkout through the coupon step.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ...adapter import get_adapter
from ...api import DillerError
from ...models import BasketLoyalty, MemberLink
from ...services import claims
from ...services.connection import current_store_id
from ...services.reservations import invalid_coupons, queue_reservation, record_order_items
from ...services.wallet import forget_wallet
from . import triggers
from .forms import GuestConsentForm
from .guard import guarded
from .offers import PLAN_ATTRIBUTE

logger = logging.getLogger("django_diller.oscar")


def _member_id(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    links = MemberLink.objects.filter(user=user, store_id=current_store_id() or "")
    return links.values_list("member_id", flat=True).first()


def _line_products(basket) -> dict[str, str]:
    """The basket's line ids (the discount plan's) → the products' ids at Diller."""
    adapter = get_adapter()
    return {str(line.pk): adapter.product_external_id(line.product) for line in basket.all_lines()}


def _drop_codes(loyalty: BasketLoyalty, codes: set[str]) -> None:
    product_codes = {c["code"] for c in loyalty.coupons if c.get("product_ids")}
    loyalty.chosen_codes = [c for c in loyalty.chosen_codes if c not in codes]
    loyalty.declined_codes = sorted(set(loyalty.declined_codes) | (codes & product_codes))
    loyalty.save()


def _claim_limited_coupons(loyalty: BasketLoyalty, codes, basket_id: int) -> set[str]:
    """Claim a use of every applied coupon that has a limited number; the codes all taken."""
    taken = set()
    for coupon in loyalty.coupons:
        code, limit = coupon["code"], coupon.get("max_redemptions")
        if code not in codes or not limit:
            continue
        next_use = int(coupon.get("times_redeemed") or 0) + 1
        if not claims.claim(
            loyalty.store_id, loyalty.member_id, code, next_use, int(limit), basket_id
        ):
            taken.add(code)
    return taken


def _claim_stamp_rewards(loyalty: BasketLoyalty, plan, basket_id: int) -> set[int]:
    """Claim each stamp-card reward of the plan; the ids of cards whose reward is taken.

    A reward belongs to the card's state (its stamps as fetched): two orders from the same state
    would both give the free unit, and Diller sees the stamps spent only when the first order's
    transaction arrives. One claim per card state lets exactly one of them have it.
    """
    collected = {c.get("id"): int(c.get("stamps_collected") or 0) for c in loyalty.stamp_cards}
    taken = set()
    for movement in plan.stamp_movements:
        if not movement.rewards:
            continue
        key = f"stamp-card:{movement.card_id}@{collected.get(movement.card_id, 0)}"
        if not claims.claim(loyalty.store_id, loyalty.member_id, key, 1, 1, basket_id):
            taken.add(movement.card_id)
    return taken


class DillerCheckoutMixin:
    """For the view that places the order (Oscar's ``PaymentDetailsView``)."""

    diller_guest_consents: dict[str, bool] | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.request.user.is_authenticated:
            context.setdefault("diller_guest_consent_form", GuestConsentForm())
        return context

    def handle_place_order_submission(self, request):
        if not request.user.is_authenticated:
            form = GuestConsentForm(request.POST)
            form.is_valid()  # two optional boxes: always valid
            self.diller_guest_consents = {
                "join": bool(form.cleaned_data.get("join")),
                "save_order_history": bool(form.cleaned_data.get("save_order_history")),
            }
        basket = request.basket
        plan = getattr(basket, PLAN_ATTRIBUTE, None)
        member_id = _member_id(request.user)
        loyalty = BasketLoyalty.objects.filter(basket_id=basket.id).first() if basket.id else None
        if plan is None or member_id is None or loyalty is None or not plan.applied_codes:
            return super().handle_place_order_submission(request)
        try:
            problems = invalid_coupons(member_id, list(plan.applied_codes))
        except DillerError as exc:
            # Nothing is charged yet: drop the loyalty discounts and show the new total.
            logger.warning("diller could not check coupons before the order: %s", exc)
            loyalty.delete()
            messages.warning(
                request,
                _(
                    "The loyalty club can't be reached right now, so your coupons can't be used "
                    "on this order. Please check the new total."
                ),
            )
            return HttpResponseRedirect(reverse("checkout:preview"))
        if problems:
            _drop_codes(loyalty, {p.code for p in problems})
            for problem in problems:
                messages.error(
                    request,
                    _("The coupon %(code)s can no longer be used: %(reason)s")
                    % {"code": problem.code, "reason": problem.reason},
                )
            return HttpResponseRedirect(reverse("checkout:preview"))
        taken = _claim_limited_coupons(loyalty, plan.applied_codes, basket.id)
        taken_cards = _claim_stamp_rewards(loyalty, plan, basket.id)
        if taken or taken_cards:
            _drop_codes(loyalty, taken)
            for code in sorted(taken):
                messages.error(
                    request,
                    _("The coupon %(code)s is already used by another order.") % {"code": code},
                )
            if taken_cards:
                loyalty.stamp_cards = [
                    c for c in loyalty.stamp_cards if c.get("id") not in taken_cards
                ]
                loyalty.save()
                messages.error(
                    request,
                    _("A stamp-card reward is already used by another order."),
                )
            return HttpResponseRedirect(reverse("checkout:preview"))
        return super().handle_place_order_submission(request)

    def handle_successful_order(self, order):
        basket = self.request.basket
        plan = getattr(basket, PLAN_ATTRIBUTE, None)
        member_id = _member_id(self.request.user)
        if plan is not None and member_id and (plan.applied_codes or plan.stamp_movements):
            number = str(order.number)  # Oscar keeps the generated number as an int until reloaded
            shipping_discount = order.shipping_before_discounts_incl_tax - order.shipping_incl_tax
            try:
                record_order_items(
                    number,
                    member_id,
                    plan,
                    shipping_discount=shipping_discount,
                    line_products=_line_products(basket),
                )
            except Exception:  # the order is placed: never fail it for loyalty bookkeeping
                logger.exception("diller could not record the loyalty items of an order")
            else:
                guarded(queue_reservation)(number, member_id)
        if basket.id:
            claims.attach_to_order(basket.id, str(order.number))
            BasketLoyalty.objects.filter(basket_id=basket.id).delete()
        if member_id:
            forget_wallet(member_id)  # the next basket must not reuse what this order spent
        if self.diller_guest_consents is not None:
            self._register_guest(order, **self.diller_guest_consents)
        return super().handle_successful_order(order)

    def _register_guest(self, order, join: bool, save_order_history: bool) -> None:
        """Record what the guest ticked; only a ticked "join" sends anything to Diller."""
        from .guests import record_guest_consents
        from .tasks import register_guest_member

        number = str(order.number)
        try:
            record_guest_consents(number, current_store_id() or "", join, save_order_history)
        except Exception:
            logger.exception("diller could not record a guest's consents")
            return
        if join:
            transaction.on_commit(lambda: register_guest_member.delay(number, save_order_history))
            guarded(triggers.member_joined_with_order)(order)


class DillerPaymentMethodMixin:
    """For Oscar's ``PaymentMethodView``: members pass the coupon step on the way to payment."""

    def get_success_response(self):
        if _member_id(self.request.user) is None:
            return super().get_success_response()
        target = reverse("diller_oscar:coupons")
        return HttpResponseRedirect(
            f"{target}?{urlencode({'next': reverse('checkout:payment-details')})}"
        )
