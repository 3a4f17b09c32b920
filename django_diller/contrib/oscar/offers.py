"""The carrier offers' proxy Condition and Benefits.

Oscar applies site offers on every request that touches a basket, so nothing here calls Diller:
the basket's offers come from the registered discount sources (Diller's coupons and stamp cards,
and any a shop adds; see :mod:`django_diller.loyalty.sources`), which read its
:class:`~django_diller.models.BasketLoyalty` snapshot, written by the coupon step.
"""

from __future__ import annotations

import logging
import threading
import traceback
from decimal import Decimal
from pathlib import Path

from oscar.apps.offer.results import SHIPPING_DISCOUNT, ZERO_DISCOUNT, BasketDiscount
from oscar.core.loading import get_model

from .basket import current_loyalty, plan_for_basket
from .offer_usage import count_use_at_commit

logger = logging.getLogger("django_diller.oscar")

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")

PLAN_ATTRIBUTE = "_diller_plan"

# The fallbacks already logged in this process: (offer, exception class, where it was raised).
_reported: set[tuple[str, str, str]] = set()
_reported_lock = threading.Lock()


def log_fallback(offer_name: str, exc: BaseException) -> None:
    """Log that a carrier offer gave no discount because of ``exc``, once per error kind.

    Oscar prices baskets on every request, so a broken adapter would otherwise log on each of
    them. Only the exception's class and the place it was raised are logged: its text and
    traceback may carry a shopper's phone number or e-mail.
    """
    # The innermost frame of a real file (not one of the interpreter's frozen modules).
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    where = "unknown"
    if frames:
        path = Path(frames[-1].filename)
        where = f"{path.parent.name}/{path.name}:{frames[-1].lineno} in {frames[-1].name}"
    error = f"{type(exc).__module__}.{type(exc).__qualname__}"
    with _reported_lock:
        if (offer_name, error, where) in _reported:
            return
        _reported.add((offer_name, error, where))
    logger.error(
        "diller %s offer gave no discount: %s raised at %s (logged once per process; "
        "`manage.py check` reports a broken DILLER['ADAPTER'])",
        offer_name,
        error,
        where,
    )


def discount_already_applied(basket, offer) -> BasketDiscount | None:
    """What ``offer`` already took off the basket's lines in this pricing pass (None: nothing).

    A carrier offer applies once a pass; Oscar may ask its benefit again, which must then answer
    with what it gave instead of stacking a second discount.
    """
    already = [
        d
        for line in basket.all_lines()
        for d in line.discounts.all()
        if d.offer is offer or getattr(d.offer, "pk", None) == offer.pk
    ]
    if not already:
        return None
    return BasketDiscount(sum((d.amount for d in already), Decimal(0)))


def _per_line(plan) -> dict[str, tuple[Decimal, int]]:
    """The plan's discounts added up per basket line: (amount, units).

    One Oscar discount per line and offer, however many coupons and cards share the line: the
    order then records one line discount row for it, not one per coupon (what each coupon gave
    is in the order's loyalty items). Consuming the units at once leaves the line as consuming
    them one discount after the other does.
    """
    per_line: dict[str, tuple[Decimal, int]] = {}
    for discount in plan.line_discounts:
        if discount.amount > 0:
            amount, units = per_line.get(discount.line_id, (Decimal(0), 0))
            per_line[discount.line_id] = (amount + discount.amount, units + discount.units)
    return per_line


class LoyaltyCondition(Condition):
    """Met by a basket that has a loyalty snapshot (a member went through the coupon step)."""

    name = "Diller loyalty member basket"
    description = "The basket belongs to a Diller member who opened the coupon step."

    class Meta:
        app_label = "diller_oscar"
        proxy = True

    def is_satisfied(self, offer, basket) -> bool:
        # Only while the owner is still linked to the snapshot's member (not after leaving).
        return current_loyalty(basket) is not None

    def is_partially_satisfied(self, offer, basket) -> bool:
        return False


class LoyaltyBenefit(Benefit):
    """Coupons and stamp-card rewards, by Diller's rules, on units no shop offer touched."""

    name = "Diller coupons and stamp cards"
    description = "The member's Diller coupons and stamp-card rewards."

    class Meta:
        app_label = "diller_oscar"
        proxy = True

    def apply(self, basket, condition, offer, **kwargs):
        count_use_at_commit(offer)
        try:
            already = discount_already_applied(basket, offer)
            if already is not None:  # applied once in this pass already: don't stack
                return already
            plan = plan_for_basket(basket, offer)
        except Exception as exc:  # never break the basket: no loyalty discount instead
            log_fallback("loyalty", exc)
            return ZERO_DISCOUNT
        if plan is None:
            return ZERO_DISCOUNT
        setattr(basket, PLAN_ATTRIBUTE, plan)
        per_line = _per_line(plan)
        total = Decimal(0)
        for line in basket.all_lines():
            amount, units = per_line.get(str(line.pk), (Decimal(0), 0))
            if amount > 0:
                line.discount(amount, units, incl_tax=True, offer=offer)
                total += amount
        return BasketDiscount(total) if total > 0 else ZERO_DISCOUNT


class LoyaltyShippingBenefit(Benefit):
    """A free-shipping coupon: the shipping charge goes to zero."""

    name = "Diller free-shipping coupon"
    description = "Free shipping from the member's Diller coupon."

    class Meta:
        app_label = "diller_oscar"
        proxy = True

    def apply(self, basket, condition, offer, **kwargs):
        count_use_at_commit(offer)
        try:
            plan = getattr(basket, PLAN_ATTRIBUTE, None) or plan_for_basket(basket, offer)
        except Exception as exc:  # never break the basket: shipping charged as usual
            log_fallback("free-shipping", exc)
            return ZERO_DISCOUNT
        if plan is not None and plan.shipping_coupon:
            return SHIPPING_DISCOUNT
        return ZERO_DISCOUNT

    def shipping_discount(self, charge, currency=None):
        return charge
