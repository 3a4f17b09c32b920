"""Choosing the member's coupons for a basket: on the payment details page, or on a step of its
own (:mod:`.views`).

Both show the same cards (:func:`prepare`) and keep the ticks the same way (:func:`keep_ticks`).
On the payment details page the choice rides along the shopper's "Continue" to the preview, so
choosing costs the shopper no request of its own (see :class:`.checkout.DillerCheckoutMixin`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from oscar.core.loading import get_class

from ...api import DillerError
from ...api import models as wire
from ...loyalty.wallet import Wallet, fetch_wallet, snapshot_for_basket
from ...models import BasketLoyalty
from .basket import loyalty_row
from .coupon_cards import CouponCard, coupon_cards, refusal_notes, snapshot_coupons, ticked_codes
from .offers import PLAN_ATTRIBUTE

logger = logging.getLogger("django_diller.oscar")
Applicator = get_class("offer.applicator", "Applicator")

# The hidden field that marks a submission as carrying the coupon choice.
MARKER = "diller_coupon_choice"
# The hidden fields that name the coupons whose cards the form showed (an empty one first, so
# that a form that showed none still says so).
SHOWN = "diller_shown"


@dataclass(frozen=True)
class CouponChoice:
    """What the choice shows: the cards in two groups, the stamp cards, and whether coupons can
    be used now. ``unavailable``: Diller could not be reached, so there is nothing to choose;
    ``still_applied`` then names the coupons chosen earlier that the order still takes."""

    currency: str = ""  # the basket's, for the coupons' amounts
    basket_total: Decimal | None = None  # with the coupons as ticked now, before shipping
    product_coupons: list[CouponCard] = field(default_factory=list)
    purchase_coupons: list[CouponCard] = field(default_factory=list)
    stamp_cards: list[wire.MemberStampCardResponse] = field(default_factory=list)
    paused: bool = False
    unavailable: bool = False
    still_applied: tuple[str, ...] = ()  # titles, in Diller's order

    @property
    def empty(self) -> bool:
        return not (self.product_coupons or self.purchase_coupons or self.stamp_cards)

    @property
    def still_applied_message(self) -> str:
        """What to tell the member of :attr:`still_applied` ("" when nothing is)."""
        if not self.still_applied:
            return ""
        titles = ", ".join(self.still_applied)
        return _("The coupons you chose earlier still apply: %(titles)s.") % {"titles": titles}

    @property
    def shown_codes(self) -> list[str]:
        """The codes of the coupons it shows (the form posts them as :data:`SHOWN`)."""
        return [c.code for c in (*self.product_coupons, *self.purchase_coupons)]


def reprice(request, basket) -> None:
    basket.reset_offer_applications()
    Applicator().apply(basket, request.user, request)


def _snapshot_state(row: BasketLoyalty | None) -> tuple | None:
    if row is None:
        return None
    return (row.member_id, row.coupons, row.stamp_cards, row.chosen_codes, row.declined_codes)


@dataclass(frozen=True)
class KeptWallet:
    """The member's wallet kept on the basket."""

    wallet: Wallet | None  # None: Diller could not be reached
    changed: bool  # the snapshot changed (the basket must be priced again)
    snapshot: BasketLoyalty | None  # as kept (None: Diller could not be reached)


def keep_wallet(
    basket_id: int, member_id: str, row: BasketLoyalty | None = None, *, looked_up: bool = False
) -> KeptWallet:
    """The member's wallet kept on the basket.

    The wallet comes from the cache (it was prefetched when the shopper logged in or filled
    the basket) or from Diller. ``row``: the basket's snapshot, if the caller read it
    (``looked_up``: read, and None means the basket has none).
    """
    try:
        wallet = fetch_wallet(member_id)
    except DillerError as exc:
        logger.warning("diller coupon choice without loyalty: %s", exc)
        return KeptWallet(None, False, None)
    if row is None and not looked_up:
        row = BasketLoyalty.objects.of_basket(basket_id)
    before = _snapshot_state(row)
    loyalty = snapshot_for_basket(basket_id, member_id, wallet, row=row, looked_up=True)
    return KeptWallet(wallet, _snapshot_state(loyalty) != before, loyalty)


def choice_for(basket, wallet) -> CouponChoice:
    """The cards of the priced basket's snapshot (``wallet`` None: Diller was not reached)."""
    loyalty = loyalty_row(basket)
    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    if wallet is None:
        return CouponChoice(
            currency=basket.currency,
            unavailable=True,
            still_applied=_applied_titles(loyalty, plan),
        )
    if loyalty is None:
        return CouponChoice(currency=basket.currency)
    cards = coupon_cards(basket, plan, loyalty)
    return CouponChoice(
        currency=basket.currency,
        basket_total=basket.total_incl_tax,
        product_coupons=[c for c in cards if c.product_coupon],
        purchase_coupons=[c for c in cards if not c.product_coupon],
        stamp_cards=list(wallet.stamp_cards),
        # No plan: the carrier offers are suspended (or failed), so no coupon applies now.
        paused=plan is None and bool(cards),
    )


def _applied_titles(loyalty: BasketLoyalty | None, plan) -> tuple[str, ...]:
    """The titles of the snapshot's coupons that the basket's plan applies: the member chose
    them on an earlier page, and the order takes them even while Diller cannot be reached."""
    if loyalty is None or plan is None:
        return ()
    applied = set(plan.applied_codes)
    return tuple(c.title or c.code for c in snapshot_coupons(loyalty) if c.code in applied)


def prepare(request, basket, member_id: str) -> CouponChoice:
    """The member's coupons for a basket Oscar has priced already: the wallet kept on it, and
    the basket priced again only when that changed the snapshot."""
    # loyalty_row looked the snapshot up (None: the basket has none): not read again.
    kept = keep_wallet(basket.id, member_id, loyalty_row(basket), looked_up=True)
    if kept.changed:
        reprice(request, basket)
    return choice_for(basket, kept.wallet)


def _shown_in(data) -> set[str] | None:
    """The coupons whose cards the submitted form showed (``data``: its POST). None for a form
    that does not say (a template of the shop's that leaves :data:`SHOWN` out): its ticks then
    count for every coupon of the snapshot."""
    if SHOWN not in data:
        return None
    return {code for code in data.getlist(SHOWN) if code}


def keep_submitted_ticks(loyalty: BasketLoyalty, data) -> tuple[bool, set[str]]:
    """:func:`keep_ticks` with what a form of the choice posted (``data``: its POST): the
    ticked codes (``use``) of the coupons it showed."""
    return keep_ticks(loyalty, set(data.getlist("use")), _shown_in(data))


def keep_ticks(
    loyalty: BasketLoyalty, picked: set[str], shown: set[str] | None = None
) -> tuple[bool, set[str]]:
    """Keep what the shopper ticked; (whether anything changed, the newly ticked codes).

    Only codes of the member's own snapshot count: nothing else from the browser. Of those,
    only the ones the form showed (``shown``; None: all): a coupon the shopper did not see
    keeps its tick, so a form without a card for it (Diller out of reach, a card left out)
    never unticks it.
    """
    before = ticked_codes(loyalty)
    all_codes = {c["code"]: bool(c.get("product_ids")) for c in loyalty.coupons}
    codes = all_codes if shown is None else {c: p for c, p in all_codes.items() if c in shown}
    unseen_chosen = {c for c in loyalty.chosen_codes if c in all_codes and c not in codes}
    unseen_declined = {c for c in loyalty.declined_codes if c in all_codes and c not in codes}
    chosen = sorted(
        unseen_chosen | {c for c, product in codes.items() if not product and c in picked}
    )
    declined = sorted(
        unseen_declined | {c for c, product in codes.items() if product and c not in picked}
    )
    if (chosen, declined) == (sorted(loyalty.chosen_codes), sorted(loyalty.declined_codes)):
        return False, set()
    loyalty.chosen_codes, loyalty.declined_codes = chosen, declined
    loyalty.save(update_fields=["chosen_codes", "declined_codes"])
    return True, ticked_codes(loyalty) - before


def refusal_warning(request, basket, loyalty: BasketLoyalty, newly: set[str]) -> str | None:
    """The warning for newly ticked coupons that give nothing on the priced basket, if any."""
    plan = getattr(basket, PLAN_ATTRIBUTE, None)
    notes = [n for code, n in refusal_notes(basket, plan, loyalty).items() if code in newly]
    if not notes:
        return None
    titles = get_text_list([f"“{n.title}”" for n in notes], _("and"))
    return ngettext(
        "%(titles)s gives nothing on this order: the reason is shown with the coupon. "
        "Untick it, or continue as it is.",
        "%(titles)s give nothing on this order: the reasons are shown with the coupons. "
        "Untick them, or continue as they are.",
        len(notes),
    ) % {"titles": titles}
