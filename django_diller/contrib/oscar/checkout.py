"""Checkout hooks: check the applied coupons just before the order is placed, and record and
reserve them once it is.

Put :class:`DillerCheckoutMixin` before Oscar's ``PaymentDetailsView`` in the shop's forked
checkout views. With ``DILLER['COUPON_CHOICE'] = "payment-details"`` (the default) it also shows
a member's coupons on the payment details page and keeps the ticks that page posts to the
preview; with ``"step"``, :class:`DillerPaymentMethodMixin` before ``PaymentMethodView`` routes
members through the coupon step instead.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from oscar.core.loading import get_class
from oscar.templatetags.currency_filters import currency as format_currency

from ...adapter import get_adapter
from ...api import DillerError
from ...conf import app_settings
from ...discounts.model import DILLER
from ...discounts.sources import GatheredOffers
from ...links import safe_link
from ...loyalty import claims
from ...loyalty.connection import current_store_id
from ...loyalty.reservations import (
    CouponProblem,
    queue_reservation,
    recheck,
    record_order_items,
    snapshot_titles,
)
from ...loyalty.store import cached_store
from ...loyalty.wallet import forget_wallet
from ...models import BasketLoyalty, MemberLink
from . import coupon_choice, guests, preview, triggers, vouchers
from .basket import basket_offers, known_snapshot, loyalty_row, open_basket_snapshot
from .forms import GuestConsentForm
from .guard import guarded
from .offers import PLAN_ATTRIBUTE
from .order_commit import write_before_commit

logger = logging.getLogger("django_diller.oscar")
Applicator = get_class("offer.applicator", "Applicator")


def _member_id(request) -> str | None:
    """The shopper's member id (the link is read once per request: ``MemberLinkQuerySet.of``)."""
    link = MemberLink.objects.of(request.user, current_store_id())
    return link.member_id if link else None


def _line_products(basket) -> dict[str, str]:
    """The basket's line ids (the discount plan's) → the products' ids at Diller."""
    adapter = get_adapter()
    return {str(line.pk): adapter.product_external_id(line.product) for line in basket.all_lines()}


def _titles(basket) -> dict[str, str]:
    """The titles of the coupons and stamp cards on the basket's snapshot."""
    loyalty = loyalty_row(basket)
    return snapshot_titles(loyalty.coupons, loyalty.stamp_cards) if loyalty else {}


def _thresholds(offers: GatheredOffers | None) -> dict[int, Decimal]:
    """The purchase amount of each of Diller's threshold stamp cards among the basket's offers."""
    if offers is None:
        return {}
    return {
        card.card_id: card.threshold_amount
        for card in offers.stamp_cards
        if card.provider == DILLER
        and card.card_type == "threshold"
        and card.threshold_amount is not None
    }


def _drop_codes(loyalty: BasketLoyalty, codes: set[str]) -> None:
    product_codes = {c["code"] for c in loyalty.coupons if c.get("product_ids")}
    loyalty.chosen_codes = [c for c in loyalty.chosen_codes if c not in codes]
    loyalty.declined_codes = sorted(set(loyalty.declined_codes) | (codes & product_codes))
    loyalty.save()


def _drop_diller_offers(loyalty: BasketLoyalty) -> None:
    """Diller's coupons and stamp cards off the basket; what other providers keep on it (a
    voucher, a discount applied by hand) stays."""
    loyalty.coupons, loyalty.stamp_cards = [], []
    loyalty.chosen_codes, loyalty.declined_codes = [], []
    loyalty.save()


def _refusal_message(problem: CouponProblem) -> str:
    if problem.reason.strip():
        return _("The coupon %(code)s can no longer be used: %(reason)s") % {
            "code": problem.code,
            "reason": problem.reason,
        }
    return _("The coupon %(code)s can no longer be used.") % {"code": problem.code}


def _reward_cards(offers: GatheredOffers, plan) -> dict[int, int]:
    """Diller's cards whose reward the plan gives → their stamps in the snapshot it came from."""
    collected = {c.card_id: c.stamps_collected for c in offers.stamp_cards if c.provider == DILLER}
    return {
        m.card_id: collected[m.card_id]
        for m in plan.stamp_movements
        if m.rewards and m.card_id in collected
    }


def _diller_codes(offers: GatheredOffers, plan) -> list[str]:
    """The plan's applied codes that are Diller's coupons (the ones Diller checks and spends)."""
    diller = {c.code for c in offers.coupons if c.provider == DILLER}
    return [code for code in plan.applied_codes if code in diller]


def _refresh_cards(loyalty: BasketLoyalty, card_ids: set[int], fresh: dict) -> None:
    """Put Diller's current state of these cards in the basket's snapshot (or drop them)."""
    cards = []
    for card in loyalty.stamp_cards:
        card_id = card.get("id")
        if card_id not in card_ids:
            cards.append(card)
        elif card_id in fresh:
            cards.append(fresh[card_id].model_dump(mode="json", exclude_none=True))
    loyalty.stamp_cards = cards
    loyalty.save()


def _claim_limited_coupons(
    loyalty: BasketLoyalty, offers: GatheredOffers, codes, basket_id: int
) -> set[str]:
    """Claim a use of every applied coupon that has a limited number; the codes all taken."""
    taken = set()
    for coupon in offers.coupons:
        code, limit = coupon.code, coupon.max_redemptions
        if code not in codes or not limit:
            continue
        next_use = coupon.times_redeemed + 1
        if not claims.claim(loyalty.store_id, loyalty.member_id, code, next_use, limit, basket_id):
            taken.add(code)
    return taken


def _claim_stamp_rewards(
    loyalty: BasketLoyalty, reward_cards: dict[int, int], basket_id: int
) -> set[int]:
    """Claim each stamp-card reward of the plan; the ids of cards whose reward is taken.

    Diller sees a reward spent only when the order's transaction arrives, which may be days
    later (when the order ships), and its contract does not say whether a stamp held for a
    pending order counts on the card meanwhile. So one claim per card: while an order that
    gives the card's reward is not yet counted by Diller (the claim ends when its transaction
    is sent, or the order is cancelled), no other order gives it, even after stamps from a
    till changed the card.
    """
    taken = set()
    for card_id in reward_cards:
        key = f"stamp-card:{card_id}"
        if not claims.claim(loyalty.store_id, loyalty.member_id, key, 1, 1, basket_id):
            taken.add(card_id)
    return taken


_warned_without_choice = False
# The guest's "join" and "purchase history" ticks of a place-order form that did not place the
# order, shown again on the preview it comes back to.
GUEST_TICKS_KEY = "diller_guest_ticks"


def _unpriced(request) -> bool:
    """Whether Oscar has not loaded (and priced) the request's basket yet."""
    basket = getattr(request, "basket", None)
    return isinstance(basket, SimpleLazyObject) and basket._wrapped is empty


def _open_basket(request, *, usable: bool) -> tuple[int | None, BasketLoyalty | None]:
    """The signed-in shopper's one open basket's id and its snapshot, without loading or
    pricing the basket (see :func:`.basket.open_basket_snapshot`)."""
    if not request.user.is_authenticated:
        return None, None
    return open_basket_snapshot(request.user.pk, usable=usable)


def _choosing(request) -> bool:
    """A submission of the payment details page that carries the coupon choice (only while the
    choice is made there: with the coupon step, a payment form that still posts the marker must
    not untick what the shopper chose on the step)."""
    return (
        app_settings.COUPON_CHOICE == "payment-details"
        and bool(request.POST.get(coupon_choice.MARKER))
        and request.POST.get("action", "") != "place_order"
    )


def _warn_without_choice(response) -> None:
    """Say once per process when the payment details page has coupons to show but its template
    does not include the choice: the member could not choose them."""
    global _warned_without_choice
    if _warned_without_choice or b'id="diller-coupon-choice"' in response.content:
        return
    _warned_without_choice = True
    logger.warning(
        "diller: the payment details template does not include "
        "django_diller/oscar/_coupon_choice.html, so members cannot choose their coupons; "
        "include it in a form that posts to checkout:preview, or set "
        "DILLER['COUPON_CHOICE'] = 'step'"
    )


def _privacy_policy_url() -> str | None:
    """The club's privacy policy, for the guest's "join" box: its address when the store's
    details are in the cache, else the club's page that leads there (the checkout never waits
    for Diller for it)."""
    store = cached_store()
    address = safe_link(store.privacy_policy_url) if store is not None else None
    if address:
        return address
    try:
        return reverse("diller:privacy-policy")
    except NoReverseMatch:  # the shop left out the club's pages
        return None


class DillerCheckoutMixin:
    """For the view that places the order (Oscar's ``PaymentDetailsView``)."""

    diller_guest_consents: dict[str, bool] | None = None
    diller_offers: GatheredOffers | None = None  # gathered once while the order is placed

    # Set by dispatch() when it kept the member's wallet or ticks before Oscar priced the
    # basket, so that the basket is priced once, with them.
    diller_wallet: object | None = None
    diller_wallet_kept = False
    diller_newly_ticked: set[str] | None = None

    def dispatch(self, request, *args, **kwargs):
        kept = None  # the member's snapshot as kept here, before Oscar prices the basket
        if _unpriced(request) and app_settings.COUPON_CHOICE == "payment-details":
            if request.method == "GET" and not getattr(self, "preview", False):
                kept = self._keep_wallet_before_pricing(request)
            elif (
                request.method == "POST" and getattr(self, "preview", False) and _choosing(request)
            ):
                kept = self._keep_ticks_before_pricing(request)
        if kept is None:
            return super().dispatch(request, *args, **kwargs)
        # Pricing takes the snapshot just kept instead of reading it again.
        with known_snapshot(kept.basket_id, request.user.pk, kept):
            return super().dispatch(request, *args, **kwargs)

    def _keep_wallet_before_pricing(self, request) -> BasketLoyalty | None:
        """The member's wallet kept on their basket, before it is priced; the snapshot."""
        member_id = _member_id(request)
        if member_id is None:
            return None
        basket_id, row = _open_basket(request, usable=False)
        if basket_id is None:
            return None
        kept = coupon_choice.keep_wallet(basket_id, member_id, row, looked_up=True)
        self.diller_wallet = kept.wallet
        self.diller_wallet_kept = True
        return kept.snapshot

    def _keep_ticks_before_pricing(self, request) -> BasketLoyalty | None:
        """The shopper's ticks kept on their snapshot, before the basket is priced; the
        snapshot. Sets :attr:`diller_newly_ticked` (left None: not done here)."""
        member_id = _member_id(request)
        if member_id is None:
            return None
        # the snapshot as pricing reads it, if it is this member's in this store
        basket_id, loyalty = _open_basket(request, usable=True)
        if basket_id is None:
            return None
        if loyalty is None or (loyalty.member_id, loyalty.store_id) != (
            member_id,
            current_store_id() or "",
        ):
            self.diller_newly_ticked = set()
            return None
        _changed, self.diller_newly_ticked = coupon_choice.keep_submitted_ticks(
            loyalty, request.POST
        )
        return loyalty

    def get_context_data(self, **kwargs):
        # Before Oscar's context: choosing may price the basket again, and the totals follow.
        choice = self._coupon_choice()
        context = super().get_context_data(**kwargs)
        if choice is not None:
            context["diller_coupon_choice"] = choice
        if not self.request.user.is_authenticated:
            context.setdefault("diller_guest_consent_form", self._guest_consent_form())
            context.setdefault("diller_privacy_policy_url", _privacy_policy_url())
        order_total = context.get("order_total")
        if getattr(self, "preview", False) and order_total is not None:
            basket = self.request.basket
            snapshot = preview.take_snapshot(
                basket, order_total, getattr(basket, PLAN_ATTRIBUTE, None)
            )
            token = snapshot.sign()
            context["diller_preview_token"] = token
            preview.remember(self.request.session, token)
        return context

    def _guest_consent_form(self) -> GuestConsentForm:
        """Both boxes unticked, unless the guest ticked them on a place-order form that did
        not place the order (a payment error shows the preview again; the plugin's own checks
        send the guest back to it): then as the guest left them."""
        request = self.request
        if request.method == "POST" and request.POST.get("action") == "place_order":
            form = GuestConsentForm(request.POST)
        else:
            ticked = request.session.get(GUEST_TICKS_KEY)
            form = GuestConsentForm(initial=dict(ticked)) if ticked else GuestConsentForm()
        if self._guest_has_no_mobile():
            form.needs_a_mobile_number()
        return form

    def _guest_has_no_mobile(self) -> bool:
        """Whether the order's shipping address has no valid mobile number to invite: joining
        would fail after the payment, so the box says so before it. (Without a shipping
        address yet, the invitation reads the billing address: nothing to tell here.)"""
        try:
            address = self.get_shipping_address(self.request.basket)
        except AttributeError:  # a view without Oscar's checkout session
            return False
        return address is not None and guests.address_phone(address) is None

    def _coupon_choice(self) -> coupon_choice.CouponChoice | None:
        """The member's coupons for the payment details page (not the preview), if it shows
        them."""
        if getattr(self, "preview", False) or app_settings.COUPON_CHOICE != "payment-details":
            return None
        basket = self.request.basket
        member_id = _member_id(self.request)
        if member_id is None or not basket.id or basket.is_empty:
            return None
        if self.diller_wallet_kept:  # the basket was priced with the wallet kept on it
            return coupon_choice.choice_for(basket, self.diller_wallet)
        return coupon_choice.prepare(self.request, basket, member_id)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        choice = context.get("diller_coupon_choice")
        if choice is not None and not choice.empty:
            response.add_post_render_callback(_warn_without_choice)
        return response

    def post(self, request, *args, **kwargs):
        if getattr(self, "preview", False) and _choosing(request):
            return self._keep_coupon_choice(request)
        return super().post(request, *args, **kwargs)

    def _keep_coupon_choice(self, request):
        """The payment details page's "Continue" with the coupon ticks: keep them and show the
        preview in the same request. A newly ticked coupon that gives nothing brings the
        shopper back to the payment details page once, with the reason beside it."""
        basket = request.basket
        member_id = _member_id(request)
        loyalty = loyalty_row(basket) if member_id else None
        if loyalty is None or loyalty.member_id != member_id:
            return self.render_preview(request)
        newly = self.diller_newly_ticked
        if newly is None:  # the basket was priced before the ticks were kept: again, with them
            changed, newly = coupon_choice.keep_submitted_ticks(loyalty, request.POST)
            if changed:
                coupon_choice.reprice(request, basket)
        warning = coupon_choice.refusal_warning(request, basket, loyalty, newly) if newly else None
        if warning is not None:
            messages.warning(request, warning)
            return HttpResponseRedirect(reverse("checkout:payment-details"))
        return self.render_preview(request)

    def handle_place_order_submission(self, request):
        if not request.user.is_authenticated:
            form = GuestConsentForm(request.POST)
            if self._guest_has_no_mobile():  # the box could not be ticked: nor posted ticked
                form.needs_a_mobile_number()
            form.is_valid()  # two optional boxes: always valid
            self.diller_guest_consents = {
                "join": bool(form.cleaned_data.get("join")),
                "save_order_history": bool(form.cleaned_data.get("save_order_history")),
            }
            # Kept until the order is placed, should a check send the guest back to the preview.
            if any(self.diller_guest_consents.values()):
                request.session[GUEST_TICKS_KEY] = self.diller_guest_consents
            else:
                request.session.pop(GUEST_TICKS_KEY, None)
        basket = request.basket
        plan = getattr(basket, PLAN_ATTRIBUTE, None)
        member_id = _member_id(request)
        stop = self._stop_if_order_changed(request, plan, linked=member_id is not None)
        if stop is not None:
            return stop
        if basket.id:  # what an earlier attempt claimed is claimed again below if still used
            claims.release_unattached(basket.id)
        voucher_problems = vouchers.recheck_vouchers(plan)
        if voucher_problems:
            return self._drop_vouchers(request, basket, voucher_problems)
        taken_vouchers = vouchers.claim_vouchers(basket, plan)
        if taken_vouchers:
            taken = _(
                "Your voucher is already used by another order, so it was taken off this one."
            )
            return self._drop_vouchers(request, basket, dict.fromkeys(taken_vouchers, taken))
        loyalty = loyalty_row(basket)
        if plan is None or member_id is None or loyalty is None:
            return super().handle_place_order_submission(request)
        offers = self.diller_offers = basket_offers(basket, loyalty)
        reward_cards = _reward_cards(offers, plan)
        codes = _diller_codes(offers, plan)
        if not codes and not reward_cards:
            return super().handle_place_order_submission(request)
        try:
            found = recheck(member_id, codes, reward_cards)
        except DillerError as exc:
            # Nothing is charged yet: drop the loyalty discounts and show the new total.
            logger.warning("diller could not check coupons before the order: %s", exc)
            _drop_diller_offers(loyalty)
            messages.warning(
                request,
                _(
                    "The loyalty club can't be reached right now, so your coupons can't be used "
                    "on this order. Please check the new total."
                ),
            )
            return self._back_to_preview(request)
        if found.coupon_problems or found.spent_cards:
            _drop_codes(loyalty, {p.code for p in found.coupon_problems})
            for problem in found.coupon_problems:
                messages.error(request, _refusal_message(problem))
            if found.spent_cards:
                titles = {c.card_id: c.title for c in offers.stamp_cards}
                _refresh_cards(loyalty, found.spent_cards, found.fresh_cards)
                for title in sorted(titles.get(card, str(card)) for card in found.spent_cards):
                    messages.error(
                        request,
                        _(
                            "The reward of the stamp card %(title)s was used elsewhere since "
                            "you chose it, so it can't be given on this order."
                        )
                        % {"title": title},
                    )
            return self._back_to_preview(request)
        taken = _claim_limited_coupons(loyalty, offers, codes, basket.id)
        taken_cards = _claim_stamp_rewards(loyalty, reward_cards, basket.id)
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
            return self._back_to_preview(request)
        return super().handle_place_order_submission(request)

    def _drop_vouchers(self, request, basket, problems: dict[str, str]):
        """Vouchers that can't be used on this order (session → why): off the basket, and back
        to the preview, nothing charged."""
        from ...coupontools.basket_vouchers import drop

        for session, why in problems.items():
            drop(basket.id, session)
            messages.error(request, why)
        return self._back_to_preview(request)

    def _back_to_preview(self, request):
        """Back to the preview after loyalty was taken off the basket: nothing was charged,
        and the shopper is told the new total."""
        basket = request.basket
        basket.reset_offer_applications()
        Applicator().apply(basket, request.user, request)
        order_total = self.build_submission().get("order_total")
        if order_total is not None:
            messages.info(
                request,
                _("Nothing was charged. The new total is %(total)s.")
                % {"total": format_currency(order_total.incl_tax, order_total.currency)},
            )
        return HttpResponseRedirect(reverse("checkout:preview"))

    def _stop_if_order_changed(self, request, plan, *, linked: bool):
        """Back to the preview, charging nothing, when the order is not the one it showed (its
        total, lines, coupons or stamp-card rewards)."""
        try:
            agreed = preview.agreed_snapshot(request, request.basket.id)
        except preview.ForgedPreview:
            messages.error(request, _("Please check your order and place it again."))
            return HttpResponseRedirect(reverse("checkout:preview"))
        if agreed is None:  # no preview was shown: nothing was agreed to compare with
            return None
        order_total = self.build_submission().get("order_total")
        if order_total is None:
            return None
        basket = request.basket
        now = preview.take_snapshot(basket, order_total, plan)
        if not preview.differs(agreed, now):
            return None
        logger.info("diller: the order changed since the preview; the order was not placed")
        messages.error(request, preview.change_message(agreed, now, basket, linked=linked))
        return HttpResponseRedirect(reverse("checkout:preview"))

    def save_payment_details(self, order):
        """The order's vouchers locked first: recording the payment (its event) validates
        them. While they are saved the order counts as placed now: the purchase its payment
        queues looks up nothing an order placed earlier may have (its reservation is queued
        after, and makes the purchase wait for it)."""
        vouchers.queue_locks(order, getattr(self.request.basket, PLAN_ATTRIBUTE, None))
        with triggers.placing(order):
            return super().save_payment_details(order)

    def handle_successful_order(self, order):
        basket = self.request.basket
        plan = getattr(basket, PLAN_ATTRIBUTE, None)
        member_id = _member_id(self.request)
        if plan is not None and member_id and (plan.applied_codes or plan.stamp_movements):
            # The order is placed: loyalty bookkeeping never fails it (its own savepoint).
            guarded(self._record_loyalty)(order, plan, member_id)
        preview.forget(self.request.session)
        self.request.session.pop(GUEST_TICKS_KEY, None)
        if basket.id:
            claims.attach_to_order(basket.id, str(order.number))
            loyalty = loyalty_row(basket)  # as pricing read it: deleted without reading it again
            if loyalty is not None:
                loyalty.delete()
            else:
                BasketLoyalty.objects.filter(basket_id=basket.id).delete()
        if member_id:
            forget_wallet(member_id)  # the next basket must not reuse what this order spent
        if self.diller_guest_consents is not None:
            self._register_guest(order, **self.diller_guest_consents)
        response = super().handle_successful_order(order)
        # The order is written: the carrier offers' uses and the outbox's marks go in as its
        # transaction's last statements, instead of transactions of their own after its commit.
        write_before_commit()
        return response

    def _record_loyalty(self, order, plan, member_id: str) -> None:
        """What each coupon and stamp card gave the order, and their reservation at Diller
        (queued for after the commit)."""
        basket = self.request.basket
        number = str(order.number)  # Oscar keeps the generated number as an int until reloaded
        shipping_discount = None  # read from the order only when a coupon made shipping free
        if plan.shipping_coupon:
            shipping_discount = order.shipping_before_discounts_incl_tax - order.shipping_incl_tax
        record_order_items(
            number,
            member_id,
            plan,
            shipping_discount=shipping_discount,
            line_products=_line_products(basket),
            thresholds=_thresholds(self._offers_of(basket)),
            titles=_titles(basket),
        )
        queue_reservation(number, member_id)

    def _offers_of(self, basket) -> GatheredOffers | None:
        """The basket's offers, as the checks before placing the order gathered them."""
        if self.diller_offers is None and (loyalty := loyalty_row(basket)) is not None:
            self.diller_offers = basket_offers(basket, loyalty)
        return self.diller_offers

    def _register_guest(self, order, join: bool, save_order_history: bool) -> None:
        """Record what the guest ticked. A ticked "join" invites the order's phone once the
        order is committed (Diller texts its owner a link to finish joining; see
        :mod:`.guests`), and the order's transaction waits for that in the outbox. Nothing
        here fails the placed order."""
        from ...members.activation import remember_guest_join
        from .guests import open_guest_invitation, queue_guest_invitation, record_guest_consents

        number = str(order.number)
        store_id = current_store_id() or ""
        try:
            with transaction.atomic():
                record_guest_consents(number, store_id, join, save_order_history)
                if join:
                    open_guest_invitation(number, store_id, save_order_history)
        except Exception:
            logger.exception("diller could not record a guest's consents")
            return
        if join:
            remember_guest_join(self.request.session, number)
            transaction.on_commit(lambda: queue_guest_invitation(number))
            guarded(triggers.member_joined_with_order)(order)


class DillerPaymentMethodMixin:
    """For Oscar's ``PaymentMethodView``: with ``DILLER['COUPON_CHOICE'] = "step"``, members
    pass the coupon step on the way to payment."""

    def get_success_response(self):
        if app_settings.COUPON_CHOICE != "step" or _member_id(self.request) is None:
            return super().get_success_response()
        target = reverse("diller_oscar:coupons")
        return HttpResponseRedirect(
            f"{target}?{urlencode({'next': reverse('checkout:payment-details')})}"
        )
