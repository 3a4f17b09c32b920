"""Finding the club in a real browser (issue 11): the home page's button leads to the club's page;
a member finds "My loyalty" in the account navigation and their points in the header; the
basket tells the points it earns; the thank-you page and the order history show the points and
coupons of the order.

The live server runs in a thread of this process, so the sandbox the pages talk to is the one
``embedded_sandbox()`` returns here; Celery runs eagerly, so a placed order's transaction has
reached it by the time the thank-you page is shown.
"""

import re

from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.sandbox.seed import SEED_MEMBER_POINTS, SEED_STORE_NAME

from .conftest import CUSTOMER, log_in, screenshot
from .shop_steps import (
    EARL_GREY,
    ESPRESSO,
    add_to_basket,
    link_customer_to_demo_member,
    place_order,
    sandbox_store,
    tick_coupons,
    to_payment,
    to_preview,
)

Order = get_model("order", "Order")

MINUS = "\N{MINUS SIGN}"  # as the pages write a discount
BASKET_POINTS = 457  # 2 x 189.00 + 79.00 at one point per krone, before any coupon


def test_a_visitor_finds_the_club_from_a_products_page(page, shop):
    page.goto(f"{shop}/catalogue/")
    page.get_by_role("link", name=ESPRESSO).first.click()
    expect(page.get_by_role("heading", name=ESPRESSO)).to_be_visible()
    screenshot(page, "header-club-link")
    page.locator("#diller-header-club").click()
    page.wait_for_url(f"{shop}/loyalty/")
    expect(page.get_by_role("heading", name=f"{SEED_STORE_NAME} loyalty club")).to_be_visible()


def test_a_visitor_finds_the_club_from_the_home_page(page, shop):
    page.goto(f"{shop}/")
    page.locator("#loyalty-banner").get_by_role("link", name="Loyalty club").click()
    page.wait_for_url(f"{shop}/loyalty/")
    expect(page.get_by_role("heading", name=f"{SEED_STORE_NAME} loyalty club")).to_be_visible()
    benefits = page.locator("#diller-club-benefits")
    expect(benefits).to_contain_text("1 point for every NOK1.00 you spend.")
    expect(page.locator("#diller-club-levels")).to_contain_text("Silver: from 1,000 points")
    expect(page.locator("#diller-club-privacy")).to_have_attribute(
        "href", "https://example.com/privacy"
    )
    actions = page.locator("#diller-club-actions")
    expect(actions.get_by_role("link", name="Log in")).to_be_visible()
    expect(actions.get_by_role("link", name="Create an account")).to_be_visible()
    screenshot(page, "club-landing")

    actions.get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=%2Floyalty%2Fjoin%2F$"))


def test_a_member_sees_points_in_the_account_the_basket_and_after_the_order(page, shop):
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)

    # The account: "My loyalty" in its navigation, the points on the page and in the header.
    page.goto(f"{shop}/accounts/profile/")
    nav = page.locator("#diller-account-nav")
    expect(nav).to_have_text("My loyalty")
    expect(page.locator("#diller-account-points")).to_contain_text(f"{SEED_MEMBER_POINTS:,} points")
    expect(page.locator("#diller-header-points")).to_contain_text(f"{SEED_MEMBER_POINTS:,} points")
    nav.click()
    page.wait_for_url(f"{shop}/loyalty/me/")

    # The basket tells the points it earns (from the store's rule the account page read).
    add_to_basket(page, shop, ESPRESSO, 2)
    add_to_basket(page, shop, EARL_GREY, 1)
    page.goto(f"{shop}/basket/")
    expect(page.locator("#diller-basket-points")).to_contain_text(
        f"You earn {BASKET_POINTS} points with this basket."
    )
    expect(page.locator("#diller-header-points")).to_contain_text(f"{SEED_MEMBER_POINTS:,} points")
    screenshot(page, "basket-points")

    # Check out with a whole-purchase coupon; the coffee coupon and stamp card apply by
    # themselves.
    to_payment(page, shop)
    tick_coupons(page, "10 % off your purchase")
    to_preview(page)
    number = place_order(page)

    order = Order.objects.get()
    assert number == order.number
    earned = sandbox_store().transactions[order.number]
    assert earned.points_delta > 0
    loyalty = page.locator("#diller-order-loyalty")
    expect(loyalty.locator("#diller-order-points")).to_have_text(
        f"You earned {earned.points_delta} points with this order."
    )
    # The coupons and the stamp card by the titles the member chose them by.
    expect(loyalty).to_contain_text(f"10 % off your purchase: {MINUS}NOK7.90")
    expect(loyalty).to_contain_text(f"20 % off coffee: {MINUS}NOK37.80")
    expect(loyalty).to_contain_text(
        f"Every 10th coffee free ({ESPRESSO}): 2 stamps collected, reward {MINUS}NOK189.00"
    )
    screenshot(page, "thank-you-loyalty")

    # The order history and the order's page say the same.
    page.goto(f"{shop}/accounts/orders/")
    row = page.locator("#order-history tr", has_text=order.number)
    expect(row.locator(".diller-order-points")).to_have_text(f"{earned.points_delta} points")
    expect(row.locator(".diller-order-coupons")).to_have_text("2 coupons used")
    row.get_by_role("link", name=order.number).click()
    expect(page.locator("#diller-order-points")).to_have_text(
        f"You earned {earned.points_delta} points with this order."
    )
    expect(page.locator("#diller-order-loyalty")).to_contain_text(
        f"10 % off your purchase: {MINUS}NOK7.90"
    )


def test_coupon_amounts_take_the_shop_s_currency_when_the_club_names_none(page, shop):
    """Diller's store answer may leave its currency out: a fixed-amount coupon on "My loyalty"
    is then shown in the shop's own currency (Oscar's default, NOK here), never as a bare
    number."""
    sandbox_store().currency = None
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    page.goto(f"{shop}/loyalty/me/")
    # Points grouped as the header writes them.
    expect(page.locator(".diller-points-total")).to_have_text(f"{SEED_MEMBER_POINTS:,} points")
    fifty = page.locator(".diller-coupon", has=page.get_by_role("heading", name="50 kr off"))
    expect(fifty.locator(".diller-coupon-value")).to_have_text("50 kr")
    percent = page.locator(
        ".diller-coupon", has=page.get_by_role("heading", name="20 % off coffee")
    )
    expect(percent.locator(".diller-coupon-value")).to_have_text("20\u00a0%")
    screenshot(page, "my-loyalty-club-without-currency")
