"""The transaction outbox in Django admin, as staff repair a dead entry in a real browser."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from tests.workers.orders import ready_payload

from .conftest import STAFF, log_in, screenshot

State = OutboxEntry.State


def entry(number: str, state: str, **fields) -> OutboxEntry:
    row = outbox.enqueue(
        Kind.SEND_TRANSACTION,
        number,
        order_number=number,
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        payload=ready_payload(number, Decimal("249.00")),
        source="payment_event:1",
    )
    OutboxEntry.objects.filter(pk=row.pk).update(state=state, **fields)
    return row


def test_staff_see_the_counts_read_a_dead_entry_and_send_it_again(page, shop):
    entry("100001", State.SENT, attempts=1, response={"is_ok": True})
    entry("100002", State.FAILED, attempts=2, last_error="Diller is unavailable (HTTP 503)")
    dead = entry(
        "100003",
        State.DEAD,
        attempts=1,
        last_error="createTransaction: The store is closed for maintenance",
    )
    log_in(page, shop, *STAFF, staff=True)
    expect(page.locator("#diller-outbox-count-dead")).to_contain_text("1")  # the admin index

    page.goto(f"{shop}/admin/diller/outboxentry/")
    counts = page.locator("#diller-outbox-counts")
    expect(counts.locator("#diller-outbox-count-failed")).to_contain_text("1")
    counts.locator("#diller-outbox-count-dead a").click()
    expect(page).to_have_url(re.compile(r"state__exact=dead"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    page.get_by_role("link", name="100003").first.click()
    expect(page.locator("body")).to_contain_text("The store is closed for maintenance")
    expect(page.locator("body")).to_contain_text('"external_id": "100003"')  # the payload
    page.go_back()

    page.locator("#result_list input.action-select").first.check()
    page.locator("select[name=action]").select_option("send_now")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Sent to Diller now: sent: 1")
    dead.refresh_from_db()
    assert dead.state == State.SENT
    assert "100003" in embedded_sandbox().state.stores[SEED_STORE_ID].transactions

    page.goto(f"{shop}/admin/diller/outboxentry/")
    expect(page.locator("#diller-outbox-count-dead")).to_contain_text("0")
    path = screenshot(page, "outbox-admin")
    assert path.stat().st_size < 400_000
