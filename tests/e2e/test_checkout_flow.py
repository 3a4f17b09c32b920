"""A member's loyalty checkout in a real browser: basket, address, delivery, payment with the
coupon choice, preview, place order; then the reservations and the transaction in the embedded
Diller sandbox and the database.

The live server runs in a thread of this process, so the sandbox the pages talk to is the one
``embedded_sandbox()`` returns here. The reservation and the transaction are sent by outbox
tasks (eager in tests) queued at the commit in the server's request thread: the test polls.
"""

import re

from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import OrderLoyaltyItem
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import CUSTOMER, log_in, screenshot
from .shop_steps import (
    EARL_GREY,
    ESPRESSO,
    PAYMENT_URL,
    SHIPPING_ADDRESS_URL,
    add_to_basket,
    choose_standard_delivery,
    fill_shipping_address,
    link_customer_to_demo_member,
    place_order,
    sandbox_store,
    standard_delivery,
    tick_coupons,
    to_preview,
    wait_for,
)

Order = get_model("order", "Order")

STAMP_CARD = 101
# Espresso 2 x 189.00: one free (stamp card 101), 20 % off the other = 151.20;
# Earl Grey 79.00 - 10 % (PCT10) = 71.10; Standard delivery 49.00.
ORDER_TOTAL = "NOK271.30"


def test_a_member_checks_out_with_a_ticked_coupon_an_automatic_one_and_a_stamp_card(page, shop):
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, ESPRESSO, 2)
    add_to_basket(page, shop, EARL_GREY, 1)

    page.goto(f"{shop}/checkout/")
    page.wait_for_url(SHIPPING_ADDRESS_URL)
    fill_shipping_address(page)

    expect(standard_delivery(page)).to_contain_text("NOK49.00")
    choose_standard_delivery(page)

    # Members choose their coupons on the payment page.
    page.wait_for_url(PAYMENT_URL)
    step = page.locator("#diller-coupon-choice")
    expect(step.get_by_role("heading", name="Use on the whole purchase?")).to_be_visible()
    coffee = step.get_by_role("checkbox", name=re.compile(r"20 % off coffee"))
    expect(coffee).to_be_checked()  # product coupons apply by themselves
    purchase = step.get_by_role("checkbox", name=re.compile(r"10 % off your purchase"))
    expect(purchase).not_to_be_checked()  # whole-purchase coupons must be ticked
    expect(step).to_contain_text("8 of 10 stamps")
    # Before ticking: 151.20 of espresso and the full 79.00 of tea (shipping not included).
    expect(step.locator("#diller-basket-total")).to_contain_text("NOK230.20")
    expect(page.locator("#demo-payment-note")).to_contain_text("Demo payment: no card is charged")
    screenshot(page, "payment-coupons")

    tick_coupons(page, "10 % off your purchase")
    to_preview(page)

    expect(
        page.locator("#basket_totals").get_by_role("row", name=re.compile(r"^Order total"))
    ).to_contain_text(ORDER_TOTAL)
    summary = page.locator("#diller-loyalty-summary")
    expect(summary).to_contain_text("10 % off your purchase")
    expect(summary).to_contain_text("20 % off coffee")
    expect(summary).to_contain_text("Every 10th coffee free")
    number = place_order(page)

    order = Order.objects.get()
    assert number == order.number
    assert str(order.total_incl_tax) == "271.30"

    # Payment was taken as the order was placed: the coupons and the stamp card were reserved
    # for the order, then its transaction used them.
    received = wait_for(
        lambda: sandbox_store().transactions.get(number), "the order's transaction to reach Diller"
    )
    items = {i.reference: i for i in OrderLoyaltyItem.objects.filter(order_number=number)}
    assert set(items) == {"PCT10", "PCT20COFFEE", str(STAMP_CARD)}
    assert {i.reservation for i in items.values()} == {OrderLoyaltyItem.Reservation.RELEASED}
    sandbox = embedded_sandbox()
    (sent,) = sandbox.requests_for("createTransaction")
    holds = sandbox.requests_for("reserveCoupon") + sandbox.requests_for("reserveStamp")
    assert len(holds) == 3 and all(hold.at <= sent.at for hold in holds)
    assert sorted(received.coupon_codes) == ["PCT10", "PCT20COFFEE"]
    assert str(received.total) == "271.30"
    store = sandbox_store()
    for code in ("PCT10", "PCT20COFFEE"):
        assert store.coupons[code].times_redeemed(SEED_MEMBER_ID) == 1, code
        assert SEED_MEMBER_ID not in store.coupons[code].reservations, code
