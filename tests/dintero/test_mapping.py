"""Receipt facts → Dintero's Receipt: amounts in the smallest unit that add up exactly, discounts
by provider, tax per rate, shipping, the buyer, and returns as receipts of their own.

The bodies are checked against the contract's ``POST /accounts/{aid}/receipts`` request, and
hypothesis checks the sums over random orders.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from django_diller.dintero.openapi import load_spec
from django_diller.dintero.receipts import (
    DISCOUNT_TYPES,
    ORIGINAL_RECEIPT,
    SHOP,
    Customer,
    Group,
    LineDiscount,
    Payment,
    ReceiptLine,
    ReceiptOrder,
    Shipping,
    StoreInfo,
    UnknownCurrency,
    minor_exponent,
    receipt,
    receipts_request,
)
from django_diller.dintero.receipts.mapping import largest_remainder
from django_diller.discounts.model import DILLER

D = Decimal
PLACED = datetime(2024, 5, 17, 12, 30, tzinfo=UTC)
RETURNED = datetime(2024, 5, 20, 9, 0, tzinfo=UTC)
STORE = StoreInfo("web-1", name="Web shop", business_name="Kaffe AS")


def line(key, gross, rate="0.25", *, quantity=1, discounts=(), tax=None, **fields):
    """A line whose tax is exactly what its rate levies on what was paid, unless told."""
    gross, rate = D(gross), D(rate)
    net = gross - sum((d.amount for d in discounts), D(0))
    return ReceiptLine(
        key=key,
        line_id=fields.pop("line_id", int(key)),
        item_id=fields.pop("item_id", f"SKU-{key}"),
        description=fields.pop("description", f"Product {key}"),
        quantity=quantity,
        gross=gross,
        tax=D(tax) if tax is not None else net * rate / (1 + rate),
        tax_rate=rate,
        discounts=tuple(discounts),
        **fields,
    )


def order(*lines, shipping=None, payments=None, currency="NOK", **fields):
    facts = ReceiptOrder(
        receipt_id=fields.pop("receipt_id", "100001"),
        order_number="100001",
        currency=currency,
        purchased_at=PLACED,
        store=STORE,
        lines=tuple(lines),
        shipping=shipping,
        **fields,
    )
    if payments is None:
        payments = (Payment("Card", facts.total, type_id="card", reference="psp-1"),)
    return replace(facts, payments=tuple(payments))


def off(provider, ident, amount, title=""):
    return LineDiscount(provider, ident, title or ident, D(amount))


def contract_errors(bodies):
    spec = load_spec()
    operation = spec["paths"]["/accounts/{aid}/receipts"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    validator = OAS30Validator({**schema, "components": spec["components"]})
    return [error.message for error in validator.iter_errors(bodies)]


def all_discount_lines(body):
    return [d for item in body["items"] for d in item.get("discount_lines", [])]


# A plain order ---------------------------------------------------------------------------------


def test_a_plain_order_in_the_smallest_unit_with_its_decimal_twins():
    body = receipt(order(line("1", "149.00", quantity=1, groups=(Group("4", "Equipment"),))))
    assert body["receipt_id"] == body["order_number"] == "100001"
    assert body["store"] == {"id": "web-1", "name": "Web shop", "business_name": "Kaffe AS"}
    assert body["purchase_at"] == "2024-05-17T12:30:00+00:00" and body["currency"] == "NOK"
    (item,) = body["items"]
    assert item == {
        "line_id": 1,
        "id": "SKU-1",
        "description": "Product 1",
        "quantity": 1,
        "unit_gross_price": 14900,
        "gross_amount": 14900,
        "gross_amount_dwh": "14900.0000",
        "net_amount": 14900,
        "net_amount_dwh": "14900.0000",
        "tax_percent": 25,
        "tax_lines": [
            {
                "amount": 2980,
                "amount_dwh": "2980.0000",
                "percentage": 25,
                "tax_basis": 11920,
                "tax_basis_dwh": "11920.0000",
                "included_in_price": True,
            }
        ],
        "groups": [{"id": "4", "name": "Equipment"}],
        "is_return_item": False,
    }
    assert (body["gross_amount"], body["net_amount"], body["total_discount"]) == (14900, 14900, 0)
    assert body["tax_lines"] == item["tax_lines"]
    assert body["payments"] == [
        {
            "line_id": 1,
            "amount": 14900,
            "description": "Card",
            "type_id": "card",
            "reference_id": "psp-1",
        }
    ]
    assert body["no_of_items"] == 1
    assert "customer_id" not in body and "customer" not in body  # anonymous
    assert "amount_due" not in body and "extra_info" not in body
    assert contract_errors([body]) == []


def test_a_customer_is_named_by_the_id_the_facts_give():
    body = receipt(order(line("1", "10.00"), customer=Customer("m-42")))
    assert body["customer_id"] == "m-42"


def test_what_the_payments_leave_unpaid_is_due():
    body = receipt(order(line("1", "100.00"), payments=[Payment("Gift card", D("60.00"))]))
    assert [p["amount"] for p in body["payments"]] == [6000]
    assert (body["amount_due"], body["amount_due_dwh"]) == (4000, "4000.0000")
    unpaid = receipt(order(line("1", "100.00"), payments=[]))
    assert unpaid["payments"] == [] and unpaid["amount_due"] == 10000


# Discounts -------------------------------------------------------------------------------------


def loyalty_order():
    """Two espressos (a stamp card gives one away, a Diller coupon takes 20 % off the other), tea
    with another provider's voucher, a mug with the shop's own offer."""
    espresso = line(
        "1",
        "378.00",
        "0.15",
        quantity=2,
        discounts=[
            off(DILLER, "101", "189.00", "Stamp card"),
            off(DILLER, "PCT20COFFEE", "37.80", "Coupon PCT20COFFEE"),
        ],
    )
    tea = line("2", "79.00", "0.15", discounts=[off("vouchers", "V10", "7.90")])
    mug = line("3", "149.00", discounts=[off(SHOP, "17", "14.90", "Mug deal")])
    return order(espresso, tea, mug)


def test_each_discount_is_a_discount_line_typed_by_its_provider():
    body = receipt(loyalty_order())
    espresso, tea, mug = body["items"]
    assert espresso["discount_lines"] == [
        {
            "amount": 18900,
            "discount_type": "loyalty",
            "line_id": 1,
            "discount_id": "101",
            "description": "Stamp card",
        },
        {
            "amount": 3780,
            "discount_type": "loyalty",
            "line_id": 1,
            "discount_id": "PCT20COFFEE",
            "description": "Coupon PCT20COFFEE",
        },
    ]
    assert [d["discount_type"] for d in tea["discount_lines"]] == ["external"]
    assert [(d["discount_type"], d["discount_id"]) for d in mug["discount_lines"]] == [
        ("periodic", "17")
    ]
    assert (espresso["gross_amount"], espresso["net_amount"]) == (37800, 15120)
    assert body["total_discount"] == 18900 + 3780 + 790 + 1490
    assert (
        body["gross_amount"] - body["total_discount"] == body["net_amount"] == 15120 + 7110 + 13410
    )
    assert "discounts" not in body  # Dintero's own discount rules: none of these are
    assert contract_errors([body]) == []


def test_the_provider_table_is_diller_s_name_and_can_be_replaced():
    assert DISCOUNT_TYPES[DILLER] == "loyalty"
    body = receipt(loyalty_order(), discount_types={"vouchers": "customer"})
    types = [d["discount_type"] for d in all_discount_lines(body)]
    assert types == ["external", "external", "customer", "external"]


# Shipping and tax ------------------------------------------------------------------------------


def test_shipping_is_the_last_item_with_its_free_shipping_discount():
    free = Shipping(
        3, "shipping", "Posten", D("49.00"), D(0), D("0.25"), (off(DILLER, "SHIPFREE", "49.00"),)
    )
    body = receipt(order(line("1", "79.00", "0.15"), line("2", "149.00"), shipping=free))
    shipping = body["items"][-1]
    assert (shipping["line_id"], shipping["id"], shipping["description"]) == (
        3,
        "shipping",
        "Posten",
    )
    assert (shipping["gross_amount"], shipping["net_amount"], shipping["quantity"]) == (4900, 0, 1)
    assert shipping["discount_lines"][0]["amount"] == 4900
    assert body["no_of_items"] == 2  # goods, not the shipping charge
    paid = Shipping(3, "shipping", "Posten", D("49.00"), D("9.80"), D("0.25"))
    assert receipt(order(line("1", "79.00", "0.15"), shipping=paid))["net_amount"] == 7900 + 4900


def test_one_tax_line_per_rate_and_they_add_up_to_the_tax():
    facts = order(
        line("1", "149.00", "0.25"),
        line("2", "79.00", "0.15"),
        line("3", "99.00", "0.12"),
        line("4", "500.00", "0"),
        line("5", "45.00", "0.125"),
        line("6", "10.00", "0.15"),
    )
    body = receipt(facts)
    rates = [(t["percentage"], t["amount"]) for t in body["tax_lines"]]
    assert rates == [(0, 0), (12, 1061), (12.5, 500), (15, 1161), (25, 2980)]
    assert sum(t["amount"] for t in body["tax_lines"]) == round(facts.tax * 100)
    assert sum(t["amount"] + t["tax_basis"] for t in body["tax_lines"]) == body["net_amount"]
    assert contract_errors([body]) == []


# Rounding --------------------------------------------------------------------------------------


def test_rounding_happens_once_and_the_remainders_go_to_the_largest_fractions():
    third = D(100) / 3  # 33.333…, as a share of a line would be
    body = receipt(order(*(line(str(i), third, "0.25") for i in (1, 2, 3))))
    assert body["net_amount"] == 10000 and body["net_amount_dwh"] == "10000.0000"
    assert [item["net_amount"] for item in body["items"]] == [3334, 3333, 3333]
    assert [item["net_amount_dwh"] for item in body["items"]] == ["3333.3333"] * 3


def test_half_a_minor_unit_rounds_up():
    assert receipt(order(line("1", "0.005", tax="0")))["net_amount"] == 1
    assert receipt(order(line("1", "10.5", tax="0"), currency="ISK"))["net_amount"] == 11


def test_largest_remainder_is_deterministic_and_exact():
    assert largest_remainder([D("0.5"), D("0.5"), D("0.5")], 2) == [1, 1, 0]  # ties: earlier
    assert largest_remainder([D("1.2"), D("1.9")], 2) == [1, 1]  # below the floors' sum
    assert largest_remainder([D("-1.5"), D("3.5")], 2) == [-1, 3]
    assert largest_remainder([], 0) == []
    with pytest.raises(ValueError):
        largest_remainder([], 1)


# Currencies ------------------------------------------------------------------------------------


def test_currencies_have_their_minor_unit_and_an_unknown_one_is_refused():
    assert [minor_exponent(c) for c in ("NOK", "sek", "EUR", "ISK")] == [2, 2, 2, 0]
    assert receipt(order(line("1", "1490", tax="0"), currency="ISK"))["net_amount"] == 1490
    with pytest.raises(UnknownCurrency, match="'XTS'"):
        receipt(order(line("1", "10.00"), currency="XTS"))


# Returns ---------------------------------------------------------------------------------------


def test_a_partial_return_is_a_negative_receipt_of_the_returned_part():
    facts = loyalty_order()
    back = facts.returned({"1": 1, "3": 1}, receipt_id="100001-R1", at=RETURNED)
    body = receipt(back)
    assert body["receipt_id"] == "100001-R1" and body["order_number"] == "100001"
    assert body["extra_info"] == [
        {"key": ORIGINAL_RECEIPT, "value": "100001", "value_type": "string"}
    ]
    espresso, mug = body["items"]
    assert [espresso["line_id"], mug["line_id"]] == [1, 3]  # the original receipt's numbers
    assert espresso["is_return_item"] is mug["is_return_item"] is True
    assert (espresso["quantity"], espresso["gross_amount"], espresso["net_amount"]) == (
        -1,
        -18900,
        -7560,
    )
    assert [d["amount"] for d in espresso["discount_lines"]] == [-9450, -1890]
    assert body["net_amount"] == -(7560 + 13410)
    assert [p["amount"] for p in body["payments"]] == [body["net_amount"]]
    assert all(t["amount"] < 0 and t["tax_basis"] < 0 for t in body["tax_lines"])
    assert contract_errors([body]) == []


def test_a_full_return_is_the_exact_negation_of_the_receipt():
    facts = replace(
        loyalty_order(), shipping=Shipping(4, "shipping", "Posten", D(49), D("9.8"), D("0.25"))
    )
    facts = replace(
        facts, payments=(Payment("Card", facts.total - 100), Payment("Gift card", D(100)))
    )
    everything = {item.key: item.quantity for item in facts.items()}
    original = receipt(facts)
    back = receipt(facts.returned(everything, receipt_id="R", at=RETURNED))
    assert negated(back) == {**original, "receipt_id": "R", "purchase_at": back["purchase_at"]}


def negated(body):
    """A return's body as the receipt it mirrors: signs flipped back, the return's marks off."""

    def flip(value, key=""):
        if isinstance(value, bool):
            return False if key == "is_return_item" else value
        if isinstance(value, int) and key not in ("line_id", "percentage", "tax_percent"):
            return -value
        if isinstance(value, str) and key.endswith("_dwh"):
            return str(-Decimal(value)) if Decimal(value) else value
        if isinstance(value, dict):
            return {k: flip(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [flip(v, key) for v in value]
        return value

    return {k: flip(v, k) for k, v in body.items() if k != "extra_info"}


def test_a_return_names_lines_it_may_take_back():
    facts = loyalty_order()
    for wrong in ({"9": 1}, {"1": 3}, {"1": -1}, {}, {"1": 0}, {"shipping": 1}):
        with pytest.raises(ValueError):
            facts.returned(wrong, receipt_id="R", at=RETURNED)
    back = facts.returned({"2": 1}, receipt_id="R", at=RETURNED)
    with pytest.raises(ValueError):
        back.returned({"2": 1}, receipt_id="R2", at=RETURNED)


def test_facts_refuse_what_no_receipt_can_say():
    with pytest.raises(ValueError):
        replace(order(line("1", "10")), purchased_at=datetime(2024, 5, 17))  # no time zone
    with pytest.raises(ValueError):
        order(line("1", "10"), line("2", "10", line_id=1))  # one line number twice
    with pytest.raises(ValueError):
        line("1", "10", quantity=0)


def test_the_request_body_is_the_list_of_receipts():
    bodies = receipts_request([loyalty_order(), order(line("1", "10.00"), receipt_id="100002")])
    assert [b["receipt_id"] for b in bodies] == ["100001", "100002"]
    assert contract_errors(bodies) == []


# Properties over random orders -----------------------------------------------------------------

RATES = [D(0), D("0.12"), D("0.15"), D("0.25")]
PROVIDERS = [DILLER, SHOP, "vouchers"]


@st.composite
def random_lines(draw, count):
    lines = []
    for number in range(1, count + 1):
        quantity = draw(st.integers(1, 5))
        gross = D(draw(st.integers(0, 500_000))) / 100 * quantity
        discounts, left = [], gross
        for index in range(draw(st.integers(0, 3))):
            # A share of what is left, to five places: shares of lines are rarely whole cents.
            amount = left * D(draw(st.integers(0, 100_000))) / 100_000
            provider = draw(st.sampled_from(PROVIDERS))
            discounts.append(LineDiscount(provider, f"D{index}", "", amount))
            left -= amount
        rate = draw(st.sampled_from(RATES))
        lines.append(line(str(number), gross, rate, quantity=quantity, discounts=discounts))
    return lines


@st.composite
def random_orders(draw):
    count = draw(st.integers(1, 6))
    lines = draw(random_lines(count))
    shipping = None
    if draw(st.booleans()):
        charge = D(draw(st.integers(0, 20_000))) / 100
        free = draw(st.booleans())
        shipping = Shipping(
            count + 1,
            "shipping",
            "Shipping",
            charge,
            D(0) if free else charge / 5,
            D("0.25"),
            (off(DILLER, "SHIPFREE", charge),) if free else (),
        )
    facts = order(
        *lines, shipping=shipping, currency=draw(st.sampled_from(["NOK", "SEK", "EUR", "ISK"]))
    )
    shares = draw(st.lists(st.integers(1, 100), min_size=0, max_size=3))
    payments = [
        Payment(f"P{i}", facts.total * share / sum(shares)) for i, share in enumerate(shares)
    ]
    return replace(facts, payments=tuple(payments))


def whole(amount: Decimal, currency: str) -> int:
    exact = amount.scaleb(minor_exponent(currency))
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


@settings(max_examples=300, deadline=None)
@given(random_orders())
def test_the_receipt_adds_up_to_the_order_total(facts):
    body = receipt(facts)
    items = body["items"]
    assert body["net_amount"] == whole(facts.total, facts.currency)
    assert sum(item["net_amount"] for item in items) == body["net_amount"]
    assert sum(item["gross_amount"] for item in items) == body["gross_amount"]
    assert body["gross_amount"] - body["total_discount"] == body["net_amount"]
    assert sum(d["amount"] for d in all_discount_lines(body)) == body["total_discount"]
    for item, fact in zip(items, facts.items(), strict=True):
        discounts = sum(d["amount"] for d in item.get("discount_lines", []))
        assert item["gross_amount"] - discounts == item["net_amount"]
        assert abs(item["net_amount"] - fact.net.scaleb(minor_exponent(facts.currency))) < 1
    if facts.payments:
        assert sum(p["amount"] for p in body["payments"]) == body["net_amount"]
        assert "amount_due" not in body


@settings(max_examples=300, deadline=None)
@given(random_orders())
def test_the_tax_lines_add_up_to_the_tax(facts):
    body = receipt(facts)
    tax = whole(facts.tax, facts.currency)
    assert sum(t["amount"] for t in body["tax_lines"]) == tax
    assert sum(item["tax_lines"][0]["amount"] for item in body["items"]) == tax
    for item in body["items"]:
        (tax_line,) = item["tax_lines"]
        assert tax_line["amount"] + tax_line["tax_basis"] == item["net_amount"]
    assert sum(t["amount"] + t["tax_basis"] for t in body["tax_lines"]) == body["net_amount"]
    assert len({t["percentage"] for t in body["tax_lines"]}) == len(body["tax_lines"])


@st.composite
def orders_and_returns(draw):
    facts = draw(random_orders())
    returned = {}
    for item in facts.items():
        if draw(st.booleans()):
            returned[item.key] = draw(st.integers(1, item.quantity))
    if not returned:
        first = facts.items()[0]
        returned[first.key] = first.quantity
    return facts, returned


@settings(max_examples=300, deadline=None)
@given(orders_and_returns())
def test_a_return_is_negative_and_equals_the_returned_part(case):
    facts, returned = case
    body = receipt(facts.returned(returned, receipt_id="R", at=RETURNED))
    part = sum(
        (
            item.net * returned[item.key] / item.quantity
            for item in facts.items()
            if item.key in returned
        ),
        Decimal(0),
    )
    assert body["net_amount"] == -whole(part, facts.currency)
    amounts = [body["gross_amount"], body["net_amount"], body["total_discount"]]
    for item in body["items"]:
        assert item["is_return_item"] is True and item["quantity"] == -returned[_key(facts, item)]
        amounts += [item["gross_amount"], item["net_amount"], item["tax_lines"][0]["amount"]]
        amounts += [d["amount"] for d in item.get("discount_lines", [])]
    amounts += [p["amount"] for p in body["payments"]] + [t["amount"] for t in body["tax_lines"]]
    assert all(amount <= 0 for amount in amounts)
    assert sum(item["net_amount"] for item in body["items"]) == body["net_amount"]
    if facts.payments and facts.total:
        assert sum(p["amount"] for p in body["payments"]) == body["net_amount"]


def _key(facts, item):
    return next(fact.key for fact in facts.items() if fact.line_id == item["line_id"])


@settings(max_examples=150, deadline=None)
@given(random_orders())
def test_returning_everything_mirrors_the_receipt(facts):
    everything = {item.key: item.quantity for item in facts.items()}
    back = receipt(facts.returned(everything, receipt_id="R", at=RETURNED))
    original = receipt(facts)
    assert negated(back) == {**original, "receipt_id": "R", "purchase_at": back["purchase_at"]}
