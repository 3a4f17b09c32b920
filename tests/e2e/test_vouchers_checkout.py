"""A guest pays with a Coupontools voucher in a real browser: the voucher entered in the basket,
its discount shown, the order paid, and the voucher validated at Coupontools with the money
spent; a second shopper with the same voucher is then told it was used.

The live server runs in a thread of this process: the Coupontools sandbox the pages talk to is
the one ``embedded_sandbox()`` returns here, and the outbox tasks run eagerly.
"""

import re
from decimal import Decimal as D

from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.coupontools.connection import embedded_sandbox
from django_diller.coupontools.sandbox import SEED_VOUCHER_AMOUNT

from .conftest import screenshot
from .shop_steps import (
    ESPRESSO,
    SHIPPING_ADDRESS_URL,
    add_to_basket,
    choose_standard_delivery,
    fill_shipping_address,
    place_order,
    to_preview,
    wait_for,
)

Order = get_model("order", "Order")
VOUCHER_LINK = f"https://digicpn.com/p/gk50kr/{SEED_VOUCHER_AMOUNT}"


def use_voucher(page, code: str) -> None:
    form = page.locator("#diller-voucher-form")
    form.get_by_label("Voucher code or link").fill(code)
    form.get_by_role("button", name="Use voucher").click()


def test_a_guest_pays_with_a_voucher_and_a_second_shopper_finds_it_used(page, browser, shop):
    add_to_basket(page, shop, ESPRESSO, 1)
    page.goto(f"{shop}/basket/")
    use_voucher(page, f"  {VOUCHER_LINK} ")
    expect(page.locator(".alert-success")).to_contain_text("Your voucher was added.")
    vouchers = page.locator("#diller-voucher-list")
    expect(vouchers).to_contain_text("Voucher")
    expect(vouchers).to_contain_text("NOK50.00 off this order")
    expect(page.locator("#basket_totals")).to_contain_text("NOK139.00")  # 189.00 less 50
    screenshot(page, "basket-voucher")

    page.goto(f"{shop}/checkout/")
    page.locator("#id_username").fill("kari@example.com")
    page.locator("input[name=options][value=anonymous]").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(SHIPPING_ADDRESS_URL)
    fill_shipping_address(page, first_name="Kari", last_name="Nordmann", phone="+4747112244")
    choose_standard_delivery(page)
    to_preview(page)
    total = page.locator("#basket_totals").get_by_role("row", name=re.compile(r"^Order total"))
    expect(total).to_contain_text("NOK188.00")  # 139.00 and 49.00 of shipping
    place_order(page)

    session = embedded_sandbox().session(SEED_VOUCHER_AMOUNT)
    wait_for(lambda: session.validated, "the voucher validated at Coupontools")
    assert session.money_spent == D("188.000")
    assert Order.objects.get().total_incl_tax == D("188.00")

    # Another shopper, another browser: the voucher is used now.
    other = browser.new_context(locale="en-GB").new_page()
    add_to_basket(other, shop, ESPRESSO, 1)
    other.goto(f"{shop}/basket/")
    use_voucher(other, SEED_VOUCHER_AMOUNT)
    expect(other.locator(".alert-danger, .alert-error")).to_contain_text(
        "This voucher was already used on"
    )
    expect(other.locator("#basket_totals")).to_contain_text("NOK189.00")
    screenshot(other, "basket-voucher-used")
    other.context.close()


def test_a_guest_who_signs_in_at_checkout_keeps_the_voucher(page, shop):
    add_to_basket(page, shop, ESPRESSO, 1)
    page.goto(f"{shop}/basket/")
    use_voucher(page, SEED_VOUCHER_AMOUNT)
    expect(page.locator("#basket_totals")).to_contain_text("NOK139.00")

    page.goto(f"{shop}/checkout/")  # "I am a returning customer"
    page.locator("#id_username").fill("customer@example.com")
    page.locator("input[name=options][value=existing]").check()
    page.locator("#id_password").fill("customer-demo-pass")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(SHIPPING_ADDRESS_URL)

    page.goto(f"{shop}/basket/")
    expect(page.locator("#diller-voucher-list")).to_contain_text("NOK50.00 off this order")
    expect(page.locator("#basket_totals")).to_contain_text("NOK139.00")
    screenshot(page, "basket-voucher-after-sign-in")
