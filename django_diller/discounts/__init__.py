"""Diller's calculation rules as pure functions: basket lines, coupons, stamp cards → a plan.

No Django, no Oscar, no I/O; ``Decimal`` only. The shop computes the discounts (Diller does not)
and reports them in the transaction. See :func:`plan_discounts` for the rules as implemented,
and :mod:`.sources` for how each provider (Diller, a voucher system, the shop's rules) hands
its offers to the engine.
"""

from .engine import plan_discounts
from .model import (
    DILLER,
    BasketLine,
    Combinability,
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
    "DILLER",
    "BasketLine",
    "Combinability",
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
