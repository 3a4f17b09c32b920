"""The two site offers that carry loyalty discounts, created once after ``migrate``.

* "Diller loyalty" (priority -1000, exclusive, once per basket): coupons and stamp cards on the
  basket lines, after every shop offer so it can see what they took.
* "Diller free shipping" (priority -1001, once per basket): a free-shipping coupon.

Staff may suspend either in Oscar's dashboard: that is the kill switch, and re-running
``migrate`` never reopens a suspended offer.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from oscar.core.loading import get_model

logger = logging.getLogger("django_diller.oscar")

LOYALTY_SLUG = "diller-loyalty"
SHIPPING_SLUG = "diller-free-shipping"


def _path(klass) -> str:
    return f"{klass.__module__}.{klass.__qualname__}"


def ensure_carrier_offers():
    """Create (or repair) the carrier offers; returns them. Idempotent."""
    from .offers import LoyaltyBenefit, LoyaltyCondition, LoyaltyShippingBenefit

    ConditionalOffer = get_model("offer", "ConditionalOffer")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")

    condition, _ = Condition.objects.get_or_create(proxy_class=_path(LoyaltyCondition))
    offers = []
    for slug, name, benefit_class, priority, exclusive in (
        (LOYALTY_SLUG, "Diller loyalty", LoyaltyBenefit, -1000, True),
        (SHIPPING_SLUG, "Diller free shipping", LoyaltyShippingBenefit, -1001, False),
    ):
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
