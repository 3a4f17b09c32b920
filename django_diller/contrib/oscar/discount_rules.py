"""The chain's discount rules (the Discount API) on Oscar's baskets: a carrier offer.

The "Discount rules" offer (slug ``discount-rules``, priority -900, not exclusive, once per
basket) is applied by Oscar before Diller's (-1000): its discounts are the shop's own, so
Diller's engine sees them as shop discounts on the units they took (``shop_discount`` and
``shop_units`` of :func:`~django_diller.contrib.oscar.basket.engine_lines`), and Diller's rule
that a unit carries one discount holds with no code of its own: no coupon or voucher goes on a
unit a chain discount took.

Only ``automatic`` rules apply by themselves; ``employee`` ones only for an owner in
``DISCOUNT_API['EMPLOYEE_GROUP']``; the place is ``DISCOUNT_API['STORE_NUMBER']`` and
``['DIST_CHAIN']``, the time the store's (see :mod:`django_diller.discountapi.rules`). The
non-automatic ones staff applied to the basket (:mod:`.discount_rules_manual`) join them, with
the rate staff gave where the discount has ``manualRate``, while they apply here and now by the
same place, time and employee rules; the best set that combines wins, as for the others. A line
takes them on its units no other offer consumed, when its product is discountable (Oscar's
``is_discountable``) and has a price. Pricing never breaks the basket: an error gives no
discount, logged once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from oscar.apps.offer.results import ZERO_DISCOUNT, BasketDiscount
from oscar.core.loading import get_model

from ...discountapi.previews import register_basket_preview
from .offer_usage import count_use_at_commit
from .offers import discount_already_applied, log_fallback

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")

CURRENCY_EXPONENT = 2  # rates of ABSOLUTE discounts are in cents (1/100 of the currency)
_ATTRIBUTE = "_diller_discount_rules"

# The discount admin's "which discounts apply to a basket" page is Oscar's.
register_basket_preview("django_diller.contrib.oscar.discount_rules_preview.preview")


@dataclass(frozen=True)
class BasketRules:
    """What the chain's rules give a basket now: the prepared rules, and why the others not."""

    when: datetime
    employee: bool | None  # None: not asked, as no employee rule is in force
    rule_set: object  # django_diller.discountapi.rules.RuleSet
    reasons: tuple  # (Rule, NotApplicable | None) for every rule


def applied_by_staff(basket, rules) -> tuple[tuple[str, int | None], ...]:
    """(discount id, rate or None) of each discount staff applied to ``basket``.

    ``rules``: the non-automatic rules that could be applied; while there are none, the
    basket's snapshot is not read. It is read with the same query the loyalty offers use
    (:func:`.basket.current_loyalty`, once a request): a guest's row, or the member's while
    the owner is still linked to them.
    """
    if not basket.id or all(rule.automatic for rule in rules):
        return ()
    from .basket import current_loyalty
    from .discount_rules_manual import applied_of

    return tuple((a.discount_id, a.rate) for a in applied_of(current_loyalty(basket)))


def with_applied(found, applied, *, when: datetime, employee: bool, place):
    """``found`` ((rule, reason) pairs) with the applied non-automatic rules that apply here
    and now as applying, at the rate staff gave where the rule allows another."""
    from ...discountapi.active import why_not_here
    from ...discountapi.rules import NotApplicable

    rates = dict(applied)
    result = []
    for rule, reason in found:
        if reason is NotApplicable.NOT_AUTOMATIC and rule.discount_id in rates:
            reason = why_not_here(
                rule, when=when, place=place, employee=employee, automatic_only=False
            )
            rate = rates[rule.discount_id]
            if reason is None and rate is not None and rule.manual_rate:
                rule = replace(rule, rate=rate)
        result.append((rule, reason))
    return result


def _in_force(rule, when: datetime, place) -> bool:
    """Whether ``rule`` applies in this shop now to someone (an employee, if it says so)."""
    from ...discountapi.active import why_not_here

    return why_not_here(rule, when=when, place=place, employee=True, automatic_only=False) is None


# The rules in force, worked out once a minute for the process's current rules and shop: every
# priced request asks several times (the condition, the benefit), and each time builds its key.
_kept_in_force: tuple[object, datetime, object, tuple] | None = None


def _rules_in_force(rules: tuple, when: datetime, place) -> tuple:
    global _kept_in_force
    minute = when.replace(second=0, microsecond=0)
    kept = _kept_in_force
    if kept is not None and kept[0] is rules and kept[1] == minute and kept[2] == place:
        return kept[3]
    in_force = tuple(rule for rule in rules if _in_force(rule, when, place))
    _kept_in_force = (rules, minute, place, in_force)
    return in_force


def basket_rules(basket, when: datetime | None = None, *, exact: bool = False) -> BasketRules:
    """The rules for ``basket``'s owner, here and now, with the ones staff applied to it;
    once per basket object and minute. ``exact``: ask whether the owner is an employee even
    while no employee rule is in force (to show staff each rule's reason for this owner)."""
    from ...discountapi.active import active_rules, reasons, this_shop
    from ...discountapi.active import is_employee as in_employee_group
    from ...discountapi.rules import prepare_rules

    when = when or timezone.now()
    rules = active_rules()
    place = this_shop()
    # the basket's snapshot is read only while staff could have applied a rule that applies
    # here and now
    in_force = _rules_in_force(rules, when, place)
    applied = applied_by_staff(basket, [rule for rule in in_force if not rule.automatic])
    key = (rules, basket.owner_id, when.replace(second=0, microsecond=0), applied, exact)
    kept = getattr(basket, _ATTRIBUTE, None)
    if kept is not None and kept[0] == key:
        return kept[1]
    # Pricing asks the group only while an employee rule is in force: otherwise every employee
    # rule fails by place or time, and that is the reason given for it.
    employee: bool | None = None
    if exact or any(rule.employee for rule in in_force):
        employee = in_employee_group(basket.owner)
    found = reasons(rules, when=when, employee=employee is not False, place=place)
    if applied:
        found = with_applied(found, applied, when=when, employee=employee is not False, place=place)
    result = BasketRules(
        when=when,
        employee=employee,
        rule_set=prepare_rules(rule for rule, reason in found if reason is None),
        reasons=tuple(found),
    )
    setattr(basket, _ATTRIBUTE, (key, result))
    return result


def discountable_units(line, offer) -> int:
    """The units of ``line`` the chain's rules may discount (0: none)."""
    product = line.product
    if product is None or not getattr(product, "is_discountable", True):
        return 0
    if not line.unit_price_incl_tax or line.unit_price_incl_tax <= 0:
        return 0
    return max(0, line.quantity - line.discounts.num_consumed())


def line_prices(basket, offer, rules: BasketRules):
    """(line, units, LinePrice) of each line the rules discount."""
    for line in basket.all_lines():
        units = discountable_units(line, offer)
        if units:
            priced = rules.rule_set.price_line(
                Decimal(line.unit_price_incl_tax), units, currency_exponent=CURRENCY_EXPONENT
            )
            yield line, units, priced


class DiscountRulesCondition(Condition):
    """Met by a basket with lines while a chain rule applies to its owner, here and now."""

    name = "Discount rules basket"
    description = "A chain discount rule applies to the basket now."

    class Meta:
        app_label = "diller_oscar"
        proxy = True

    def is_satisfied(self, offer, basket) -> bool:
        try:
            # the rules first: while none applies (most of the time) the lines are not loaded
            return bool(basket_rules(basket).rule_set.candidates) and bool(basket.num_lines)
        except Exception as exc:  # never break the basket
            log_fallback("discount-rules", exc)
            return False

    def is_partially_satisfied(self, offer, basket) -> bool:
        return False


class DiscountRulesBenefit(Benefit):
    """The chain's discount rules on each line: the best set that combines, per line."""

    name = "Discount rules"
    description = "The chain's discounts from the Discount API."

    class Meta:
        app_label = "diller_oscar"
        proxy = True

    def apply(self, basket, condition, offer, **kwargs):
        count_use_at_commit(offer)
        try:
            already = discount_already_applied(basket, offer)
            if already is not None:  # applied once in this pass already: don't stack
                return already
            priced = list(line_prices(basket, offer, basket_rules(basket)))
        except Exception as exc:  # never break the basket: no chain discount instead
            log_fallback("discount-rules", exc)
            return ZERO_DISCOUNT
        total = Decimal(0)
        for line, units, price in priced:
            if price.discount > 0:
                line.discount(price.discount, units, incl_tax=True, offer=offer)
                total += price.discount
        return BasketDiscount(total) if total > 0 else ZERO_DISCOUNT
