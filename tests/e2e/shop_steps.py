"""Steps a shopper takes in the example shop, shared by the end-to-end tests: fill the basket,
walk the checkout, fill a loyalty form; and the waits for what the outbox sends afterwards."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth import get_user_model
from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .conftest import CUSTOMER

Product = get_model("catalogue", "Product")

T = TypeVar("T")

ESPRESSO, EARL_GREY = "Espresso beans 500 g", "Earl Grey 100 g"
WAIT_S = 5.0

SHIPPING_ADDRESS_URL = re.compile(r"/checkout/shipping-address/$")
SHIPPING_METHOD_URL = re.compile(r"/checkout/shipping-method/$")
PAYMENT_URL = re.compile(r"/checkout/payment-details/$")
PREVIEW_URL = re.compile(r"/checkout/preview/$")
THANK_YOU_URL = re.compile(r"/checkout/thank-you/$")


def sandbox_store():
    """The seeded store of the embedded Diller sandbox the live server talks to."""
    return embedded_sandbox().state.stores[SEED_STORE_ID]


def link_customer_to_demo_member() -> None:
    user = get_user_model().objects.get(email=CUSTOMER[0])
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )


def wait_for(condition: Callable[[], T | None], what: str) -> T:
    """Poll ``condition`` until it gives something (the outbox delivers after the request's
    commit, in the server's thread); fail saying ``what`` did not come."""
    deadline = time.monotonic() + WAIT_S
    while not (found := condition()):
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.1)
    return found


def add_to_basket(page, shop: str, title: str, quantity: int) -> None:
    """The product page adds one at a time (Oscar's quantity field there is hidden)."""
    product = Product.objects.get(title=title)
    for _ in range(quantity):
        page.goto(f"{shop}{product.get_absolute_url()}")
        page.locator("#add_to_basket_form button[type=submit]").click()
        expect(page.locator(".alert", has_text="has been added to your cart")).to_contain_text(
            title
        )


def fill_shipping_address(
    page,
    *,
    first_name: str = "Kari",
    last_name: str = "Nordmann",
    line1: str = "Karl Johans gate 1",
    postcode: str = "0154",
    phone: str = "+4791234567",
) -> None:
    """Fill and send Oscar's new-address form (a Norwegian address in Oslo)."""
    form = page.locator("#new_shipping_address")
    form.locator("#id_first_name").fill(first_name)
    form.locator("#id_last_name").fill(last_name)
    form.locator("#id_line1").fill(line1)
    form.locator("#id_line4").fill("Oslo")
    form.locator("#id_postcode").fill(postcode)
    form.locator("#id_country").select_option("NO")
    form.locator("#id_phone_number").fill(phone)
    form.get_by_role("button", name="Continue").click()


def standard_delivery(page):
    """The standard delivery's box on the shipping-method page."""
    page.wait_for_url(SHIPPING_METHOD_URL)
    return page.locator(".basket-items", has=page.get_by_role("heading", name="Standard delivery"))


def choose_standard_delivery(page) -> None:
    standard_delivery(page).get_by_role("button", name="Select option").click()


def to_payment(page, shop: str) -> None:
    """A shopper with a filled basket: from the basket through address and delivery to the
    payment page, where members choose their coupons."""
    page.goto(f"{shop}/checkout/")
    page.wait_for_url(SHIPPING_ADDRESS_URL)
    fill_shipping_address(page)
    choose_standard_delivery(page)
    page.wait_for_url(PAYMENT_URL)


def tick_coupons(page, *ticked: str) -> None:
    """Tick the coupons named on the payment page (whole-purchase coupons must be ticked)."""
    choice = page.locator("#diller-coupon-choice")
    for name in ticked:
        choice.get_by_role("checkbox", name=name).check()


def to_preview(page) -> None:
    """From the (demo) payment page to the order preview ("Continue" carries the coupons)."""
    page.wait_for_url(PAYMENT_URL)
    page.locator("#view_preview").click()
    page.wait_for_url(PREVIEW_URL)


def place_order(page) -> str:
    """Place the previewed order; the order number the thank-you page tells."""
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(THANK_YOU_URL)
    confirmation = page.locator("p", has_text="your order number is")
    return confirmation.locator("strong").inner_text().strip()


def fill_member_details(form, *, first_name: str, last_name: str, coffee: str, brew: str) -> None:
    """The name, the seeded segments and the consent to join, on the join or activation form."""
    form.get_by_label("First name").fill(first_name)
    form.get_by_label("Last name").fill(last_name)
    form.get_by_label("Favourite coffee").fill(coffee)
    form.get_by_role("group", name=re.compile(r"^How do you brew\?")).get_by_label(
        brew, exact=True
    ).check()
    form.get_by_label("I want to join the loyalty club").check()
