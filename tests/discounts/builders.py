"""Builders shared by the discount-engine tests: short constructors for the worked examples, and
the hypothesis strategies the property tests draw baskets, coupons and stamp cards from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import strategies as st

from django_diller.discounts import BasketLine, CouponOffer, DiscountKind, StampCardOffer

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
PCT, FIXED, SHIP = DiscountKind.PERCENTAGE, DiscountKind.FIXED, DiscountKind.FREE_SHIPPING
PRODUCTS = ["A", "B", "C", "D"]
CENT = Decimal("0.01")

# A shop discount for a line of ``quantity`` units at ``price``: (amount, units it took).
ShopDiscount = Callable[[st.DrawFn, Decimal, int], tuple[Decimal, int | None]]


# Worked examples -------------------------------------------------------------------------------
def line(line_id, product, quantity, price, **extra) -> BasketLine:
    return BasketLine(line_id, product, quantity, Decimal(price), **extra)


def coupon(code, kind, value="0", products=(), **extra) -> CouponOffer:
    return CouponOffer(code, kind, Decimal(value), frozenset(products), **extra)


def card(card_id, required, collected, products=(), **extra) -> StampCardOffer:
    return StampCardOffer(card_id, required, collected, frozenset(products), **extra)


# Strategies ------------------------------------------------------------------------------------
cent_amounts = st.integers(min_value=1, max_value=50_000).map(lambda n: Decimal(n) / 100)
product_sets = st.frozensets(st.sampled_from(PRODUCTS), max_size=3)
either = st.booleans()


@st.composite
def basket_lines(
    draw: st.DrawFn,
    *,
    prices: st.SearchStrategy[Decimal],
    shop_discount: ShopDiscount,
    max_lines: int = 8,
    max_quantity: int = 5,
) -> list[BasketLine]:
    """One to ``max_lines`` lines of the products, eligible or not, each with the shop's own
    discount as ``shop_discount`` draws it."""
    lines = []
    for index in range(draw(st.integers(min_value=1, max_value=max_lines))):
        quantity = draw(st.integers(min_value=1, max_value=max_quantity))
        price = draw(prices)
        discount, units = shop_discount(draw, price, quantity)
        lines.append(
            BasketLine(
                line_id=f"L{index}",
                product_id=draw(st.sampled_from(PRODUCTS)),
                quantity=quantity,
                unit_price=price,
                shop_discount=discount,
                shop_units=units,
                eligible=draw(st.booleans()),
            )
        )
    return lines


def shop_units(draw: st.DrawFn, quantity: int) -> int | None:
    """How many units a shop discount took: unknown (``None``) or up to all of them."""
    return draw(st.one_of(st.none(), st.integers(min_value=0, max_value=quantity)))


@st.composite
def coupon_offers(
    draw: st.DrawFn,
    *,
    kinds: Sequence[DiscountKind] = (PCT, FIXED, SHIP),
    amounts: st.SearchStrategy[Decimal] = cent_amounts,
    chosen: st.SearchStrategy[bool] = either,
) -> list[CouponOffer]:
    """Up to five coupons: a percentage from 0 to 100, or an amount from ``amounts``."""
    coupons = []
    for index in range(draw(st.integers(min_value=0, max_value=5))):
        kind = draw(st.sampled_from(list(kinds)))
        value = Decimal(draw(st.integers(0, 100))) if kind == PCT else draw(amounts)
        coupons.append(
            CouponOffer(
                code=f"C{index}",
                kind=kind,
                value=value,
                product_ids=draw(product_sets),
                chosen=draw(chosen),
            )
        )
    return coupons


@st.composite
def stamp_card_offers(
    draw: st.DrawFn,
    *,
    products: st.SearchStrategy[frozenset[str]] = product_sets,
    max_cards: int = 3,
) -> list[StampCardOffer]:
    """Up to ``max_cards`` standard stamp cards, from empty to full, restartable or not."""
    cards = []
    for index in range(draw(st.integers(min_value=0, max_value=max_cards))):
        required = draw(st.integers(min_value=1, max_value=6))
        cards.append(
            StampCardOffer(
                card_id=index + 1,
                required_stamps=required,
                stamps_collected=draw(st.integers(min_value=0, max_value=required)),
                product_ids=draw(products),
                is_restartable=draw(st.booleans()),
            )
        )
    return cards
