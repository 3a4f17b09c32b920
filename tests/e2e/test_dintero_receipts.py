"""A member's receipts from Dintero in a real browser: the member pays with a coupon, the
order's receipt reaches the embedded Dintero sandbox, and it appears under "My receipts",
newest first, and opens with its lines, discounts and totals.

The live server runs in a thread of this process: the settings the test turns Dintero on with,
and the embedded sandbox it talks to, are the ones the pages see. The receipt is sent by an
outbox task (eager in tests) queued at the commit in the server's request thread: the test
polls.
"""

import re

from django.test import override_settings
from playwright.sync_api import expect

from django_diller.dintero.kinds import Kind
from django_diller.dintero.queueing import receipt_entry
from django_diller.models import Consent, ConsentRecord, OutboxEntry, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .conftest import CUSTOMER, log_in, screenshot
from .shop_steps import (
    EARL_GREY,
    ESPRESSO,
    add_to_basket,
    link_customer_to_demo_member,
    place_order,
    tick_coupons,
    to_payment,
    to_preview,
    wait_for,
)

DINTERO = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "STORE_NAME": "Kaffebrenneriet Demo"}
# Espresso 2 x 189.00: one free (stamp card 101), 20 % off the other = 151.20;
# Earl Grey 79.00 - 10 % (PCT10) = 71.10; Standard delivery 49.00.
ORDER_TOTAL = "NOK271.30"


def keeps_purchase_history() -> None:
    """The demo member lets the shop keep their purchase history: receipts name them."""
    ConsentRecord.objects.create(
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        consent=Consent.ORDER_HISTORY,
        given=True,
        source=Source.PAGE,
    )


def sent_receipt(number: str):
    entry = receipt_entry(number)
    return entry if entry is not None and entry.state == OutboxEntry.State.SENT else None


def test_a_member_pays_and_the_receipt_appears_under_my_receipts(page, shop):
    with override_settings(DINTERO=DINTERO):
        link_customer_to_demo_member()
        keeps_purchase_history()
        log_in(page, shop, *CUSTOMER)
        add_to_basket(page, shop, ESPRESSO, 2)
        add_to_basket(page, shop, EARL_GREY, 1)
        to_payment(page, shop)
        tick_coupons(page, "10 % off your purchase")
        to_preview(page)
        number = place_order(page)

        entry = wait_for(lambda: sent_receipt(number), "the order's receipt to reach Dintero")
        assert entry.kind == Kind.RECEIPT and entry.payload["customer_id"] == SEED_MEMBER_ID

        page.goto(f"{shop}/loyalty/me/")
        page.get_by_role("link", name="My receipts").click()
        page.wait_for_url(re.compile(r"/loyalty/receipts/$"))
        expect(page.get_by_role("heading", name="My receipts")).to_be_visible()
        rows = page.locator("#diller-receipts tbody tr")
        newest = rows.first
        expect(newest).to_have_attribute("data-receipt", number)
        expect(newest).to_contain_text(ORDER_TOTAL)
        expect(newest).to_contain_text("Kaffebrenneriet Demo")
        screenshot(page, "my-receipts")

        newest.get_by_role("link", name=number).click()
        page.wait_for_url(re.compile(r"/loyalty/receipts/[^/]+/$"))
        expect(page.get_by_role("heading", name=f"Receipt {number}")).to_be_visible()
        receipt = page.locator("#diller-receipt")
        lines = receipt.locator("#diller-receipt-lines")
        expect(lines).to_contain_text(ESPRESSO)
        expect(lines).to_contain_text(EARL_GREY)
        # Each line with what the club took off it, by the titles the member saw.
        expect(lines).to_contain_text("10 % off your purchase")
        discounts = receipt.locator("#diller-receipt-discounts")
        expect(discounts).to_contain_text("20 % off coffee")
        expect(discounts).to_contain_text("Every 10th coffee free: -NOK189.00")
        totals = receipt.locator("#diller-receipt-totals")
        expect(totals.locator(".diller-receipt-total")).to_contain_text(ORDER_TOTAL)
        expect(totals.locator(".diller-receipt-discount-total")).to_contain_text("-NOK")
        screenshot(page, "my-receipt")

        page.get_by_role("link", name="Back to my receipts").click()
        page.wait_for_url(re.compile(r"/loyalty/receipts/$"))
