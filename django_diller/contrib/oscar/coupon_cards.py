"""The member's coupons as the coupon step and the basket show them, and why a ticked coupon
gives nothing.

A coupon the shopper ticked (a product coupon left ticked, a whole-purchase coupon chosen) that
the discount plan refused is never dropped without a word: :func:`refusal_notes` gives the
reason in the shopper's language, from the engine's :class:`~django_diller.discounts.Refusal`
and what the plan did with the basket's items. The cards are Diller's coupons (as the member's
wallet has them, unticked ones included); a coupon of another discount source that took the
same items is named by its title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from django.core.signals import setting_changed
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list, slugify
from django.utils.timezone import get_current_timezone_name, template_localtime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from oscar.templatetags.currency_filters import currency as format_currency

from ...adapter import get_adapter
from ...api import models as wire
from ...discounts import DiscountPlan, Refusal, RefusalReason
from ...models import BasketLoyalty
from .basket import basket_offers


@dataclass(frozen=True)
class BasketItem:
    """A basket line as the reasons need it."""

    line_id: str
    product_id: str  # the product's external id at Diller
    title: str
    eligible: bool


@dataclass(frozen=True)
class CouponCard:
    """One coupon on the step: what it is worth, until when, on what, and what it does here."""

    code: str
    title: str
    description: str
    discount_type: str  # "Percentage", "Fixed", "FreeShipping" or "NotDefined"
    value: Decimal
    valid_to: datetime | None
    product_coupon: bool  # names products (applies by itself); otherwise the whole purchase
    applies_to: tuple[str, ...]  # the basket's products it names
    ticked: bool
    used: bool  # gives a discount (or free shipping) on this basket
    reason: str  # why a ticked coupon gives nothing; "" otherwise
    # A product coupon for products the basket does not hold: said quietly (it was never the
    # shopper's choice, and applies by itself once they are added).
    quiet_reason: bool = False
    currency: str = ""  # the basket's, for a fixed amount

    @property
    def free_shipping(self) -> bool:
        return self.discount_type == wire.CouponDiscountType.FreeShipping

    # What the card shows, worded here rather than in ``_coupon_card.html``: the payment page
    # shows every card, and each tag and filter a template runs costs more than this does.

    @property
    def slug(self) -> str:
        """The code as the card's element ids have it."""
        return slugify(self.code)

    @property
    def value_label(self) -> str:
        """ "10 %", "NOK30.00" (as the basket's amounts) or "Free shipping"."""
        if self.discount_type == wire.CouponDiscountType.Percentage:
            return _percentage(self.value, get_language())
        if self.discount_type == wire.CouponDiscountType.Fixed:
            return _amount(self.value, self.currency, get_language())
        if self.free_shipping:
            return _("Free shipping")
        return ""

    @property
    def applies_label(self) -> str:
        if self.applies_to:
            return _("Applies to: %(products)s") % {"products": ", ".join(self.applies_to)}
        if self.product_coupon:
            return _("Applies to selected products only")
        return _("Applies to your whole purchase")

    @property
    def valid_until_label(self) -> str:
        if self.valid_to is None:
            return ""
        return _valid_until(self.valid_to, get_current_timezone_name(), get_language())

    @property
    def shown_used(self) -> bool:
        """Ticked and giving a discount here: the card says "Used on this order"."""
        return self.ticked and self.used

    @property
    def loud_reason(self) -> bool:
        """The reason is a warning (the shopper's own choice gives nothing)."""
        return bool(self.reason) and not self.quiet_reason

    @property
    def border_class(self) -> str:
        if self.loud_reason:
            return " border-warning"
        return " border-success" if self.shown_used else ""


# A member's coupons are mostly the same few campaigns' values and dates, shown on every payment
# page; their wording (locale-aware formatting, about a tenth of a millisecond each) is kept per
# language and time zone, and forgotten when a setting changes (tests).


@lru_cache(maxsize=1024)
def _percentage(value: Decimal, language: str | None) -> str:
    return f"{floatformat(value, '-2')}\u00a0%"


@lru_cache(maxsize=1024)
def _amount(value: Decimal, currency: str, language: str | None) -> str:
    return str(format_currency(value, currency or None))


@lru_cache(maxsize=1024)
def _valid_until(valid_to: datetime, zone: str, language: str | None) -> str:
    date = date_format(template_localtime(valid_to), "DATE_FORMAT")
    return _("Valid until %(date)s") % {"date": date}


def _forget_wording(**kwargs) -> None:
    for kept in (_percentage, _amount, _valid_until):
        kept.cache_clear()


setting_changed.connect(_forget_wording, dispatch_uid="diller-coupon-card-wording")


@dataclass(frozen=True)
class RefusalNote:
    code: str
    title: str
    reason: str
    product_coupon: bool
    no_matching_products: bool


def basket_items(basket) -> list[BasketItem]:
    adapter = get_adapter()
    return [
        BasketItem(
            line_id=str(line.pk),
            product_id=adapter.product_external_id(line.product),
            title=line.product.get_title() if line.product is not None else "",
            eligible=adapter.line_is_eligible(line),
        )
        for line in basket.all_lines()
    ]


def snapshot_coupons(loyalty: BasketLoyalty) -> list[wire.MemberCouponResponse]:
    """The snapshot's coupons, parsed once while its ``coupons`` stay the same list."""
    kept = getattr(loyalty, "_diller_parsed_coupons", None)
    if kept is not None and kept[0] is loyalty.coupons:
        return list(kept[1])
    parsed = [wire.MemberCouponResponse.model_validate(data) for data in loyalty.coupons]
    loyalty._diller_parsed_coupons = (loyalty.coupons, parsed)  # type: ignore[attr-defined]
    return list(parsed)


def is_ticked(coupon: wire.MemberCouponResponse, loyalty: BasketLoyalty) -> bool:
    """Product coupons are ticked unless the shopper unticked them; whole-purchase coupons only
    when the shopper ticked them."""
    if coupon.product_ids:
        return coupon.code not in loyalty.declined_codes
    return coupon.code in loyalty.chosen_codes


def ticked_codes(loyalty: BasketLoyalty) -> set[str]:
    return {c.code for c in snapshot_coupons(loyalty) if is_ticked(c, loyalty)}


def _titles(names: Iterable[str]) -> str:
    """“A”, “B” and “C”, with the shopper's word for "and"."""
    return str(get_text_list([f"“{name}”" for name in names], _("and")))


def _nothing_left(
    coupon: wire.MemberCouponResponse,
    plan: DiscountPlan,
    items: list[BasketItem],
    titles: dict[str, str],
) -> str:
    """Why a coupon found nothing left to discount: another coupon or free-shipping coupon took
    it, the shop's offers or a stamp card already discounted it, or nothing may take one."""
    if coupon.discount_type == wire.CouponDiscountType.FreeShipping:
        other = plan.shipping_coupon or ""
        return _("Only one free-shipping coupon can be used per order, and %(other)s is used.") % {
            "other": _titles([titles.get(other, other)])
        }
    wanted = set(coupon.product_ids)
    matching = {
        item.line_id
        for item in items
        if item.eligible and (not wanted or item.product_id in wanted)
    }
    if not matching:
        return _("Nothing in your basket can take a coupon discount (gift cards, for example).")
    others = sorted(
        {
            d.reference
            for d in plan.line_discounts
            if d.source == "coupon" and d.line_id in matching and d.reference != coupon.code
        }
    )
    if others:
        return ngettext(
            "It can't be combined with %(others)s, which already discounts the same items.",
            "It can't be combined with %(others)s, which already discount the same items.",
            len(others),
        ) % {"others": _titles(titles.get(code, code) for code in others)}
    cards = sorted(
        {
            d.reference
            for d in plan.line_discounts
            if d.source == "stamp_card" and d.line_id in matching
        }
    )
    named = [titles.get(card_title_key(card), "") for card in cards]
    if cards and all(named):
        return ngettext(
            "Your stamp card %(cards)s already makes the same items free.",
            "Your stamp cards %(cards)s already make the same items free.",
            len(cards),
        ) % {"cards": _titles(named)}
    return _(
        "The items it applies to are already discounted, and discounts are not added on top "
        "of each other."
    )


def explain(
    refusal: Refusal,
    coupon: wire.MemberCouponResponse,
    plan: DiscountPlan,
    items: list[BasketItem],
    titles: dict[str, str],
) -> str:
    """The shopper's sentence for the engine's reason."""
    reason = refusal.reason
    if reason == RefusalReason.NOTHING_LEFT_TO_DISCOUNT:
        return _nothing_left(coupon, plan, items, titles)
    if reason == RefusalReason.NOT_YET_VALID and coupon.valid_from is not None:
        when = date_format(timezone.localtime(coupon.valid_from), "DATE_FORMAT")
        return _("This coupon can be used from %(date)s.") % {"date": when}
    sentences = {
        RefusalReason.EXPIRED: _("This coupon has expired."),
        RefusalReason.USED_UP: _("This coupon has been used up."),
        RefusalReason.NO_MATCHING_PRODUCTS: _(
            "None of the products it applies to is in your basket."
        ),
        RefusalReason.NO_SHIPPING_CHARGE: _("This order has no shipping charge to take off."),
        RefusalReason.UNSUPPORTED: _("This coupon can't be used in the web shop."),
    }
    return sentences.get(reason, _("This coupon gives nothing on this basket."))


def card_title_key(card_id: object) -> str:
    """Where :class:`_Titles` keeps a stamp card's title (apart from the coupons' codes)."""
    return f"stamp-card:{card_id}"


def _other_titles(basket, loyalty: BasketLoyalty) -> dict[str, str]:
    """The titles of every source's coupons and of the member's stamp cards."""
    offers = basket_offers(basket, loyalty)
    titles = {c.code: c.title or c.code for c in offers.coupons}
    titles.update({card_title_key(s.card_id): s.title for s in offers.stamp_cards if s.title})
    return titles


class _Titles(dict):
    """Coupon titles: the member's own, and those of the basket's other sources, gathered only
    when a title not among the member's is asked for (a reason naming another coupon)."""

    def __init__(self, own: dict[str, str], others: Callable[[], dict[str, str]]) -> None:
        super().__init__(own)
        self._others: Callable[[], dict[str, str]] | None = others

    def get(self, code, default=None):  # type: ignore[override]
        if code not in self and self._others is not None:
            for other, title in self._others().items():
                self.setdefault(other, title)
            self._others = None
        return super().get(code, default)


def refusal_notes(
    basket,
    plan: DiscountPlan | None,
    loyalty: BasketLoyalty | None,
    items: list[BasketItem] | None = None,
):
    """code -> :class:`RefusalNote` for each ticked coupon the plan refused (``items``: the
    basket's, if the caller has them already)."""
    if plan is None or loyalty is None or not plan.refused:
        return {}
    coupons = {c.code: c for c in snapshot_coupons(loyalty)}
    # Every source's coupons and the stamp cards, for the names of those that took a refused
    # coupon's items.
    titles = _Titles(
        {code: c.title or code for code, c in coupons.items()},
        lambda: _other_titles(basket, loyalty),
    )
    items = basket_items(basket) if items is None else items
    notes = {}
    for refusal in plan.refused:
        coupon = coupons.get(refusal.code)
        if coupon is None or refusal.reason == RefusalReason.NOT_CHOSEN:
            continue
        if not is_ticked(coupon, loyalty):
            continue
        notes[coupon.code] = RefusalNote(
            code=coupon.code,
            title=titles[coupon.code],
            reason=explain(refusal, coupon, plan, items, titles),
            product_coupon=bool(coupon.product_ids),
            no_matching_products=refusal.reason == RefusalReason.NO_MATCHING_PRODUCTS,
        )
    return notes


def basket_notes(basket, plan: DiscountPlan | None, loyalty: BasketLoyalty | None):
    """The notes the basket page shows: chosen coupons, and product coupons whose products are
    in the basket. A product coupon for products the basket does not hold was never the
    shopper's choice (it applies by itself when they are added), so it is not mentioned."""
    notes = refusal_notes(basket, plan, loyalty).values()
    return [n for n in notes if not (n.product_coupon and n.no_matching_products)]


def coupon_cards(basket, plan: DiscountPlan | None, loyalty: BasketLoyalty) -> list[CouponCard]:
    """The snapshot's coupons as cards, in Diller's order."""
    items = basket_items(basket)
    notes = refusal_notes(basket, plan, loyalty, items)
    used = set(plan.applied_codes) if plan is not None else set()
    cards = []
    for coupon in snapshot_coupons(loyalty):
        wanted = set(coupon.product_ids)
        names = dict.fromkeys(item.title for item in items if item.product_id in wanted)
        note = notes.get(coupon.code)
        cards.append(
            CouponCard(
                code=coupon.code,
                title=coupon.title,
                description=coupon.description or "",
                discount_type=str(coupon.discount_type or wire.CouponDiscountType.NotDefined),
                value=coupon.discount_value or Decimal(0),
                valid_to=coupon.valid_to,
                product_coupon=bool(wanted),
                applies_to=tuple(names),
                ticked=is_ticked(coupon, loyalty),
                used=coupon.code in used,
                reason=note.reason if note else "",
                quiet_reason=bool(note and note.product_coupon and note.no_matching_products),
                currency=basket.currency or "",
            )
        )
    return cards
