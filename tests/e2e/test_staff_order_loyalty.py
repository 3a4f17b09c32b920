"""What staff see, in a real browser: a member's order in Oscar's dashboard with its loyalty
panel, the outbox entry it links to, a partial return, and shop accounts named by e-mail.

The customer checks out through the real pages first (coupons and a stamp card), so that the
panel shows what a real order leaves behind. The live server runs in a thread of this process;
Celery runs eagerly, so the outbox entries are delivered by the time the pages load (the test
still polls, the deliveries run after the request's commit).
"""

import re

from django.contrib.auth import get_user_model
from oscar.apps.customer.forms import generate_username
from playwright.sync_api import expect

from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry

from .conftest import CUSTOMER, STAFF, log_in, screenshot
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

State = OutboxEntry.State


def wait_for_entry(number: str, kind: str, state: str = State.SENT) -> OutboxEntry:
    return wait_for(
        lambda: OutboxEntry.objects.filter(order_number=number, kind=kind, state=state).first(),
        f"a {state} {kind} entry for order {number}",
    )


def place_member_order(page, shop) -> str:
    """The demo customer, a club member, buys two espressos and a tea with a ticked coupon."""
    log_in(page, shop, *CUSTOMER)
    add_to_basket(page, shop, ESPRESSO, 2)
    add_to_basket(page, shop, EARL_GREY, 1)
    to_payment(page, shop)
    tick_coupons(page, "10 % off your purchase")
    to_preview(page)
    number = place_order(page)
    page.context.clear_cookies()  # log the customer out
    return number


def test_staff_open_a_members_order_and_read_its_loyalty_panel(page, shop):
    customer = get_user_model().objects.get(email=CUSTOMER[0])
    customer.username = generate_username()  # as Oscar's own sign-up form names accounts
    customer.save()
    link_customer_to_demo_member()
    number = place_member_order(page, shop)
    send = wait_for_entry(number, Kind.SEND_TRANSACTION)

    log_in(page, shop, *STAFF, staff=True)
    page.goto(f"{shop}/dashboard/orders/{number}/")
    panel = page.locator("#diller-dashboard-loyalty")
    expect(panel).to_be_visible()
    items = panel.locator("#diller-dashboard-items")
    expect(items.locator("tr", has_text="PCT10")).to_contain_text("NOK")
    expect(items.locator("tr", has_text="PCT20COFFEE")).to_be_visible()
    stamp_card = items.locator("tr.diller-item-stamp_card")
    expect(stamp_card).to_contain_text("Espresso beans 500 g")
    expect(stamp_card).to_contain_text("Released")  # the transaction used the reservation
    expect(panel.locator("#diller-dashboard-points")).to_contain_text(
        re.compile(r"\d+ points \(stated in Diller's answer\)")
    )
    expect(panel.locator(".diller-transaction")).to_contain_text("Sent")
    entries = panel.locator("#diller-dashboard-entries")
    expect(entries.locator("tr.diller-entry-reserve_loyalty")).to_contain_text("Sent")
    expect(entries.locator("tr.diller-entry-send_transaction")).to_contain_text(
        f"Transaction {number} registered"
    )
    path = screenshot(page, "dashboard-order-loyalty")
    assert path.stat().st_size < 600_000

    entries.locator("tr.diller-entry-send_transaction a").click()
    page.wait_for_url(f"{shop}/admin/diller/outboxentry/{send.pk}/change/")
    expect(page.locator("body")).to_contain_text(f'"external_id": "{number}"')

    # A partial return, as the README tells staff to try it: one espresso comes back.
    page.goto(f"{shop}/dashboard/orders/{number}/")
    espresso = page.locator("#order_lines_form tr", has_text=ESPRESSO)
    espresso.locator("input[name=selected_line]").check()
    espresso.locator("input[name^=selected_line_qty_]").fill("1")
    page.locator("#payment_event_check").check()
    page.locator("#payment_event_type_select").select_option(label="Refunded")
    page.locator("#order_lines_form").get_by_role("button", name="Go!").click()
    wait_for_entry(number, Kind.RESEND_REMAINDER)
    page.goto(f"{shop}/dashboard/orders/{number}/")
    entries = page.locator("#diller-dashboard-entries")
    expect(entries.locator("tr.diller-entry-cancel_transaction")).to_contain_text("Sent")
    expect(entries.locator("tr.diller-entry-resend_remainder")).to_contain_text("Sent")

    # Shop accounts are named by e-mail, never by the generated username.
    page.goto(f"{shop}/admin/diller/memberlink/")
    results = page.locator("#result_list")
    expect(results).to_contain_text(CUSTOMER[0])
    expect(page.locator("#content")).not_to_contain_text(customer.username)
    page.locator("#searchbar").fill("customer@")
    page.locator("#changelist-search").get_by_role("button").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
