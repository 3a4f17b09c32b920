"""A discount rule as the pricing sees it: the Discount API's discount, immutable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

RELATIVE = "RELATIVE"  # rate in 1/100 of a percent: 500 = 5.00 %
ABSOLUTE = "ABSOLUTE"  # rate in minor units of the currency, per unit: 500 = 5.00
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


@dataclass(frozen=True, slots=True)
class Rule:
    """One discount: the fields of the Discount API document, lists as frozensets.

    Times are HHMM integers (500 = 05:00); None: from the start (``valid_from_time``) or to the
    end (``valid_until_time``) of the day. Empty ``days_of_week``, ``stores`` or
    ``dist_chains``: every day, store or chain.
    """

    discount_id: str
    rate: int
    type: str = RELATIVE
    name: str = ""
    automatic: bool = False
    manual_rate: bool = False
    employee: bool = False
    calculated_from_base_price: bool = False
    combinable_with: frozenset[str] = field(default_factory=frozenset)
    valid_from_date: date | None = None
    valid_until_date: date | None = None
    valid_from_time: int | None = None
    valid_until_time: int | None = None
    days_of_week: frozenset[str] = field(default_factory=frozenset)
    stores: frozenset[str] = field(default_factory=frozenset)
    dist_chains: frozenset[str] = field(default_factory=frozenset)
