"""A discount the chain's back office creates through the Discount API reaches the demo shop's
basket in a real browser, and a member's order sends it to Diller as a line discount.

The back office is the demo's API client (`demo-backoffice`): it gets a token from `/o/token/`
and posts the discount to `/api/discounts` on the live server, as the README's `curl` does.
"""

from decimal import Decimal as D

import httpx2
from playwright.sync_api import expect

from .conftest import CUSTOMER, log_in, screenshot
from .shop_steps import (
    EARL_GREY,
    add_to_basket,
    link_customer_to_demo_member,
    place_order,
    sandbox_store,
    tick_coupons,
    to_payment,
    to_preview,
    wait_for,
)

BACK_OFFICE = ("demo-backoffice", "demo-backoffice-secret")
TEA_DISCOUNT = {
    "discountId": "tea-week",
    "name": "Tea week",
    "rate": 1000,  # 10.00 %
    "type": "RELATIVE",
    "properties": {"automatic": True},
}


def create_through_the_api(shop: str) -> None:
    with httpx2.Client(base_url=shop, timeout=10.0) as back_office:
        token = back_office.post(
            "/o/token/",
            data={"grant_type": "client_credentials", "scope": "discounts:write"},
            auth=BACK_OFFICE,
        )
        assert token.status_code == 200, token.text
        created = back_office.post(
            "/api/discounts",
            json=TEA_DISCOUNT,
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert created.status_code == 201, created.text
    assert created.json()["apiResponseStatus"]["responseCode"] == "I04001"


def test_a_discount_from_the_back_office_reaches_the_basket_and_diller(page, shop):
    create_through_the_api(shop)
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, EARL_GREY, 1)

    page.goto(f"{shop}/basket/")
    totals = page.locator("#basket_totals")
    expect(totals).to_contain_text("Discount rules")
    expect(totals).to_contain_text("NOK71.10")  # 79.00 less 10 %
    screenshot(page, "basket-discount-rule")

    to_payment(page, shop)
    tick_coupons(page)  # the club's coupons left as they are
    to_preview(page)
    number = place_order(page)

    sent = wait_for(lambda: sandbox_store().transactions.get(number), "the transaction at Diller")
    tea = next(d for d in sent.request["details"] if d["product"]["name"] == EARL_GREY)
    assert (tea["discount"], tea["total_price"]) == (D("7.90"), D("71.10"))
    assert sent.coupon_codes == []  # a chain discount is not one of Diller's coupons
