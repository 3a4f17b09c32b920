"""Norwegian VAT helpers shared by the pricing strategy, the shipping methods and the loader.

Norwegian shops set and show prices including VAT ("merverdiavgift"): the VAT-inclusive price
is the fixed point and the VAT-exclusive price is derived from it, never the other way round.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: VAT groups of the demo shop, keyed by product class slug.
FOOD = Decimal("0.15")  # næringsmidler (food and drink)
GOODS = Decimal("0.25")  # the general rate (equipment, shipping)
EXEMPT = Decimal("0.00")  # gift cards are a means of payment: no VAT when sold

VAT_RATE_BY_PRODUCT_CLASS = {
    "food": FOOD,
    "goods": GOODS,
    "gift-card": EXEMPT,
}
DEFAULT_VAT_RATE = GOODS
SHIPPING_VAT_RATE = GOODS

CENT = Decimal("0.01")


def split_vat(price_incl_tax: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """Split a VAT-inclusive price into ``(excl_tax, tax)`` whose sum is exactly the price.

    ``excl_tax`` is rounded half up to whole øre and ``tax`` is the remainder, so no rounding
    can ever move the price the shopper sees.
    """
    price_incl_tax = Decimal(price_incl_tax).quantize(CENT, rounding=ROUND_HALF_UP)
    excl_tax = (price_incl_tax / (1 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return excl_tax, price_incl_tax - excl_tax


def tax_code(rate: Decimal) -> str:
    """The tax code stored on prices and order lines: the rate in percent ("15", "25", "0")."""
    text = f"{rate * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def rate_from_tax_code(code: str | None) -> Decimal | None:
    """The VAT rate (``Decimal("0.15")``) for a tax code made by :func:`tax_code`."""
    if not code:
        return None
    return Decimal(code) / 100
