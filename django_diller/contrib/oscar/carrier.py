"""The two site offers that carry loyalty discounts, created once after ``migrate``.

* "Coupons and vouchers" (priority -1000, exclusive, once per basket): coupons, stamp cards and
  other providers' vouchers on the basket lines, after every shop offer so it can see what they
  took.
* "Free-shipping coupon" (priority -1001, once per basket): a free-shipping coupon.

Their names are what shoppers read beside the discount in Oscar's totals, so they name the
discount, not the vendor; staff may rename them, and ``migrate`` keeps a name once given.
* "Discount rules" (priority -900, once per basket), when ``django_diller.discountapi`` is
  installed: the chain's discount rules, before Diller's offer so it sees them as the shop's
  own discounts (see :mod:`.discount_rules`).

Staff may suspend either in Oscar's dashboard: that is the kill switch, and re-running
``migrate`` never reopens a suspended offer.

Neither is for shoppers to browse or for staff to build on: :func:`hide_carrier_offers` keeps
them off Oscar's public offer pages and basket messages, and keeps the plugin's condition and
benefits out of the dashboard's offer wizard (see ``docs/oscar-offers.md``).
"""

from __future__ import annotations

import functools
import logging

from django.apps import apps
from django.db import DatabaseError
from django.http import Http404
from oscar.core.loading import get_class, get_classes, get_model

logger = logging.getLogger("django_diller.oscar")

LOYALTY_SLUG = "diller-loyalty"
SHIPPING_SLUG = "diller-free-shipping"
DISCOUNT_RULES_SLUG = "discount-rules"
CARRIER_SLUGS = (LOYALTY_SLUG, SHIPPING_SLUG, DISCOUNT_RULES_SLUG)


def _path(klass) -> str:
    return f"{klass.__module__}.{klass.__qualname__}"


def ensure_carrier_offers():
    """Create (or repair) the carrier offers; returns them. Idempotent."""
    from .offers import LoyaltyBenefit, LoyaltyCondition, LoyaltyShippingBenefit

    ConditionalOffer = get_model("offer", "ConditionalOffer")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")

    from .discount_rules import DiscountRulesBenefit, DiscountRulesCondition

    carriers = [
        (LOYALTY_SLUG, "Coupons and vouchers", LoyaltyCondition, LoyaltyBenefit, -1000, True),
        (
            SHIPPING_SLUG,
            "Free-shipping coupon",
            LoyaltyCondition,
            LoyaltyShippingBenefit,
            -1001,
            False,
        ),
    ]
    if apps.is_installed("django_diller.discountapi"):
        carriers.append(
            (
                DISCOUNT_RULES_SLUG,
                "Discount rules",
                DiscountRulesCondition,
                DiscountRulesBenefit,
                -900,
                False,
            )
        )
    offers = []
    for slug, name, condition_class, benefit_class, priority, exclusive in carriers:
        condition, _ = Condition.objects.get_or_create(proxy_class=_path(condition_class))
        benefit, _ = Benefit.objects.get_or_create(proxy_class=_path(benefit_class))
        offer = ConditionalOffer.objects.filter(slug=slug).first()
        if offer is None:
            offer = ConditionalOffer(slug=slug, name=name)
        offer.offer_type = ConditionalOffer.SITE
        offer.condition = condition
        offer.benefit = benefit
        offer.priority = priority
        offer.exclusive = exclusive
        offer.max_basket_applications = 1
        offer.save()  # the status is left as it is: a suspended carrier stays suspended
        offers.append(offer)
    return offers


def ensure_carrier_offers_after_migrate(**kwargs) -> None:
    try:
        ensure_carrier_offers()
    except DatabaseError:  # Oscar's offer tables are not migrated yet (partial migrate)
        logger.warning("diller carrier offers not created: Oscar's offer tables are missing")


# Kept to the plugin: the carrier offers in Oscar's shopper pages and dashboard -----------------
#
# Oscar lists every open site offer on its public offer pages, says "your basket now qualifies
# for the ... offer" when one starts to apply, and offers every condition and benefit that has a
# proxy class as a choice in the dashboard's offer wizard. The carrier offers are the plugin's
# machinery, not offers a shopper browses or staff build on, so each of those places leaves them
# out. Oscar has no field for this (``is_public`` exists on ranges only), so the classes Oscar's
# own ``get_class`` returns (a shop's forked ones included) are wrapped once at start-up; each
# wrapper calls the original and only removes the plugin's rows.

_HIDDEN_MARK = "_diller_hides_carrier_offers"


def proxy_paths() -> tuple[str, tuple[str, ...]]:
    """The dotted paths of Diller's proxy condition and benefits (as ``proxy_class``)."""
    from .offers import LoyaltyBenefit, LoyaltyCondition, LoyaltyShippingBenefit

    return _path(LoyaltyCondition), (_path(LoyaltyBenefit), _path(LoyaltyShippingBenefit))


def _condition_paths() -> tuple[str, ...]:
    """The plugin's proxy conditions: Diller's and the discount rules'."""
    from .discount_rules import DiscountRulesCondition
    from .offers import LoyaltyCondition

    return _path(LoyaltyCondition), _path(DiscountRulesCondition)


def _benefit_paths() -> tuple[str, ...]:
    """The plugin's proxy benefits: Diller's and the discount rules'."""
    from .discount_rules import DiscountRulesBenefit
    from .offers import LoyaltyBenefit, LoyaltyShippingBenefit

    return _path(LoyaltyBenefit), _path(LoyaltyShippingBenefit), _path(DiscountRulesBenefit)


def carrier_offer_filter():
    """A ``Q`` matching the carrier offers (by slug, or by the plugin's condition or benefit)."""
    from django.db.models import Q

    return (
        Q(slug__in=CARRIER_SLUGS)
        | Q(condition__proxy_class__in=_condition_paths())
        | Q(benefit__proxy_class__in=_benefit_paths())
    )


def is_carrier_offer(offer) -> bool:
    """By slug, or by the plugin's condition or benefit when the offer has them loaded (the
    applicator loads them; no query is made here for an offer that has not)."""
    if getattr(offer, "slug", None) in CARRIER_SLUGS:
        return True
    conditions, benefits = _condition_paths(), _benefit_paths()
    model = type(offer)
    loaded_condition = offer.condition if model.condition.is_cached(offer) else None
    loaded_benefit = offer.benefit if model.benefit.is_cached(offer) else None
    return (
        getattr(loaded_condition, "proxy_class", None) in conditions
        or getattr(loaded_benefit, "proxy_class", None) in benefits
    )


def _wrap(cls, name: str, make_wrapper) -> None:
    """Replace ``cls.name`` by ``make_wrapper(original)``, once."""
    original = getattr(cls, name)
    if getattr(original, _HIDDEN_MARK, False):
        return
    wrapper = functools.wraps(original)(make_wrapper(original))
    setattr(wrapper, _HIDDEN_MARK, True)
    setattr(cls, name, wrapper)


def _offer_list_queryset(original):
    def get_queryset(self):
        return original(self).exclude(carrier_offer_filter())

    return get_queryset


def _offer_detail_get(original):
    def get(self, request, *args, **kwargs):
        ConditionalOffer = get_model("offer", "ConditionalOffer")
        slug = kwargs.get("slug")
        if ConditionalOffer.objects.filter(carrier_offer_filter(), slug=slug).exists():
            raise Http404
        return original(self, request, *args, **kwargs)

    return get


def _offer_messages(original):
    def get_offer_messages(self, offers_before, offers_after):
        def shop_offers(offers):
            return {key: o for key, o in offers.items() if not is_carrier_offer(o)}

        return original(self, shop_offers(offers_before), shop_offers(offers_after))

    return get_offer_messages


def _wizard_form_init(field: str, required_without_custom: tuple[str, ...]):
    """``__init__`` of the wizard's condition or benefit form without the plugin's rows.

    When nothing else is left to choose, the fields Oscar makes required when a shop has no
    custom conditions (benefits) are required again, as they would be without the plugin. A
    carrier offer's own row stays a choice when the form edits it (so its wizard still works);
    a new offer can never take one, so no second carrier offer is made by hand.
    """

    def make(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            _drop_carrier_choices(self, field, required_without_custom, kwargs.get("instance"))

        return __init__

    return make


def _drop_carrier_choices(form, field: str, required_without_custom, instance) -> None:
    model = form._meta.model
    hidden = set(
        model.objects.filter(proxy_class__in=(*_condition_paths(), *_benefit_paths())).values_list(
            "pk", flat=True
        )
    )
    if instance is not None and getattr(instance, "pk", None) in hidden:
        hidden.discard(instance.pk)
    choices = [(value, label) for value, label in form.fields[field].choices]
    kept = [(value, label) for value, label in choices if value == "" or value not in hidden]
    if len(kept) == len(choices):
        return
    if any(value != "" for value, _label in kept):
        form.fields[field].choices = kept
        return
    form.fields[field].choices = ()
    for name in required_without_custom:
        form.fields[name].required = True


def _app_installed(label: str) -> bool:
    try:
        apps.get_app_config(label)
    except LookupError:
        return False
    return True


def hide_carrier_offers() -> None:
    """Keep the carrier offers out of Oscar's offer pages, basket messages and offer wizard.

    Called from the app's ``ready()``; safe to call again.
    """
    if _app_installed("offer"):
        _wrap(get_class("offer.views", "OfferListView"), "get_queryset", _offer_list_queryset)
        _wrap(get_class("offer.views", "OfferDetailView"), "get", _offer_detail_get)
    if _app_installed("basket"):
        generator = get_class("basket.utils", "BasketMessageGenerator")
        _wrap(generator, "get_offer_messages", _offer_messages)
    if _app_installed("offers_dashboard"):
        condition_form, benefit_form = get_classes(
            "dashboard.offers.forms", ["ConditionForm", "BenefitForm"]
        )
        _wrap(
            condition_form,
            "__init__",
            _wizard_form_init("custom_condition", ("type", "range", "value")),
        )
        _wrap(benefit_form, "__init__", _wizard_form_init("custom_benefit", ("type",)))
