"""Proxy models of Oscar's Condition and Benefit (the carrier offers' classes)."""

from .offers import LoyaltyBenefit, LoyaltyCondition, LoyaltyShippingBenefit

__all__ = ["LoyaltyBenefit", "LoyaltyCondition", "LoyaltyShippingBenefit"]
