"""What a transaction says: coupons and stamp cards at both levels, and exact VAT percentages.

The embedded sandbox is Diller and checks every body against the contract as it arrives.
"""

from decimal import Decimal as D

import pytest
from django.test import override_settings
from oscar.core.loading import get_model

from django_diller.api import wire
from django_diller.contrib.oscar.adapter import OscarAdapter
from django_diller.contrib.oscar.order_facts import order_facts, percentage, vat_rate
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import OrderLoyaltyItem, OutboxEntry
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import EARL_GREY, ESPRESSO, MUG
from .orders import (
    DILLER,
    Kind,
    State,
    event,
    loyalty_item,
    only_entry,
    store,
    transactions_at_diller,
)

Line = get_model("order", "Line")
Product = get_model("catalogue", "Product")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]

GIFT_CARD = "7040110000234"  # a product class without VAT
COUPON, CARD = OrderLoyaltyItem.Kind.COUPON, OrderLoyaltyItem.Kind.STAMP_CARD


def on_lines(*products, collected=0, deducted=0):
    return [
        {"product_id": p, "discount": "1.00", "collected": collected, "deducted": deducted}
        for p in products
    ]


def record_loyalty(order):
    """What the checkout records: 10 % off two lines, 20 % off the coffee, free shipping (no
    line), two coffee stamps, and a threshold card's stamp for the whole purchase."""
    loyalty_item(order, COUPON, "PCT10", lines=on_lines(ESPRESSO, EARL_GREY))
    loyalty_item(order, COUPON, "PCT20COFFEE", lines=on_lines(ESPRESSO))
    loyalty_item(order, COUPON, "SHIPFREE")
    loyalty_item(order, CARD, "101", stamps_collected=2, lines=on_lines(ESPRESSO, collected=2))
    loyalty_item(order, CARD, "103", stamps_collected=1)


def sent(order_or_id):
    external_id = getattr(order_or_id, "number", order_or_id)
    return transactions_at_diller()[external_id].request


def by_product(body):
    return {d["product"]["external_id"]: d for d in body["details"]}


def assert_contract_valid(body):
    """Raises when the body breaks the contract's CreateTransactionRequest."""
    embedded_sandbox().contract.body("createTransaction", wire.loads(wire.dumps(body)))


# The shop's last word ------------------------------------------------------------------------


class AdjustingAdapter(OscarAdapter):
    """Names the kind of entry in the payment method, the way a shop's adapter might
    relabel what Diller shows."""

    calls: list[str] = []

    def adjust_transaction_payload(self, payload, order, kind):
        type(self).calls.append(kind)
        payload["payment_details"][0]["payment_method"] = f"Adjusted {kind} of {order.number}"
        return payload


def test_the_shops_adapter_has_the_last_word_on_the_body_once(place, commit, monkeypatch):
    monkeypatch.setattr(AdjustingAdapter, "calls", [])
    order = place({ESPRESSO: 2})
    adapter = f"{__name__}.AdjustingAdapter"
    with override_settings(DILLER={**DILLER, "ADAPTER": adapter}):  # a fresh sandbox too
        with commit():
            event(order, "Settled")
        received = sent(order)
    entry = only_entry(kind=Kind.SEND_TRANSACTION)
    method = f"Adjusted {Kind.SEND_TRANSACTION} of {order.number}"
    assert entry.state == State.SENT and AdjustingAdapter.calls == [Kind.SEND_TRANSACTION]
    assert received["payment_details"][0]["payment_method"] == method
    assert entry.payload["payment_details"][0]["payment_method"] == method  # as staff see it


# Coupons and stamp cards -------------------------------------------------------------------


def test_the_transaction_lists_each_coupon_once_and_each_line_the_coupons_it_used(place, commit):
    order = place({ESPRESSO: 2, EARL_GREY: 1, MUG: 1})
    record_loyalty(order)
    coffee_card = store().stamp_cards[101]
    stamps_before = coffee_card.stamps_of(SEED_MEMBER_ID)
    with commit():
        event(order, "Settled")
    assert only_entry(kind=Kind.SEND_TRANSACTION).state == State.SENT
    body = sent(order)
    assert_contract_valid(body)
    assert body["coupon_codes"] == ["PCT10", "PCT20COFFEE", "SHIPFREE"]
    assert body["stamp_cards"] == [
        {"stamp_card_id": 101, "action": "collected", "count": 2},
        {"stamp_card_id": 103, "action": "collected", "count": 1},
    ]
    lines = by_product(body)
    assert lines[ESPRESSO]["coupon_codes"] == ["PCT10", "PCT20COFFEE"]
    assert lines[ESPRESSO]["stamp_cards"] == [
        {"stamp_card_id": 101, "action": "collected", "count": 2}
    ]
    assert lines[EARL_GREY]["coupon_codes"] == ["PCT10"]
    assert "coupon_codes" not in lines[MUG] and "coupon_codes" not in lines["shipping"]
    # Listed twice, used once: each coupon is redeemed once and no stamp counts twice.
    for code in ("PCT10", "PCT20COFFEE", "SHIPFREE"):
        assert store().coupons[code].times_redeemed(SEED_MEMBER_ID) == 1
    assert coffee_card.stamps_of(SEED_MEMBER_ID) == stamps_before + 2


def test_without_order_history_the_transaction_still_lists_every_coupon_and_card(place, commit):
    store().members[SEED_MEMBER_ID].consent.save_order_history = False
    order = place({ESPRESSO: 2, EARL_GREY: 1})
    loyalty_item(order, COUPON, "PCT10", lines=on_lines(ESPRESSO, EARL_GREY))
    loyalty_item(order, COUPON, "PCT20COFFEE", lines=on_lines(ESPRESSO))
    loyalty_item(order, COUPON, "SHIPFREE")
    reward = on_lines(ESPRESSO, collected=2, deducted=10)  # the tenth coffee free
    loyalty_item(order, CARD, "101", stamps_collected=2, stamps_deducted=10, lines=reward)
    loyalty_item(order, CARD, "103", stamps_collected=1)
    with commit():
        event(order, "Settled")
    body = sent(order)
    assert_contract_valid(body)
    assert "details" not in body
    assert body["coupon_codes"] == ["PCT10", "PCT20COFFEE", "SHIPFREE"]
    assert body["stamp_cards"] == [
        {"stamp_card_id": 101, "action": "collected", "count": 2},
        {"stamp_card_id": 101, "action": "deducted", "count": 10},
        {"stamp_card_id": 103, "action": "collected", "count": 1},
    ]
    assert store().stamp_cards[101].stamps_of(SEED_MEMBER_ID) == 0  # 8 + 2 - 10


@pytest.mark.parametrize("history", [True, False], ids=["details", "totals-only"])
def test_a_remainder_lists_only_the_coupons_and_stamps_of_what_was_kept(place, commit, history):
    store().members[SEED_MEMBER_ID].consent.save_order_history = history
    order = place({ESPRESSO: 2, MUG: 1})
    loyalty_item(order, COUPON, "PCT20COFFEE", lines=on_lines(ESPRESSO))
    loyalty_item(order, COUPON, "PCT10", lines=on_lines(MUG))
    loyalty_item(order, COUPON, "SHIPFREE")
    loyalty_item(order, CARD, "101", stamps_collected=2, lines=on_lines(ESPRESSO, collected=2))
    with commit():
        event(order, "Settled")
    espresso = order.lines.get(upc=ESPRESSO)
    with commit():
        event(order, "Refunded", amount=espresso.line_price_incl_tax, lines=[(espresso, 2)])
    remainder = only_entry(kind=Kind.RESEND_REMAINDER)
    assert remainder.state == State.SENT
    body = sent(remainder.external_id)
    assert_contract_valid(body)
    assert body["coupon_codes"] == ["PCT10", "SHIPFREE"]  # the coffee and its coupon went back
    assert "stamp_cards" not in body
    if history:
        lines = by_product(body)
        assert set(lines) == {MUG, "shipping"}
        assert lines[MUG]["coupon_codes"] == ["PCT10"]
    else:
        assert "details" not in body


def test_a_remainder_keeps_one_collected_stamp_per_unit_kept_on_both_levels(place, commit):
    order = place({ESPRESSO: 3})
    loyalty_item(order, CARD, "101", stamps_collected=3, lines=on_lines(ESPRESSO, collected=3))
    loyalty_item(order, CARD, "103", stamps_collected=1)
    with commit():
        event(order, "Settled")
    card = store().stamp_cards[101]
    after_purchase = card.stamps_of(SEED_MEMBER_ID)
    espresso = order.lines.get()
    with commit():
        event(order, "Refunded", amount=D("378.00"), lines=[(espresso, 2)])
    body = sent(only_entry(kind=Kind.RESEND_REMAINDER).external_id)
    one = {"stamp_card_id": 101, "action": "collected", "count": 1}
    assert by_product(body)[ESPRESSO]["stamp_cards"] == [one]
    assert body["stamp_cards"] == [one, {"stamp_card_id": 103, "action": "collected", "count": 1}]
    assert card.stamps_of(SEED_MEMBER_ID) == after_purchase - 3 + 1


def test_returns_of_an_order_diller_never_received_carry_no_coupons(place, commit):
    order = place({ESPRESSO: 2})
    record_loyalty(order)
    event(order, "Settled")
    OutboxEntry.objects.all().delete()  # paid before the plugin was installed
    espresso = order.lines.get(upc=ESPRESSO)
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(espresso, 1)])
    body = sent(only_entry(kind=Kind.RETURN_TRANSACTION).external_id)
    assert "coupon_codes" not in body and "stamp_cards" not in body
    assert "coupon_codes" not in body["details"][0]


# VAT percentages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incl", "excl", "units", "rate"),
    [
        ("4.06", "3.53", 1, "0.15"),  # used to be sent as 15.01
        ("3.99", "3.47", 1, "0.15"),  # 14.99
        ("8.12", "7.06", 2, "0.15"),  # a line of two
        ("20.84", "16.67", 1, "0.25"),  # 25.01
        ("20.86", "16.69", 1, "0.25"),  # 24.99
        ("3.17", "2.83", 1, "0.12"),  # 12.01
        ("2.99", "2.67", 1, "0.12"),  # 11.99
        ("112.50", "100.00", 1, "0.125"),  # no whole percentage fits: tenths
        ("500.00", "500.00", 1, "0"),
        ("-4.06", "-3.53", 1, "0.15"),  # a negative line has the rate of its amounts
        ("-20.84", "-16.67", 1, "0.25"),
        ("0.00", "0.00", 1, "0"),  # no price, no rate
    ],
)
def test_the_rate_is_the_simplest_percentage_the_rounded_prices_allow(incl, excl, units, rate):
    assert vat_rate(D(incl), D(excl), units=units) == D(rate)


def test_the_shops_own_rate_stands_unless_the_prices_contradict_it():
    # 1.02 kr incl. and 0.82 kr excl. tax fit 24 % as well as 25 %: only the shop knows.
    assert vat_rate(D("1.02"), D("0.82"), told=D("0.25")) == D("0.25")
    assert vat_rate(D("0.00"), D("0.00"), told=D("0.25")) == D("0.25")  # given away
    # A tax code that is a VAT group number ("3": 25 % in Norway), read as 3 %, is overruled.
    assert vat_rate(D("20.84"), D("16.67"), told=D("0.03")) == D("0.25")


@pytest.mark.parametrize(
    ("rate", "sent"),
    [("0.15", "15"), ("0.25", "25"), ("0.125", "12.5"), ("0", "0"), ("1", "100"), ("0.081", "8.1")],
)
def test_a_percentage_is_sent_without_trailing_zeros(rate, sent):
    assert str(percentage(D(rate))) == sent


def set_price(upc, price):
    Product.objects.get(upc=upc).stockrecords.update(price=D(price))


def test_each_line_carries_its_products_exact_rate(place, commit):
    # Shelf prices whose rounded prices excl. tax used to give 15.01, 14.99 and 25.01.
    set_price(ESPRESSO, "4.06")
    set_price(EARL_GREY, "3.99")
    set_price(MUG, "20.84")
    order = place({ESPRESSO: 1, EARL_GREY: 1, MUG: 1, GIFT_CARD: 1})
    with commit():
        event(order, "Settled")
    body = sent(order)
    rates = {key: str(line["tax_percentage"]) for key, line in by_product(body).items()}
    assert rates == {ESPRESSO: "15", EARL_GREY: "15", MUG: "25", GIFT_CARD: "0", "shipping": "25"}
    stored = only_entry(kind=Kind.SEND_TRANSACTION).payload["details"]
    assert [line["tax_percentage"] for line in stored] == ["15", "15", "25", "0", "25"]


def test_without_a_tax_code_the_rate_comes_from_the_prices(place):
    set_price(ESPRESSO, "4.06")
    set_price(MUG, "20.84")
    order = place({ESPRESSO: 1, MUG: 1})
    assert set(order.lines.values_list("tax_code", flat=True)) == {"15", "25"}
    order.lines.update(tax_code=None)
    lines = by_product({"details": [line.detail() for line in order_facts(order).lines]})
    assert (lines[ESPRESSO]["tax_percentage"], lines[MUG]["tax_percentage"]) == ("15", "25")
    Line.objects.filter(order=order, upc=MUG).update(tax_code="3")  # a VAT group, not a rate
    lines = by_product({"details": [line.detail() for line in order_facts(order).lines]})
    assert lines[MUG]["tax_percentage"] == "25"


def test_a_tax_code_makes_even_a_tiny_price_exact(place):
    set_price(MUG, "1.02")  # 0.82 kr excl. tax: used to be sent as 24.39
    order = place({MUG: 1})
    (mug, _shipping) = order_facts(order).lines
    assert mug.detail()["tax_percentage"] == "25"


def test_returned_lines_keep_their_rate(place, commit):
    set_price(ESPRESSO, "4.06")
    order = place({ESPRESSO: 2, MUG: 1})
    event(order, "Settled")
    OutboxEntry.objects.all().delete()  # Diller never received it: the return is negative
    espresso, mug = order.lines.get(upc=ESPRESSO), order.lines.get(upc=MUG)
    with commit():
        event(order, "Refunded", amount=D("1.00"), lines=[(espresso, 1), (mug, 1)])
    body = sent(only_entry(kind=Kind.RETURN_TRANSACTION).external_id)
    returned = {k: (d["quantity"], str(d["tax_percentage"])) for k, d in by_product(body).items()}
    assert returned == {ESPRESSO: (-1, "15"), MUG: (-1, "25")}


def test_surcharges_negative_ones_too_carry_their_exact_rate(place):
    order = place({MUG: 1})
    order.surcharges.create(name="Card fee", code="fee", incl_tax=D("3.17"), excl_tax=D("2.83"))
    order.surcharges.create(
        name="Rebate", code="rebate", incl_tax=D("-20.84"), excl_tax=D("-16.67")
    )
    facts = order_facts(order)
    assert facts.line("surcharge:fee").detail()["tax_percentage"] == "12"
    rebate = facts.line("surcharge:rebate").detail()
    assert (rebate["tax_percentage"], rebate["total_price"]) == ("25", "-20.84")
