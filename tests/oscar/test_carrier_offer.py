"""The carrier offer applies Diller's rules to real Oscar baskets, without calling Diller."""

from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_class, get_model

from django_diller.contrib.oscar.carrier import LOYALTY_SLUG, SHIPPING_SLUG, ensure_carrier_offers
from django_diller.contrib.oscar.offers import PLAN_ATTRIBUTE
from django_diller.discounts import CouponOffer, DiscountKind
from django_diller.loyalty.sources import registry

from .conftest import BUN, EARL_GREY, ESPRESSO, MUG, apply_offers, site_offer

ConditionalOffer = get_model("offer", "ConditionalOffer")
Repository = get_class("shipping.repository", "Repository")

pytestmark = pytest.mark.django_db


def loyalty_discounts(basket):
    return {
        line.product.upc: sum((d.amount for d in line.discounts.all()), D(0))
        for line in basket.all_lines()
    }


def test_the_carrier_offers_exist_once_and_stay_suspended_when_staff_suspend_them():
    ensure_carrier_offers()
    ensure_carrier_offers()
    assert ConditionalOffer.objects.filter(slug__in=[LOYALTY_SLUG, SHIPPING_SLUG]).count() == 2
    offer = ConditionalOffer.objects.get(slug=LOYALTY_SLUG)
    assert (offer.priority, offer.exclusive, offer.max_basket_applications) == (-1000, True, 1)
    offer.suspend()
    ensure_carrier_offers()
    assert ConditionalOffer.objects.get(slug=LOYALTY_SLUG).is_suspended


def test_product_coupons_and_stamp_cards_apply_by_themselves(make_basket):
    # The demo member has 8 of 10 coffee stamps: the second espresso completes the card and
    # is free; PCT20COFFEE (automatic: it names products) takes 20 % off the other one.
    basket = make_basket({ESPRESSO: 2})
    assert loyalty_discounts(basket) == {ESPRESSO: D("226.80")}
    assert basket.total_incl_tax == D("151.20")


def test_whole_purchase_coupons_apply_only_when_chosen(make_basket):
    assert make_basket({EARL_GREY: 1}).total_incl_tax == D("79.00")
    basket = make_basket({EARL_GREY: 1}, chosen=["PCT10"])
    assert loyalty_discounts(basket) == {EARL_GREY: D("7.90")}
    assert basket.total_incl_tax == D("71.10")


@pytest.mark.parametrize(("currency", "discount"), [("ISK", D("8")), ("NOK", D("7.90"))])
def test_a_coupon_is_rounded_to_the_smallest_unit_of_the_baskets_currency(
    make_basket, currency, discount
):
    """10 % of 79: 7.90 krone, but 8 krónur (an ISK price has no decimals, nor its discount)."""
    StockRecord = get_model("partner", "StockRecord")
    StockRecord.objects.filter(product__upc=EARL_GREY).update(price_currency=currency)
    basket = make_basket({EARL_GREY: 1}, chosen=["PCT10"])
    assert basket.currency == currency
    assert loyalty_discounts(basket) == {EARL_GREY: discount}
    assert basket.total_incl_tax == D("79") - discount


def test_a_declined_product_coupon_is_not_used(make_basket):
    basket = make_basket({BUN: 1}, declined=["FIXED30BAKERY"])
    # The bun card (4 of 5) still makes this bun free.
    assert loyalty_discounts(basket) == {BUN: D("45.00")}
    basket = make_basket({"7040110000135": 1}, declined=["FIXED30BAKERY"])  # a croissant
    assert basket.total_incl_tax == D("39.00")


def test_a_shop_offer_and_a_coupon_never_discount_the_same_unit(make_basket):
    site_offer("10 % off everything", 10)
    basket = make_basket({EARL_GREY: 1}, chosen=["PCT10"])
    assert basket.total_incl_tax == D("71.10")  # the shop's 10 %, not 10 % on top of it
    (line,) = basket.all_lines()
    assert [d.offer.name for d in line.discounts.all()] == ["10 % off everything"]


def test_free_shipping_from_a_product_coupon(make_basket):
    basket = make_basket({MUG: 1})
    (shipping_discount,) = basket.shipping_discounts
    assert shipping_discount["offer"].slug == SHIPPING_SLUG
    methods = Repository().get_shipping_methods(basket, user=basket.owner)
    assert all(method.calculate(basket).incl_tax == 0 for method in methods)


def test_no_free_shipping_without_the_coupons_products(make_basket):
    basket = make_basket({EARL_GREY: 1})
    assert basket.shipping_discounts == []


def test_suspending_the_carrier_is_a_kill_switch(make_basket):
    ConditionalOffer.objects.get(slug=LOYALTY_SLUG).suspend()
    basket = make_basket({ESPRESSO: 2})
    assert basket.total_incl_tax == D("378.00")


def test_a_basket_without_a_snapshot_gets_no_loyalty_discount(make_basket):
    assert make_basket({ESPRESSO: 2}, snapshot=False).total_incl_tax == D("378.00")


def test_applying_offers_never_calls_diller(make_basket, monkeypatch):
    basket = make_basket({ESPRESSO: 2})

    def no_calls(*args, **kwargs):
        raise AssertionError("the carrier offer called Diller")

    monkeypatch.setattr("django_diller.loyalty.connection.get_client", no_calls)
    monkeypatch.setattr("django_diller.loyalty.wallet.get_client", no_calls)
    assert apply_offers(basket).total_incl_tax == D("151.20")


def test_applying_twice_does_not_stack(make_basket):
    from oscar.apps.offer.applicator import Applicator

    basket = make_basket({ESPRESSO: 2})
    Applicator().apply(basket, basket.owner)  # again, without a reset
    assert basket.total_incl_tax == D("151.20")


@dataclass(frozen=True)
class ShopRules:
    """Another provider's source: 10 % off the whole purchase, for every basket."""

    provider: str = "shop"

    def offers(self, context):
        return [CouponOffer("SHOP10", DiscountKind.PERCENTAGE, D(10), chosen=True, provider="shop")]


def test_a_registered_source_s_offers_apply_with_diller_s(make_basket):
    def shop_rules(snapshot):
        return [ShopRules()]

    registry.register(shop_rules)
    try:
        basket = make_basket({EARL_GREY: 1})
        assert loyalty_discounts(basket) == {EARL_GREY: D("7.90")}
        plan = getattr(basket, PLAN_ATTRIBUTE)
        assert {plan.provider_of(d.reference) for d in plan.line_discounts} == {"shop"}
        # Diller's product coupon takes the espressos the card leaves; the rule finds nothing.
        assert make_basket({ESPRESSO: 2}).total_incl_tax == D("151.20")
    finally:
        registry.unregister(shop_rules)
    assert make_basket({EARL_GREY: 1}).total_incl_tax == D("79.00")


def test_a_line_has_one_loyalty_discount_with_what_the_cards_and_coupons_gave_together(
    make_basket,
):
    basket = make_basket({ESPRESSO: 2})
    offer = ConditionalOffer.objects.get(slug=LOYALTY_SLUG)
    (line,) = basket.all_lines()
    (discount,) = [d for d in line.discounts.all() if d.offer is not None]
    assert (discount.amount, discount.offer.pk) == (D("226.80"), offer.pk)
    assert line.discounts.num_consumed(discount.offer) == 2 == line.discounts.num_consumed()


@settings(max_examples=200, deadline=None)
@given(
    quantity=st.integers(min_value=1, max_value=6),
    units=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=5),
    used_before=st.integers(min_value=0, max_value=6),
)
def test_consuming_the_units_at_once_leaves_a_line_as_one_discount_after_the_other(
    quantity, units, used_before
):
    """Why one discount per line is the same to Oscar's other offers as one per coupon."""
    Line = get_model("basket", "Line")
    offer, other = ConditionalOffer(pk=1), ConditionalOffer(pk=2)

    def registry_after(applications):
        line = Line(quantity=quantity)
        line.consume(used_before, offer=other)
        for amount, taken in applications:
            line.discount(amount, taken, incl_tax=True, offer=offer)
        registry = line.discounts
        return (
            registry.num_consumed(),
            registry.num_consumed(offer),
            registry.available(offer),
            registry.total,
        )

    one_by_one = [(D(1), taken) for taken in units]
    at_once = [(D(len(units)), sum(units))]
    assert registry_after(one_by_one) == registry_after(at_once)
