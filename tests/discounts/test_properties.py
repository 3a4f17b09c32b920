"""Properties that hold for every basket, coupon set and stamp-card set (hypothesis)."""

import random
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from django_diller.discounts import (
    BasketLine,
    CouponOffer,
    DiscountKind,
    StampCardOffer,
    allocate,
    plan_discounts,
)

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
PRODUCTS = ["A", "B", "C", "D"]
CENT = Decimal("0.01")

cents = st.integers(min_value=1, max_value=50_000).map(lambda n: Decimal(n) / 100)
product_sets = st.frozensets(st.sampled_from(PRODUCTS), max_size=3)


@st.composite
def basket_lines(draw):
    count = draw(st.integers(min_value=1, max_value=8))
    lines = []
    for index in range(count):
        quantity = draw(st.integers(min_value=1, max_value=5))
        price = draw(cents)
        shop_percent = draw(st.one_of(st.just(0), st.integers(min_value=1, max_value=100)))
        shop_discount = (price * shop_percent / 100).quantize(CENT)
        lines.append(
            BasketLine(
                line_id=f"L{index}",
                product_id=draw(st.sampled_from(PRODUCTS)),
                quantity=quantity,
                unit_price=price,
                shop_discount=min(shop_discount, price * quantity),
                shop_units=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=quantity)))
                if shop_discount
                else None,
                eligible=draw(st.booleans()),
            )
        )
    return lines


@st.composite
def coupon_offers(draw):
    count = draw(st.integers(min_value=0, max_value=5))
    coupons = []
    for index in range(count):
        kind = draw(
            st.sampled_from(
                [DiscountKind.PERCENTAGE, DiscountKind.FIXED, DiscountKind.FREE_SHIPPING]
            )
        )
        if kind == DiscountKind.PERCENTAGE:
            value = Decimal(draw(st.integers(0, 100)))
        else:
            value = draw(cents)
        coupons.append(
            CouponOffer(
                code=f"C{index}",
                kind=kind,
                value=value,
                product_ids=draw(product_sets),
                chosen=draw(st.booleans()),
            )
        )
    return coupons


@st.composite
def stamp_card_offers(draw):
    count = draw(st.integers(min_value=0, max_value=3))
    cards = []
    for index in range(count):
        required = draw(st.integers(min_value=1, max_value=6))
        cards.append(
            StampCardOffer(
                card_id=index + 1,
                required_stamps=required,
                stamps_collected=draw(st.integers(min_value=0, max_value=required)),
                product_ids=draw(product_sets),
                is_restartable=draw(st.booleans()),
            )
        )
    return cards


def plan(lines, coupons, cards, shipping=Decimal("49.00")):
    return plan_discounts(lines, coupons, cards, now=NOW, shipping_charge=shipping)


@settings(max_examples=300, deadline=None)
@given(basket_lines(), coupon_offers(), stamp_card_offers())
def test_totals_never_negative_and_no_line_discounted_beyond_its_price(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    assert result.total_after >= 0
    assert result.loyalty_discount <= result.total_before
    for line in lines:
        discount = result.discount_for_line(line.line_id)
        assert 0 <= discount <= line.gross - line.shop_discount
        assert discount <= line.unit_price * line.free_units  # only units nobody discounted
        if line.free_units == 0:
            assert discount == 0  # already discounted or not eligible: never again


@settings(max_examples=300, deadline=None)
@given(basket_lines(), coupon_offers(), stamp_card_offers())
def test_no_unit_is_discounted_twice(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    units = Counter()
    for discount in result.line_discounts:
        units[discount.line_id] += discount.units
    for line in lines:
        assert units[line.line_id] <= line.free_units


@settings(max_examples=200, deadline=None)
@given(basket_lines(), coupon_offers(), stamp_card_offers())
def test_deterministic(lines, coupons, cards):
    assert plan(lines, coupons, cards) == plan(lines, coupons, cards)


@settings(max_examples=300, deadline=None)
@given(basket_lines(), coupon_offers(), stamp_card_offers())
def test_rounding_is_exact(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    for discount in result.line_discounts:
        assert discount.amount == discount.amount.quantize(CENT)
    for code, amount in result.coupon_amounts.items():
        parts = [d.amount for d in result.line_discounts if d.reference == code]
        assert sum(parts, Decimal(0)) == amount
    total = sum((d.amount for d in result.line_discounts), Decimal(0)) + result.shipping_discount
    assert total == result.loyalty_discount


@settings(max_examples=300, deadline=None)
@given(basket_lines(), coupon_offers(), stamp_card_offers(), st.randoms(use_true_random=False))
def test_the_order_of_coupons_and_cards_does_not_matter(lines, coupons, cards, rng: random.Random):
    shuffled_coupons, shuffled_cards = coupons[:], cards[:]
    rng.shuffle(shuffled_coupons)
    rng.shuffle(shuffled_cards)
    assert plan(lines, coupons, cards) == plan(lines, shuffled_coupons, shuffled_cards)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**7).map(lambda n: Decimal(n) / 100),
    st.lists(
        st.integers(min_value=0, max_value=10**6).map(lambda n: Decimal(n) / 100),
        min_size=1,
        max_size=20,
    ),
)
def test_allocation_adds_up_and_respects_each_weight(total, weights):
    parts = allocate(total, weights)
    if sum(weights) == 0:
        assert all(part == 0 for part in parts)
        return
    assert sum(parts) == total.quantize(CENT)
    if total <= sum(weights):
        assert all(0 <= part <= weight for part, weight in zip(parts, weights, strict=True))
