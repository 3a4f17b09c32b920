"""The Discount API's rules, pure: no Django, no Oscar (``mypy --strict``).

- :mod:`.model`: :class:`Rule`, a discount as the pricing sees it.
- :mod:`.validity`: when, where and for whom a rule applies (:func:`applies_at`,
  :func:`applies_where`, :func:`for_customer`, :func:`why_not`).
- :mod:`.pricing`: the discounts of one line (:func:`price_line`), and of many lines with the
  same rules (:func:`prepare_rules`, once per basket).

The decisions (combinability both ways, the order, past-midnight windows, empty lists) are in
``docs/discount-rules.md``.
"""

from .model import ABSOLUTE, DAYS, RELATIVE, Rule
from .pricing import LinePrice, RuleSet, combinable, prepare_rules, price_line
from .validity import (
    NotApplicable,
    applies_at,
    applies_where,
    for_customer,
    local_window_day,
    why_not,
)

__all__ = [
    "ABSOLUTE",
    "DAYS",
    "RELATIVE",
    "LinePrice",
    "NotApplicable",
    "Rule",
    "RuleSet",
    "applies_at",
    "applies_where",
    "combinable",
    "for_customer",
    "local_window_day",
    "prepare_rules",
    "price_line",
    "why_not",
]
