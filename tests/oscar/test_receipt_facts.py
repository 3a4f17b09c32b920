"""An Oscar order's receipt facts: lines, tax, discounts by provider, shipping, payments, the
buyer, and returns. The orders are real: placed from baskets priced by Oscar's offers and the
plugin's carrier offers, with the loyalty items recorded as the checkout records them.
"""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from oscar.core.loading import get_class, get_model

from django_diller.contrib.oscar.offers import PLAN_ATTRIBUTE
from django_diller.contrib.oscar.receipt_facts import receipt_order, return_order
from django_diller.dintero.receipts import (
    SHOP,
    Customer,
    Group,
    LineDiscount,
    Payment,
    StoreInfo,
    receipt,
)
from django_diller.discounts.model import DILLER, CouponOffer, DiscountKind
from django_diller.loyalty.reservations import record_order_items
from django_diller.loyalty.sources import registry
from django_diller.models import Consent, ConsentRecord, OrderLoyaltyItem, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .conftest import EARL_GREY, ESPRESSO, MUG
from .orders import SHIPPING, OrderCreator, OrderTotalCalculator, PaymentSource, SourceType

Repository = get_class("shipping.repository", "Repository")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")
Range = get_model("offer", "Range")
Product = get_model("catalogue", "Product")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]

STORE = StoreInfo("web-1", name="Web shop")


class Vouchers:
    """Another provider's source: 10 % off every unit nobody else discounted."""

    provider = "vouchers"

    def offers(self, context):
        return [
            CouponOffer(
                "VOUCHER10", DiscountKind.PERCENTAGE, D(10), chosen=True, provider="vouchers"
            )
        ]


def vouchers(snapshot):
    return [Vouchers()]


def mug_deal(percent=10):
    """The shop's own site offer: ``percent`` off mugs."""
    mugs = Range.objects.create(name="Mugs")
    mugs.add_product(Product.objects.get(upc=MUG))
    return ConditionalOffer.objects.create(
        name="Mug deal",
        offer_type=ConditionalOffer.SITE,
        condition=Condition.objects.create(range=mugs, type=Condition.COUNT, value=1),
        benefit=Benefit.objects.create(range=mugs, type=Benefit.PERCENTAGE, value=percent),
    )


@pytest.fixture
def order_with(make_basket, member):
    """An order placed as the checkout places it: offers applied, the free-shipping coupon on
    the shipping method, paid by card, Diller's coupons and stamp cards recorded."""

    def make(items, *, loyalty=True, chosen=(), other_provider=False):
        if other_provider:
            registry.register(vouchers)
        try:
            # The mug's free-shipping coupon applies by itself unless declined.
            basket = make_basket(items, chosen=chosen, declined=["SHIPFREEGEAR"], snapshot=loyalty)
        finally:
            registry.unregister(vouchers)
        method = SHIPPING
        if basket.has_shipping_discounts:
            method = Repository().apply_shipping_offers(basket, [SHIPPING])[0]
        charge = method.calculate(basket)
        order = OrderCreator().place_order(
            basket=basket,
            total=OrderTotalCalculator().calculate(basket, charge),
            shipping_method=method,
            shipping_charge=charge,
            user=member,
        )
        order.refresh_from_db()
        source_type, _ = SourceType.objects.get_or_create(name="Card")
        PaymentSource.objects.create(
            order=order,
            source_type=source_type,
            amount_allocated=order.total_incl_tax,
            amount_debited=order.total_incl_tax,
        )
        plan = getattr(basket, PLAN_ATTRIBUTE, None)
        if plan is not None:
            record_order_items(
                str(order.number),
                SEED_MEMBER_ID,
                plan,
                shipping_discount=order.shipping_before_discounts_incl_tax
                - order.shipping_incl_tax,
                line_products={str(line.pk): line.product.upc for line in basket.all_lines()},
            )
        return order

    return make


def lines_by_product(order):
    return {line.product.upc: line for line in order.lines.all()}


def facts_by_product(order, facts):
    keys = {str(line.pk): upc for upc, line in lines_by_product(order).items()}
    return {keys[line.key]: line for line in facts.lines}


def consent(given, when=None):
    return ConsentRecord.objects.create(
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        consent=Consent.ORDER_HISTORY,
        given=given,
        source=Source.PAGE,
        **({"recorded_at": when} if when else {}),
    )


# A plain order -------------------------------------------------------------------------------


def test_a_plain_order_s_lines_tax_groups_skus_shipping_and_payment(order_with):
    order = order_with({MUG: 1, EARL_GREY: 2}, loyalty=False)
    facts = receipt_order(order, store=STORE)
    lines = facts_by_product(order, facts)
    mug, tea = lines[MUG], lines[EARL_GREY]
    oscar = lines_by_product(order)

    assert (facts.receipt_id, facts.order_number, facts.currency) == (
        order.number,
        order.number,
        "NOK",
    )
    assert facts.purchased_at == order.date_placed and facts.store == STORE
    assert [line.line_id for line in facts.lines] == [1, 2]
    assert (mug.item_id, mug.quantity, mug.gross, mug.tax_rate) == (MUG, 1, D("149.00"), D("0.25"))
    assert mug.item_id == oscar[MUG].stockrecord.partner_sku and mug.barcode == MUG
    assert mug.tax == oscar[MUG].line_price_incl_tax - oscar[MUG].line_price_excl_tax
    assert (tea.quantity, tea.gross, tea.tax_rate) == (2, D("158.00"), D("0.15"))
    assert tea.description == "Earl Grey 100 g" and mug.discounts == tea.discounts == ()
    assert mug.groups == (Group(str(oscar[MUG].product.categories.get().pk), "Equipment"),)
    assert tea.groups[0].name == "Tea"

    shipping = facts.shipping
    assert (shipping.line_id, shipping.item_id, shipping.description) == (
        3,
        "shipping",
        order.shipping_method,
    )
    assert (shipping.gross, shipping.tax, shipping.tax_rate) == (D("49.00"), D("9.80"), D("0.25"))
    assert facts.payments == (Payment("Card", order.total_incl_tax),)
    assert facts.total == order.total_incl_tax and facts.tax == order.total_tax
    assert facts.customer is None  # no consent to keep purchase history was recorded


def test_the_receipt_of_an_oscar_order_adds_up_to_its_total_and_tax(order_with):
    order = order_with({MUG: 1, EARL_GREY: 2, ESPRESSO: 1}, loyalty=False)
    body = receipt(receipt_order(order, store=STORE))
    assert body["net_amount"] == int(order.total_incl_tax * 100)
    assert sum(item["net_amount"] for item in body["items"]) == body["net_amount"]
    assert sum(line["amount"] for line in body["tax_lines"]) == int(order.total_tax * 100)
    assert [line["percentage"] for line in body["tax_lines"]] == [15, 25]
    assert [p["amount"] for p in body["payments"]] == [body["net_amount"]]


# Discounts by provider -----------------------------------------------------------------------


def test_diller_s_coupon_and_stamp_card_another_provider_s_and_the_shop_s_offer(order_with):
    offer = mug_deal()
    order = order_with({ESPRESSO: 2, EARL_GREY: 1, MUG: 1}, other_provider=True)
    lines = facts_by_product(order, receipt_order(order, store=STORE))

    # Two espressos: the stamp card's reward gives one away, the coffee coupon 20 % off the other.
    assert set(lines[ESPRESSO].discounts) == {
        LineDiscount(DILLER, "101", "Stamp card", D("189.00")),
        LineDiscount(DILLER, "PCT20COFFEE", "Coupon PCT20COFFEE", D("37.80")),
    }
    # The other provider's voucher went through the carrier offer, unrecorded: the shop's.
    assert lines[EARL_GREY].discounts == (LineDiscount(SHOP, "", "Discount", D("7.90")),)
    # The shop's own offer, by its id and name.
    assert lines[MUG].discounts == (LineDiscount(SHOP, str(offer.pk), "Mug deal", D("14.90")),)
    oscar = lines_by_product(order)
    for upc, line in lines.items():
        assert line.net == oscar[upc].line_price_incl_tax


def test_a_recorded_title_names_diller_s_discount_on_the_receipt(order_with):
    order = order_with({ESPRESSO: 2})
    items = OrderLoyaltyItem.objects.filter(order_number=order.number)
    items.filter(reference="PCT20COFFEE").update(title="20 % off coffee")
    lines = facts_by_product(order, receipt_order(order, store=STORE))
    assert LineDiscount(DILLER, "PCT20COFFEE", "20 % off coffee", D("37.80")) in (
        lines[ESPRESSO].discounts
    )
    assert LineDiscount(DILLER, "101", "Stamp card", D("189.00")) in lines[ESPRESSO].discounts


def test_a_shop_offer_s_provider_is_named_when_the_offer_knows_it(order_with, monkeypatch):
    offer = mug_deal()
    order = order_with({MUG: 1})
    monkeypatch.setattr(ConditionalOffer, "provider", "chain-rules", raising=False)
    (mug,) = receipt_order(order, store=STORE).lines
    assert mug.discounts == (LineDiscount("chain-rules", str(offer.pk), "Mug deal", D("14.90")),)


def test_the_free_shipping_coupon_is_the_shipping_item_s_discount(order_with):
    order = order_with({EARL_GREY: 1}, chosen=["SHIPFREE"])
    facts = receipt_order(order, store=STORE)
    assert order.shipping_incl_tax == 0
    assert facts.shipping.gross == D("49.00") and facts.shipping.net == 0
    assert facts.shipping.discounts == (
        LineDiscount(DILLER, "SHIPFREE", "Coupon SHIPFREE", D("49.00")),
    )
    assert facts.total == order.total_incl_tax


def test_records_that_overstate_a_discount_yield_to_the_prices(order_with):
    """Diller's records claim more than Oscar took off: the prices are the truth."""
    order = order_with({ESPRESSO: 2})
    from django_diller.models import OrderLoyaltyItem

    item = OrderLoyaltyItem.objects.get(order_number=order.number, reference="PCT20COFFEE")
    item.lines = [{**item.lines[0], "discount": "100.00"}]
    item.save()
    (espresso,) = receipt_order(order, store=STORE).lines
    assert espresso.discount == D("226.80")  # 189.00 + 37.80, as Oscar took
    assert espresso.net == lines_by_product(order)[ESPRESSO].line_price_incl_tax


# The buyer -----------------------------------------------------------------------------------


def test_the_member_is_named_only_with_their_consent_to_keep_purchase_history(order_with, member):
    order = order_with({MUG: 1})
    assert receipt_order(order, store=STORE).customer is None
    consent(True)
    assert receipt_order(order, store=STORE).customer == Customer(SEED_MEMBER_ID)
    shop_id = receipt_order(order, store=STORE, identify_by="shop").customer
    assert shop_id == Customer(str(member.pk))
    assert receipt_order(order, store=STORE, order_history=False).customer is None
    consent(False, when=datetime(2100, 1, 1, tzinfo=UTC))  # withdrawn since
    assert receipt_order(order, store=STORE).customer is None
    assert receipt_order(order, store=STORE, order_history=True).customer == Customer(
        SEED_MEMBER_ID
    )


def test_a_buyer_who_is_no_member_is_anonymous(order_with, member):
    from django_diller.models import MemberLink

    order = order_with({MUG: 1})
    MemberLink.objects.filter(user=member).delete()
    assert receipt_order(order, store=STORE, order_history=True).customer is None


def test_identify_by_takes_member_or_shop_only(order_with):
    with pytest.raises(ValueError):
        receipt_order(order_with({MUG: 1}), store=STORE, identify_by="email")


# Returns -------------------------------------------------------------------------------------


def test_a_partial_return_is_its_own_receipt_of_the_returned_part(order_with):
    order = order_with({ESPRESSO: 2, MUG: 1})
    espresso = lines_by_product(order)[ESPRESSO]
    at = datetime(2030, 1, 2, tzinfo=UTC)
    facts = return_order(order, {espresso: 1}, store=STORE, receipt_id="R-1", returned_at=at)

    (line,) = facts.lines
    assert (facts.receipt_id, facts.return_of, facts.purchased_at) == ("R-1", order.number, at)
    assert facts.shipping is None
    assert (line.key, line.line_id, line.quantity) == (str(espresso.pk), 1, 1)
    assert line.gross == D("189.00") and line.discount == D("113.40")  # half of each discount
    assert line.net == espresso.line_price_incl_tax / 2
    assert facts.payments == (Payment("Card", line.net),)

    body = receipt(facts)
    assert body["net_amount"] == -7560 and body["items"][0]["is_return_item"] is True
    assert body["extra_info"][0]["value"] == order.number


def test_a_full_return_mirrors_the_receipt(order_with):
    order = order_with({ESPRESSO: 2, MUG: 1}, other_provider=True)
    everything = {line.pk: line.quantity for line in order.lines.all()} | {"shipping": 1}
    original = receipt(receipt_order(order, store=STORE))
    back = receipt(return_order(order, everything, store=STORE, receipt_id="R-2"))
    for key in ("gross_amount", "net_amount", "total_discount"):
        assert back[key] == -original[key]
    assert [item["net_amount"] for item in back["items"]] == [
        -item["net_amount"] for item in original["items"]
    ]
    assert back["payments"][0]["amount"] == -original["net_amount"]


def test_a_return_names_lines_of_the_order_and_no_more_than_it_holds(order_with):
    order = order_with({MUG: 1})
    mug = lines_by_product(order)[MUG]
    with pytest.raises(ValueError):
        return_order(order, {mug: 2}, store=STORE, receipt_id="R-3")
    with pytest.raises(ValueError):
        return_order(order, {"999999": 1}, store=STORE, receipt_id="R-3")
    with pytest.raises(ValueError):
        return_order(order, {mug: 0}, store=STORE, receipt_id="R-3")
