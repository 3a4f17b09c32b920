"""Proxy models of Oscar's Condition and Benefit (the carrier offers' classes), and staff's
non-eligible marks."""

from .marks import NonEligibleMark
from .offers import LoyaltyBenefit, LoyaltyCondition, LoyaltyShippingBenefit

__all__ = ["LoyaltyBenefit", "LoyaltyCondition", "LoyaltyShippingBenefit", "NonEligibleMark"]
