"""The coupon choice in a real browser: on the payment page, inside Oscar's checkout layout with
its step bar, coupons as cards, and a ticked coupon that gives nothing explained beside it and in
the basket; the coupon step, the page the basket links to. The plugin's carrier offers stay off
Oscar's public offer pages."""

import re

from playwright.sync_api import expect

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.wallet import forget_wallet
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import CUSTOMER, log_in, screenshot
from .shop_steps import (
    EARL_GREY,
    ESPRESSO,
    PAYMENT_URL,
    PREVIEW_URL,
    SHIPPING_ADDRESS_URL,
    add_to_basket,
    choose_standard_delivery,
    fill_shipping_address,
    link_customer_to_demo_member,
    tick_coupons,
    to_payment,
    to_preview,
)

COUPON_STEP_URL = re.compile(r"/loyalty/checkout/coupons/\?next=")


def card(page, title: str):
    """The coupon's card, found by the title on its checkbox's label."""
    title_label = page.locator("label").get_by_text(title, exact=True)
    return page.locator(".diller-coupon-card", has=title_label)


def test_the_payment_page_shows_coupon_cards_and_says_why_a_ticked_one_gives_nothing(page, shop):
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, ESPRESSO, 2)
    add_to_basket(page, shop, EARL_GREY, 1)
    to_payment(page, shop)

    # Oscar's checkout layout and step bar: the coupons are chosen on the payment step.
    nav = page.locator("nav.nav-checkout")
    expect(nav.locator("li.step3.active")).to_contain_text("3. Payment")
    expect(nav.get_by_role("link", name="1. Shipping address")).to_be_visible()
    expect(page.locator(".sub-header h1")).to_have_text("Payment")

    coffee = card(page, "20 % off coffee")
    expect(coffee.locator(".diller-coupon-value")).to_have_text("20\u00a0%")
    expect(coffee).to_contain_text("Applies to: Espresso beans 500 g")
    # Django's short month names: "Feb.", "March", "Sept."
    expect(coffee).to_contain_text(re.compile(r"Valid until \w{3,5}\.? \d{1,2}, \d{4}"))
    expect(coffee).to_contain_text("Used on this order")
    bakery = card(page, "30 kr off bakery")
    expect(bakery.locator(".diller-coupon-value")).to_have_text("NOK30.00")
    expect(bakery).to_contain_text("Applies to selected products only")
    expect(bakery.locator(".diller-coupon-reason")).to_have_text(
        "None of the products it applies to is in your basket."
    )
    fifty = card(page, "50 kr off")
    expect(fifty.locator(".diller-coupon-value")).to_have_text("NOK50.00")
    expect(fifty).to_contain_text("Applies to your whole purchase")
    expect(card(page, "Free shipping").locator(".diller-coupon-value")).to_have_text(
        "Free shipping"
    )

    # Both whole-purchase coupons ticked: 50 kr off is worth more on the tea, so 10 % gives
    # nothing (the espresso is free or 20 % off already). The payment page comes back and says
    # why.
    page.get_by_role("checkbox", name="50 kr off").check()
    page.get_by_role("checkbox", name="10 % off your purchase").check()
    page.locator("#view_preview").click()
    page.wait_for_url(PAYMENT_URL)
    expect(page.locator(".alert-warning")).to_contain_text(
        "“10 % off your purchase” gives nothing on this order"
    )
    ten = card(page, "10 % off your purchase")
    expect(ten.get_by_role("checkbox")).to_be_checked()
    expect(ten.locator(".diller-coupon-reason")).to_have_text(
        "It can't be combined with “50 kr off” and “20 % off coffee”, which already discount "
        "the same items."
    )
    expect(card(page, "50 kr off")).to_contain_text("Used on this order")
    # 151.20 of espresso and 79.00 - 50.00 of tea.
    expect(page.locator("#diller-basket-total")).to_contain_text("NOK180.20")
    screenshot(page, "coupon-choice")

    # The basket says it too, with the way to change them: the coupon step.
    page.goto(f"{shop}/basket/")
    notes = page.locator("#diller-coupon-notes")
    expect(notes).to_contain_text("This loyalty coupon gives nothing on this basket:")
    expect(notes).to_contain_text(
        "10 % off your purchase: It can't be combined with “50 kr off” and “20 % off coffee”, "
        "which already discount the same items."
    )
    expect(notes).not_to_contain_text("30 kr off bakery")  # never the shopper's choice
    screenshot(page, "basket-coupon-notes")

    notes.get_by_role("link", name="Change your coupons").click()
    page.wait_for_url(COUPON_STEP_URL)
    expect(page.locator(".sub-header h1")).to_have_text("Your loyalty coupons")
    screenshot(page, "coupon-step")
    page.locator("#diller-coupon-step").get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/basket/$"))
    expect(page.locator("#diller-coupon-notes")).to_contain_text("10 % off your purchase")

    # Continuing from the payment page a second time goes on with the choice as it is.
    to_payment(page, shop)
    page.locator("#view_preview").click()
    page.wait_for_url(PREVIEW_URL)


def test_with_the_coupon_step_the_coupon_chosen_there_is_on_the_preview(page, shop, settings):
    settings.DILLER = {**settings.DILLER, "COUPON_CHOICE": "step"}
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, EARL_GREY, 1)
    page.goto(f"{shop}/checkout/")
    page.wait_for_url(SHIPPING_ADDRESS_URL)
    fill_shipping_address(page)
    choose_standard_delivery(page)

    # Members pass the coupon step between delivery and payment.
    page.wait_for_url(COUPON_STEP_URL)
    card(page, "10 % off your purchase").get_by_role("checkbox").check()
    page.locator("#diller-coupon-step").get_by_role("button", name="Continue").click()
    page.wait_for_url(PAYMENT_URL)
    expect(page.locator("#diller-coupon-choice")).to_have_count(0)

    # The payment page's "Continue" keeps what the step chose: 79.00 of tea less 10 %.
    page.locator("#view_preview").click()
    page.wait_for_url(PREVIEW_URL)
    summary = page.locator("#diller-loyalty-summary")
    expect(summary).to_contain_text("10 % off your purchase")
    expect(summary).to_contain_text("NOK7.90")
    screenshot(page, "coupon-step-preview")


def test_a_payment_page_without_the_coupons_keeps_the_members_choice(page, shop):
    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, EARL_GREY, 1)
    to_payment(page, shop)
    tick_coupons(page, "10 % off your purchase")
    to_preview(page)
    expect(page.locator("#diller-loyalty-summary")).to_contain_text(
        "10 % off your purchase: \u2212NOK7.90"
    )

    # Back on the payment page while Diller cannot be reached: no cards, and "Continue" goes on
    # with the coupon chosen before.
    forget_wallet(SEED_MEMBER_ID)
    with embedded_sandbox().inject(error_rate=1.0):
        page.goto(f"{shop}/checkout/payment-details/")
        expect(page.locator("#diller-coupons-unavailable")).to_contain_text(
            "Your loyalty coupons can't be fetched right now. You can still place your order."
        )
        expect(page.locator("#diller-coupons-still-applied")).to_have_text(
            "The coupons you chose earlier still apply: 10 % off your purchase."
        )
        expect(page.locator(".diller-coupon-card")).to_have_count(0)
        screenshot(page, "payment-coupons-unavailable")
        to_preview(page)
    expect(page.locator("#diller-loyalty-summary")).to_contain_text(
        "10 % off your purchase: \u2212NOK7.90"
    )
    screenshot(page, "preview-after-coupons-unavailable")


def test_the_carrier_offers_are_not_on_the_shops_offer_pages(page, shop):
    page.goto(f"{shop}/offers/")
    expect(page.get_by_role("heading", name="Offers", exact=True)).to_be_visible()
    expect(page.locator(".page")).not_to_contain_text("Diller")
    assert page.goto(f"{shop}/offers/diller-loyalty/").status == 404
    assert page.goto(f"{shop}/offers/diller-free-shipping/").status == 404
