"""Splitting an amount over lines in proportion, to the cent, losing and inventing nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from types import MappingProxyType

CENT = Decimal("0.01")

# ISO 4217 minor units of the currencies a shop here sells in (Dintero's receipts, a provider
# of their own, keep the same table: django_diller.dintero.receipts.CURRENCY_EXPONENTS).
CURRENCY_EXPONENTS: Mapping[str, int] = MappingProxyType(
    {"NOK": 2, "SEK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "USD": 2, "CHF": 2, "PLN": 2, "ISK": 0}
)


def minor_unit_of(currency: str | None) -> Decimal:
    """The smallest unit of ``currency`` (1 for ISK, 0.01 for NOK); a cent for a currency
    the table does not know, as Oscar writes prices."""
    exponent = CURRENCY_EXPONENTS.get((currency or "").upper(), 2)
    return Decimal(1).scaleb(-exponent)


def round_money(amount: Decimal, minor_unit: Decimal = CENT) -> Decimal:
    """Half-up to the currency's minor unit: the one rounding of a coupon's amount."""
    return amount.quantize(minor_unit, rounding=ROUND_HALF_UP)


def allocate(
    total: Decimal, weights: Sequence[Decimal], minor_unit: Decimal = CENT
) -> list[Decimal]:
    """Split ``total`` over ``weights`` in proportion (largest remainder method).

    The parts are whole minor units, each at most its weight when ``total`` is at most the sum
    of the weights, and they add up to ``total`` exactly. Ties go to the earlier weight, so the
    result is deterministic.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate takes non-negative amounts")
    weight_sum = sum(weights, Decimal(0))
    if not weights or weight_sum == 0 or total == 0:
        return [Decimal(0).quantize(minor_unit) for _ in weights]
    total = total.quantize(minor_unit)
    exact = [total * w / weight_sum for w in weights]
    parts = [e.quantize(minor_unit, rounding=ROUND_DOWN) for e in exact]
    leftover_units = int((total - sum(parts, Decimal(0))) / minor_unit)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in by_remainder[:leftover_units]:
        parts[index] += minor_unit
    return parts
