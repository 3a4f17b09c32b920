"""Properties of stamp cards, threshold cards and money at any precision (hypothesis).

Prices here are drawn at a tenth of a cent, zero included (free samples), so the engine's
rounding to the minor unit is exercised on every basket.
"""

from collections import Counter
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from django_diller.discounts import BasketLine, DiscountKind, StampCardOffer, plan_discounts

from .builders import (
    CENT,
    FIXED,
    NOW,
    PCT,
    PRODUCTS,
    basket_lines,
    coupon_offers,
    shop_units,
    stamp_card_offers,
)

ZERO = Decimal(0)

mills = st.integers(min_value=0, max_value=500_000).map(lambda n: Decimal(n) / 1000)
small_mills = st.sampled_from([0, 4, 5, 995, 1_000, 10_005, 150_000]).map(
    lambda n: Decimal(n) / 1000
)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _sub_cent_shop_discount(draw: st.DrawFn, price: Decimal, quantity: int):
    """Nothing, or the shop's percentage of the whole line, at a tenth of a cent."""
    if not (draw(st.booleans()) and price):
        return ZERO, None
    shop_discount = price * quantity * draw(st.integers(1, 100)) / 100
    return shop_discount.quantize(Decimal("0.001")), shop_units(draw, quantity)


def sub_cent_lines(max_lines: int = 8, max_quantity: int = 5):
    return basket_lines(
        prices=st.one_of(mills, small_mills),
        shop_discount=_sub_cent_shop_discount,
        max_lines=max_lines,
        max_quantity=max_quantity,
    )


def money_coupons():
    """Chosen percentage and fixed coupons, the amounts at a tenth of a cent."""
    return coupon_offers(kinds=(PCT, FIXED), amounts=mills, chosen=st.just(True))


def standard_cards():
    """Standard cards that each match at least one product."""
    return stamp_card_offers(products=st.frozensets(st.sampled_from(PRODUCTS), min_size=1))


@st.composite
def threshold_cards(draw):
    return [
        StampCardOffer(
            card_id=100 + index,
            required_stamps=5,
            card_type="threshold",
            threshold_amount=draw(st.one_of(st.none(), mills)),
        )
        for index in range(draw(st.integers(min_value=1, max_value=2)))
    ]


def rounded_value(line: BasketLine) -> Decimal:
    """What the line is charged after the shop's offers, at the minor unit."""
    gross = cents(line.unit_price) * line.quantity
    return gross - min(cents(line.shop_discount), gross)


def rounded_line(line: BasketLine) -> BasketLine:
    """The line as the engine sees it (a shop discount that rounds to nothing is none)."""
    price = cents(line.unit_price)
    shop_discount = min(cents(line.shop_discount), price * line.quantity)
    return replace(line, unit_price=price, shop_discount=shop_discount)


def plan(lines, coupons=(), cards=()):
    return plan_discounts(lines, coupons, cards, now=NOW, shipping_charge=Decimal("49.005"))


# Money ---------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(sub_cent_lines(), money_coupons(), standard_cards())
def test_no_line_total_is_ever_negative(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    for line in lines:
        assert 0 <= result.discount_for_line(line.line_id) <= rounded_value(line)
    assert result.goods_total == sum((rounded_value(line) for line in lines), ZERO)
    assert result.total_after >= 0


@settings(max_examples=200, deadline=None)
@given(sub_cent_lines(), money_coupons(), standard_cards())
def test_every_amount_is_whole_cents_and_every_split_adds_up(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    line_parts = [d.amount for d in result.line_discounts]
    totals = [result.goods_total, result.shipping_charge, result.shipping_discount]
    values = line_parts + totals + list(result.coupon_amounts.values())
    assert all(value == cents(value) for value in values)
    by_code = {c.code: c for c in coupons}
    for code, amount in result.coupon_amounts.items():
        parts = [d.amount for d in result.line_discounts if d.reference == code]
        assert sum(parts, ZERO) == amount
        if by_code[code].kind == DiscountKind.FIXED:
            assert amount <= cents(by_code[code].value)  # a fixed coupon gives no more than it says
    assert sum(line_parts, ZERO) + result.shipping_discount == result.loyalty_discount


# Stamp cards ----------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(sub_cent_lines(), money_coupons(), standard_cards())
def test_a_free_unit_is_never_zero_priced(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    prices = {line.line_id: cents(line.unit_price) for line in lines}
    for discount in result.line_discounts:
        if discount.source == "stamp_card":
            assert prices[discount.line_id] > 0
            assert discount.amount == prices[discount.line_id] * discount.units


@settings(max_examples=200, deadline=None)
@given(sub_cent_lines(), standard_cards())
def test_stamp_bookkeeping_adds_up(lines, cards):
    result = plan(lines, (), cards)
    free_units = Counter()
    for discount in result.line_discounts:
        free_units[discount.reference] += discount.units
    for movement in result.stamp_movements:
        (card,) = [c for c in cards if c.card_id == movement.card_id]
        matching = sum(
            line.quantity for line in lines if line.eligible and line.product_id in card.product_ids
        )
        per_line = [s for s in result.line_stamps if s.card_id == card.card_id]
        assert movement.collected <= matching
        assert movement.rewards == free_units[str(card.card_id)]
        assert movement.deducted == movement.rewards * card.required_stamps
        assert sum(s.collected for s in per_line) == movement.collected
        quantities = {line.line_id: line.quantity for line in lines}
        assert all(s.collected <= quantities[s.line_id] for s in per_line)  # a stamp a unit
        assert sum(s.deducted for s in per_line) == movement.deducted
        if not card.is_restartable:
            assert movement.rewards <= 1
        # Stamps never overflow the card: what is left is between empty and full.
        left = card.stamps_collected + movement.collected - movement.deducted
        assert 0 <= left <= card.required_stamps


def sequential_outcomes(card: StampCardOffer, units: list[tuple[str, Decimal, bool]]):
    """Every outcome of stamping the units one at a time, in every order, as a till would:
    a unit earns a stamp while the card is not full; a free-able unit is free when its stamp
    completed the card or the card was already full. (rewards, value freed, stamps collected)."""
    seen = set()
    for order in set(permutations(units)):
        remaining = max(0, card.required_stamps - card.stamps_collected)
        rewards = collected = 0
        freed = ZERO
        used_up = False
        for _line_id, price, free_able in order:
            if used_up:
                break
            if remaining > 0:
                remaining -= 1
                collected += 1
            if remaining == 0 and free_able:
                rewards += 1
                freed += price
                if card.is_restartable:
                    remaining = card.required_stamps
                else:
                    used_up = True
        seen.add((rewards, freed, collected))
    return seen


@st.composite
def one_card_basket(draw):
    lines = draw(sub_cent_lines(max_lines=3, max_quantity=2))
    required = draw(st.integers(min_value=1, max_value=4))
    card = StampCardOffer(
        card_id=1,
        required_stamps=required,
        stamps_collected=draw(st.integers(min_value=0, max_value=required)),
        product_ids=frozenset(PRODUCTS),
        is_restartable=draw(st.booleans()),
    )
    return lines, card


@settings(max_examples=200, deadline=None)
@given(one_card_basket())
def test_the_card_serves_the_member_as_well_as_any_order_at_a_till(basket):
    """The most free units, then the dearest ones, then the most stamps: the best a till could
    do scanning the same units in any order."""
    lines, card = basket
    units = []
    for line in lines:
        if not line.eligible:
            continue
        price = cents(line.unit_price)
        # Units a stamp card may make free: untouched by the shop, paid for, still charged.
        untouched = rounded_line(line).free_units
        capacity = min(untouched, int(rounded_value(line) // price)) if price else 0
        for index in range(line.quantity):
            units.append((line.line_id, price, index < capacity))
    result = plan(lines, (), [card])
    (movement,) = result.stamp_movements or [None]
    outcome = (
        (movement.rewards, result.loyalty_discount, movement.collected)
        if movement
        else (0, ZERO, 0)
    )
    assert outcome == max(sequential_outcomes(card, units))


@settings(max_examples=200, deadline=None)
@given(sub_cent_lines(), st.randoms(use_true_random=False))
def test_the_free_units_do_not_depend_on_the_order_of_the_lines(lines, rng):
    cards = [StampCardOffer(1, 3, 2, frozenset(PRODUCTS)), StampCardOffer(2, 2, 2, frozenset("A"))]
    shuffled = lines[:]
    rng.shuffle(shuffled)
    first, second = plan(lines, (), cards), plan(shuffled, (), cards)
    assert set(first.line_discounts) == set(second.line_discounts)
    assert set(first.line_stamps) == set(second.line_stamps)
    assert first.stamp_movements == second.stamp_movements


# Threshold cards -------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(sub_cent_lines(), money_coupons(), threshold_cards())
def test_threshold_stamps_count_only_eligible_amounts(lines, coupons, cards):
    result = plan(lines, coupons, cards)
    eligible = [line for line in lines if line.eligible]
    paid = sum((rounded_value(line) for line in eligible), ZERO) - sum(
        (d.amount for d in result.line_discounts), ZERO
    )
    stamped = {m.card_id: m.collected for m in result.stamp_movements}
    for card in cards:
        earns = paid > 0 and paid >= (card.threshold_amount or ZERO)
        assert stamped.get(card.card_id, 0) == (1 if earns else 0)
    # Taking the non-eligible lines away changes no threshold stamp.
    if eligible:
        assert plan(eligible, coupons, cards).stamp_movements == result.stamp_movements
    else:
        assert result.stamp_movements == ()
