"""Staff at the counter redeem a Coupontools voucher in Django admin, in a real browser."""

import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from django_diller.coupontools.connection import embedded_sandbox
from django_diller.coupontools.sandbox import SEED_VOUCHER_AMOUNT
from django_diller.coupontools.sandbox.page import session_row

from .conftest import STAFF, log_in, screenshot


def test_staff_redeem_a_demo_voucher_with_the_amount_spent(page, shop):
    sandbox = embedded_sandbox()
    log_in(page, shop, *STAFF, staff=True)
    page.get_by_role("link", name="Redeem a voucher").click()
    expect(page).to_have_url(re.compile(r"/admin/diller_coupontools/voucherredemption/$"))

    # A scanner types the link and presses Enter.
    page.get_by_label("Voucher code or link").fill(
        f"https://digicpn.com/p/gk50kr/{SEED_VOUCHER_AMOUNT}"
    )
    page.get_by_label("Voucher code or link").press("Enter")
    expect(page.locator("#coupontools-state")).to_contain_text("Ready to redeem")
    expect(page.locator("#coupontools-value")).to_contain_text("NOK 50.00")

    page.get_by_label("Amount spent").fill("499.50")
    page.get_by_role("button", name="Validate the voucher").click()

    expect(page.locator(".messagelist .success")).to_contain_text("The voucher is validated")
    expect(page.locator("#coupontools-state")).to_contain_text("Already used")
    expect(page.locator("#coupontools-validated")).to_contain_text("NOK 499.50 spent")
    expect(page.get_by_role("button", name="Validate the voucher")).to_have_count(0)
    seen = session_row(sandbox.session(SEED_VOUCHER_AMOUNT), datetime.now(UTC))
    assert (seen["state"], seen["money_spent"]) == ("validated", "499.500")

    path = screenshot(page, "redeem-voucher")
    assert path.stat().st_size < 300_000

    # Scanned again, it is refused as used.
    page.get_by_label("Voucher code or link").fill(SEED_VOUCHER_AMOUNT)
    page.get_by_role("button", name="Look up").click()
    expect(page.locator(".messagelist .warning")).to_contain_text("already used")


def test_the_redeem_page_is_for_staff_only(page, shop):
    page.goto(f"{shop}/admin/diller_coupontools/voucherredemption/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
