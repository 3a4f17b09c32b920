"""A member's loyalty checkout in a real browser: basket, address, delivery, coupon step, payment,
preview, place order; then the reservations and the transaction in the embedded Diller sandbox
and the database.

The live server runs in a thread of this process, so the sandbox the pages talk to is the one
``embedded_sandbox()`` returns here. The reservation and the transaction are sent by outbox
tasks (eager in tests) queued at the commit in the server's request thread: the test polls.
"""

import re
import time

from django.contrib.auth import get_user_model
from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.models import MemberLink, OrderLoyaltyItem, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from django_diller.services.connection import embedded_sandbox

from .conftest import CUSTOMER, log_in, screenshot

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

ESPRESSO, EARL_GREY = "Espresso beans 500 g", "Earl Grey 100 g"
STAMP_CARD = 101
# Espresso 2 x 189.00: one free (stamp card 101), 20 % off the other = 151.20;
# Earl Grey 79.00 - 10 % (PCT10) = 71.10; Standard delivery 49.00.
ORDER_TOTAL = "NOK271.30"
TRANSACTION_WAIT_S = 5.0


def sandbox_store():
    return embedded_sandbox().state.stores[SEED_STORE_ID]


def link_customer_to_demo_member():
    user = get_user_model().objects.get(email=CUSTOMER[0])
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )


def add_to_basket(page, shop, title: str, quantity: int) -> None:
    """The product page adds one at a time (Oscar's quantity field there is hidden)."""
    product = Product.objects.get(title=title)
    for _ in range(quantity):
        page.goto(f"{shop}{product.get_absolute_url()}")
        page.locator("#add_to_basket_form button[type=submit]").click()
        expect(page.locator(".alert", has_text="has been added to your cart")).to_contain_text(
            title
        )


def fill_shipping_address(page) -> None:
    form = page.locator("#new_shipping_address")
    form.locator("#id_first_name").fill("Kari")
    form.locator("#id_last_name").fill("Nordmann")
    form.locator("#id_line1").fill("Karl Johans gate 1")
    form.locator("#id_line4").fill("Oslo")
    form.locator("#id_postcode").fill("0154")
    form.locator("#id_country").select_option("NO")
    form.locator("#id_phone_number").fill("+4791234567")
    form.get_by_role("button", name="Continue").click()


def wait_for_transaction(order_number: str):
    """Poll until Diller holds the order's transaction (or the wait runs out)."""
    deadline = time.monotonic() + TRANSACTION_WAIT_S
    while True:
        received = sandbox_store().transactions.get(order_number)
        if received is not None or time.monotonic() > deadline:
            return received
        time.sleep(0.1)


def test_a_member_checks_out_with_a_ticked_coupon_an_automatic_one_and_a_stamp_card(page, shop):
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, ESPRESSO, 2)
    add_to_basket(page, shop, EARL_GREY, 1)

    page.goto(f"{shop}/checkout/")
    page.wait_for_url(re.compile(r"/checkout/shipping-address/$"))
    fill_shipping_address(page)

    page.wait_for_url(re.compile(r"/checkout/shipping-method/$"))
    standard = page.locator(
        ".basket-items", has=page.get_by_role("heading", name="Standard delivery")
    )
    expect(standard).to_contain_text("NOK49.00")
    standard.get_by_role("button", name="Select option").click()

    # Members pass the coupon step between the shipping method and payment.
    page.wait_for_url(re.compile(r"/loyalty/checkout/coupons/\?next="))
    step = page.locator("#diller-coupon-step")
    expect(page.get_by_role("heading", name="Your loyalty coupons")).to_be_visible()
    coffee = step.get_by_role("checkbox", name=re.compile(r"20 % off coffee"))
    expect(coffee).to_be_checked()  # product coupons apply by themselves
    purchase = step.get_by_role("checkbox", name=re.compile(r"10 % off your purchase"))
    expect(purchase).not_to_be_checked()  # whole-purchase coupons must be ticked
    expect(step).to_contain_text("8 of 10 stamps")
    # Before ticking: 151.20 of espresso and the full 79.00 of tea (shipping not included).
    expect(step.locator("#diller-basket-total")).to_contain_text("NOK230.20")
    screenshot(page, "coupon-step")

    purchase.check()
    step.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/checkout/payment-details/$"))
    expect(page.locator("#demo-payment-note")).to_contain_text("Demo payment: no card is charged")
    page.locator("#view_preview").click()

    page.wait_for_url(re.compile(r"/checkout/preview/$"))
    expect(
        page.locator("#basket_totals").get_by_role("row", name=re.compile(r"^Order total"))
    ).to_contain_text(ORDER_TOTAL)
    summary = page.locator("#diller-loyalty-summary")
    expect(summary).to_contain_text("10 % off your purchase")
    expect(summary).to_contain_text("20 % off coffee")
    expect(summary).to_contain_text("Every 10th coffee free")
    page.get_by_role("button", name="Place order").click()

    page.wait_for_url(re.compile(r"/checkout/thank-you/$"))
    confirmation = page.locator("p", has_text="your order number is")
    number = confirmation.locator("strong").inner_text().strip()
    order = Order.objects.get()
    assert number == order.number
    assert str(order.total_incl_tax) == "271.30"

    # Payment was taken as the order was placed: the coupons and the stamp card were reserved
    # for the order, then its transaction used them.
    received = wait_for_transaction(number)
    assert received is not None, "the order's transaction never reached Diller"
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
