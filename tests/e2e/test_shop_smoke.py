"""Customer-side smoke test of the example shop in a real browser."""

import re

from oscar.core.loading import get_model
from playwright.sync_api import expect

from .conftest import CUSTOMER, log_in

Product = get_model("catalogue", "Product")


def test_a_customer_logs_in_and_puts_espresso_beans_in_the_basket(page, shop):
    log_in(page, shop, *CUSTOMER)
    expect(page.locator("body")).to_contain_text("customer@example.com")

    product = Product.objects.get(title="Espresso beans 500 g")
    page.goto(f"{shop}{product.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Espresso beans 500 g")).to_be_visible()
    page.locator("#add_to_basket_form button[type=submit]").click()
    expect(page.locator(".alert", has_text="has been added to your cart")).to_contain_text(
        "Espresso beans 500 g"
    )

    page.goto(f"{shop}/basket/")
    # Oscar's English pages call the basket a cart and format NOK as "NOK189.00".
    total = page.locator("#basket_totals").get_by_role("row", name=re.compile(r"^Cart total"))
    expect(total).to_contain_text("NOK189.00")
