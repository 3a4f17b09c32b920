"""The example shop's demo catalogue.

The UPC of each product is a valid EAN-13 and is also the product's external id at Diller
(the default adapter's choice), so the sandbox's seeded coupons and stamp cards refer to these.
Prices are in NOK including VAT: 15 % on food, 25 % on other goods, none on gift cards.
Gift cards are not eligible for loyalty (no coupon, stamp or points): see
:data:`NOT_ELIGIBLE_FOR_LOYALTY`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoProduct:
    upc: str
    category: str
    title: str
    price_incl_tax: Decimal
    tax_rate: Decimal


def _product(upc: str, category: str, title: str, price: str, tax_rate: str) -> DemoProduct:
    return DemoProduct(upc, category, title, Decimal(price), Decimal(tax_rate))


FOOD = "0.15"
GOODS = "0.25"
EXEMPT = "0.00"

# Product classes (by slug) staff marked as not eligible for loyalty: a NOK 1,000 gift card
# costs NOK 1,000 whatever coupon the member holds.
NOT_ELIGIBLE_FOR_LOYALTY: tuple[str, ...] = ("gift-card",)

DEMO_PRODUCTS: tuple[DemoProduct, ...] = (
    _product("7040110000012", "Coffee", "Espresso beans 500 g", "189.00", FOOD),
    _product("7040110000029", "Coffee", "Filter coffee 500 g", "149.00", FOOD),
    _product("7040110000036", "Coffee", "Decaf beans 250 g", "119.00", FOOD),
    _product("7040110000043", "Coffee", "Single origin Kenya 250 g", "159.00", FOOD),
    _product("7040110000050", "Coffee", "Cold brew concentrate", "99.00", FOOD),
    _product("7040110000067", "Coffee", "Coffee capsules 20 pack", "89.00", FOOD),
    _product("7040110000074", "Tea", "Earl Grey 100 g", "79.00", FOOD),
    _product("7040110000081", "Tea", "Green sencha 100 g", "89.00", FOOD),
    _product("7040110000098", "Tea", "Chai blend 100 g", "85.00", FOOD),
    _product("7040110000104", "Tea", "Rooibos 100 g", "69.00", FOOD),
    _product("7040110000111", "Tea", "Chamomile 50 g", "59.00", FOOD),
    _product("7040110000128", "Bakery", "Cinnamon bun", "45.00", FOOD),
    _product("7040110000135", "Bakery", "Croissant", "39.00", FOOD),
    _product("7040110000142", "Bakery", "Sourdough loaf", "69.00", FOOD),
    _product("7040110000159", "Bakery", "Blueberry muffin", "42.00", FOOD),
    _product("7040110000166", "Bakery", "Chocolate cookie", "29.00", FOOD),
    _product("7040110000173", "Equipment", "Ceramic mug", "149.00", GOODS),
    _product("7040110000180", "Equipment", "Travel tumbler", "299.00", GOODS),
    _product("7040110000197", "Equipment", "Pour-over dripper", "249.00", GOODS),
    _product("7040110000203", "Equipment", "Hand grinder", "899.00", GOODS),
    _product("7040110000210", "Equipment", "Milk frother", "399.00", GOODS),
    _product("7040110000227", "Equipment", "Paper filters 100 pack", "49.00", GOODS),
    _product("7040110000234", "Gift cards", "Gift card 500 kr", "500.00", EXEMPT),
    _product("7040110000241", "Gift cards", "Gift card 1000 kr", "1000.00", EXEMPT),
)
