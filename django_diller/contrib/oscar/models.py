"""Proxy models of Oscar's Condition and Benefit (the carrier offers' classes), and staff's
non-eligible marks."""

from .discount_rules import DiscountRulesBenefit, DiscountRulesCondition
from .marks import NonEligibleMark
from .offers import LoyaltyBenefit, LoyaltyCondition, LoyaltyShippingBenefit

__all__ = [
    "DiscountRulesBenefit",
    "DiscountRulesCondition",
    "LoyaltyBenefit",
    "LoyaltyCondition",
    "LoyaltyShippingBenefit",
    "NonEligibleMark",
]
