"""Diller's calculation rules as pure functions: basket lines, coupons, stamp cards → a plan.

No Django, no Oscar, no I/O; ``Decimal`` only. The shop computes the discounts (Diller does not)
and reports them in the transaction. See :func:`plan_discounts` for the rules as implemented.
"""

from .engine import plan_discounts
from .model import (
    BasketLine,
    CouponOffer,
    DiscountKind,
    DiscountPlan,
    LineDiscount,
    LineStamps,
    Refusal,
    RefusalReason,
    StampCardOffer,
    StampMovement,
)
from .rounding import allocate

__all__ = [
    "BasketLine",
    "CouponOffer",
    "DiscountKind",
    "DiscountPlan",
    "LineDiscount",
    "LineStamps",
    "Refusal",
    "RefusalReason",
    "StampCardOffer",
    "StampMovement",
    "allocate",
    "plan_discounts",
]
