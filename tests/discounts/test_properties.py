"""Properties that hold for every basket, coupon set and stamp-card set (hypothesis)."""

import random
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from django_diller.discounts import allocate, plan_discounts

from .builders import (
    CENT,
    NOW,
    basket_lines,
    cent_amounts,
    coupon_offers,
    shop_units,
    stamp_card_offers,
)


def _shop_percent_of_a_unit(draw: st.DrawFn, price: Decimal, quantity: int):
    """Nothing, or the shop's percentage of one unit's price (whole cents)."""
    shop_percent = draw(st.one_of(st.just(0), st.integers(min_value=1, max_value=100)))
    shop_discount = (price * shop_percent / 100).quantize(CENT)
    units = shop_units(draw, quantity) if shop_discount else None
    return min(shop_discount, price * quantity), units


def cent_lines():
    return basket_lines(prices=cent_amounts, shop_discount=_shop_percent_of_a_unit)


def plan(lines, coupons, cards, shipping=Decimal("49.00")):
    return plan_discounts(lines, coupons, cards, now=NOW, shipping_charge=shipping)


@settings(max_examples=300, deadline=None)
@given(cent_lines(), coupon_offers(), stamp_card_offers())
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
@given(cent_lines(), coupon_offers(), stamp_card_offers())
def test_no_unit_is_discounted_twice(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    units = Counter()
    for discount in result.line_discounts:
        units[discount.line_id] += discount.units
    for line in lines:
        assert units[line.line_id] <= line.free_units


@settings(max_examples=200, deadline=None)
@given(cent_lines(), coupon_offers(), stamp_card_offers())
def test_deterministic(lines, coupons, cards):
    assert plan(lines, coupons, cards) == plan(lines, coupons, cards)


@settings(max_examples=300, deadline=None)
@given(cent_lines(), coupon_offers(), stamp_card_offers())
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
@given(cent_lines(), coupon_offers(), stamp_card_offers(), st.randoms(use_true_random=False))
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
