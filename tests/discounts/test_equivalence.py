"""The engine gives exactly the plans of the engine it replaced (kept as the oracle in
``reference_engine``): the same discounts, amounts (to the Decimal's exponent), stamps and
refusals, in the same order, on random baskets with every kind of coupon and stamp card."""

from datetime import timedelta
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
from django_diller.discounts.engine import _allocate

from .builders import CENT, NOW
from .reference_engine import reference_plan_discounts

PRODUCTS = ["A", "B", "C", "D", "E", "F"]
MINOR_UNITS = [Decimal("0.01"), Decimal("0.01"), Decimal("0.01"), Decimal(1), Decimal("0.001")]

# Amounts in every form a caller may give: whole cents, tenths of a cent, zero, whole units,
# and a Decimal with more places than the minor unit (which keeps its exponent when it rounds
# to itself).
amounts = st.one_of(
    st.integers(min_value=0, max_value=50_000).map(lambda n: Decimal(n) / 100),
    st.integers(min_value=0, max_value=500_000).map(lambda n: Decimal(n) / 1000),
    st.integers(min_value=0, max_value=500_000).map(lambda n: Decimal(n).scaleb(-3)),
    st.integers(min_value=0, max_value=300).map(Decimal),
    st.sampled_from(["0", "0.004", "0.005", "0.995", "1.00", "10.005", "33.33"]).map(Decimal),
)
product_sets = st.frozensets(st.sampled_from([*PRODUCTS, "not-in-basket"]), max_size=4)
moments = st.sampled_from([None, NOW - timedelta(days=1), NOW + timedelta(days=1)])


@st.composite
def lines(draw: st.DrawFn) -> list[BasketLine]:
    basket = []
    for index in range(draw(st.integers(min_value=0, max_value=14))):
        quantity = draw(st.integers(min_value=1, max_value=6))
        price = draw(amounts)
        shop_discount = draw(st.one_of(st.just(Decimal(0)), amounts))
        shop_units = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=quantity)))
        basket.append(
            BasketLine(
                line_id=f"L{index}",
                product_id=draw(st.sampled_from(PRODUCTS)),
                quantity=quantity,
                unit_price=price,
                shop_discount=min(shop_discount, price * quantity),
                shop_units=shop_units if shop_discount else draw(st.sampled_from([None, 0])),
                eligible=draw(st.sampled_from([True, True, True, False])),
            )
        )
    return basket


@st.composite
def coupons(draw: st.DrawFn) -> list[CouponOffer]:
    offers = []
    for index in range(draw(st.integers(min_value=0, max_value=8))):
        kind = draw(st.sampled_from(list(DiscountKind)))
        if kind == DiscountKind.PERCENTAGE:
            value = draw(
                st.one_of(
                    st.sampled_from(["10", "50", "100"]).map(Decimal),  # equal worths: ties
                    st.integers(min_value=-5, max_value=110).map(Decimal),
                    st.sampled_from(["12.5", "33.333", "66.67", "0.5"]).map(Decimal),
                )
            )
        else:
            value = draw(st.one_of(st.sampled_from(["5", "5.00", "20"]).map(Decimal), amounts))
        max_redemptions = draw(st.sampled_from([None, 0, 1, 3]))
        offers.append(
            CouponOffer(
                # Codes repeat now and then: the engine must not depend on them being unique.
                code=draw(st.sampled_from([f"C{index}", f"C{index}", "DUP"])),
                kind=kind,
                value=value,
                product_ids=draw(st.one_of(st.just(frozenset()), product_sets)),
                valid_from=draw(moments),
                valid_to=draw(moments),
                max_redemptions=max_redemptions,
                times_redeemed=draw(st.integers(min_value=0, max_value=3)),
                chosen=draw(st.booleans()),
            )
        )
    return offers


@st.composite
def stamp_cards(draw: st.DrawFn) -> list[StampCardOffer]:
    cards = []
    for index in range(draw(st.integers(min_value=0, max_value=4))):
        required = draw(st.integers(min_value=0, max_value=6))
        threshold = draw(st.booleans()) and draw(st.booleans())
        cards.append(
            StampCardOffer(
                card_id=index + 1,
                required_stamps=required,
                stamps_collected=draw(st.integers(min_value=0, max_value=required + 1)),
                product_ids=draw(product_sets),
                is_restartable=draw(st.booleans()),
                card_type="threshold" if threshold else "standard",
                threshold_amount=draw(st.one_of(st.none(), amounts)) if threshold else None,
                valid_from=draw(moments),
                valid_to=draw(moments),
            )
        )
    return cards


def _exact(value: object) -> object:
    """The value with every Decimal as its sign, digits and exponent (1.0 is not 1.00)."""
    if isinstance(value, Decimal):
        return ("Decimal", value.as_tuple())
    if isinstance(value, (tuple, list)):
        return tuple(_exact(item) for item in value)
    if isinstance(value, dict):
        return tuple((key, _exact(item)) for key, item in value.items())
    if hasattr(value, "__dataclass_fields__"):
        return (type(value).__name__, _exact(tuple(vars(value).values())))
    return value


@settings(max_examples=300, deadline=None)
@given(
    lines(),
    coupons(),
    stamp_cards(),
    amounts,
    st.sampled_from(MINOR_UNITS),
    st.randoms(use_true_random=False),
)
def test_the_plan_is_the_reference_engines_field_by_field(
    basket, offers, cards, shipping, minor_unit, rng
):
    rng.shuffle(offers)
    rng.shuffle(cards)
    options = {"now": NOW, "shipping_charge": shipping, "minor_unit": minor_unit}
    expected = reference_plan_discounts(basket, offers, cards, **options)
    plan = plan_discounts(basket, offers, cards, **options)
    for name in vars(expected):
        assert _exact(getattr(plan, name)) == _exact(getattr(expected, name)), name


def _split(total: int, weights: list[int]) -> list[int]:
    """``allocate`` on the same amounts in cents, as whole cents."""
    parts = allocate(Decimal(total) * CENT, [Decimal(w) * CENT for w in weights], CENT)
    return [int(part / CENT) for part in parts]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=6), st.data())
def test_the_split_in_minor_units_is_allocates(weights, data):
    total = data.draw(st.integers(min_value=1, max_value=sum(weights)))
    assert _allocate(total, weights, CENT) == _split(total, weights)


def test_a_tie_in_the_split_goes_where_allocates_decimal_quotients_put_it():
    # 2 cents over 4, 1 and 1: every remainder is a third, but allocate's 28-digit quotients
    # make the second line's third the largest, so it (not the first line) gets the cent.
    assert _split(2, [4, 1, 1]) == [1, 1, 0]
    assert _allocate(2, [4, 1, 1], CENT) == [1, 1, 0]
    assert _allocate(6, [1, 4, 4], CENT) == _split(6, [1, 4, 4]) == [0, 3, 3]
