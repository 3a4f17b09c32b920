"""The shopper pays the total the preview showed, or nothing: in a real browser, staff unlink the
member while the shopper looks at the preview, and "Place order" stops with what changed."""

import re

from django.contrib.auth import get_user_model
from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.models import MemberLink

from .conftest import CUSTOMER, log_in, screenshot
from .shop_steps import (
    ESPRESSO,
    PREVIEW_URL,
    add_to_basket,
    link_customer_to_demo_member,
    place_order,
    tick_coupons,
    to_payment,
    to_preview,
)

Order = get_model("order", "Order")

# Espresso 2 x 189.00: one free (stamp card 101), 20 % off the other; standard delivery 49.00.
PREVIEWED, WITHOUT_LOYALTY = "NOK200.20", "NOK427.00"


def test_a_total_that_moved_after_the_preview_is_not_charged(page, shop):
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, ESPRESSO, 2)
    to_payment(page, shop)
    tick_coupons(page)
    to_preview(page)
    order_total = page.locator("#basket_totals").get_by_role(
        "row", name=re.compile(r"^Order total")
    )
    expect(order_total).to_contain_text(PREVIEWED)

    # Staff unlink the member while the shopper reads the preview.
    MemberLink.objects.filter(user=get_user_model().objects.get(email=CUSTOMER[0])).delete()
    page.get_by_role("button", name="Place order").click()

    page.wait_for_url(PREVIEW_URL)
    alert = page.locator(".alert", has_text="Your order total changed")
    expect(alert).to_contain_text(f"from {PREVIEWED} to {WITHOUT_LOYALTY}")
    expect(alert).to_contain_text("nothing was charged")
    expect(alert).to_contain_text("no longer linked to a loyalty membership")
    expect(order_total).to_contain_text(WITHOUT_LOYALTY)
    assert not Order.objects.exists()
    screenshot(page, "preview-total-changed")

    # Agreeing to the new total places the order at that total.
    place_order(page)
    assert str(Order.objects.get().total_incl_tax) == WITHOUT_LOYALTY.removeprefix("NOK")
