"""An order whose payment came only after its coupons were released, as staff see it in
Oscar's dashboard: the member checks out through the real pages, the payment never arrives,
the sweep releases the coupons, and then staff record the payment that came in after all.

The shop sends the purchase when the order ships, not when it is paid, so the coupons must be
held for the order again while it waits.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.contrib.oscar.unpaid import release_unpaid_reservations
from django_diller.loyalty.kinds import Kind
from django_diller.models import OrderLoyaltyItem, OutboxEntry

from .conftest import STAFF, log_in, screenshot
from .shop_steps import link_customer_to_demo_member, wait_for
from .test_staff_order_loyalty import place_member_order

Order = get_model("order", "Order")
State = OutboxEntry.State


@pytest.fixture
def sent_when_shipped():
    dispatch = {
        **settings.DILLER,
        "SEND_ON_PAYMENT_EVENTS": [],
        "SEND_ON_ORDER_STATUSES": ["Being processed"],
    }
    with override_settings(DILLER=dispatch):
        yield


def never_paid(number: str) -> None:
    """The gateway never called back: the order has no payment, and was placed an hour ago."""
    order = Order.objects.get(number=number)
    order.payment_events.all().delete()
    order.sources.all().delete()
    OutboxEntry.objects.filter(order_number=number, kind=Kind.RESERVE_LOYALTY).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )


@pytest.mark.usefixtures("sent_when_shipped")
def test_staff_record_a_late_payment_and_the_coupon_is_held_for_the_order_again(page, shop):
    link_customer_to_demo_member()
    number = place_member_order(page, shop)
    wait_for(
        lambda: OutboxEntry.objects.filter(
            order_number=number, kind=Kind.RESERVE_LOYALTY, state=State.SENT
        ).first(),
        "the order's reservation",
    )
    never_paid(number)
    assert release_unpaid_reservations(60) == 1
    wait_for(
        lambda: OutboxEntry.objects.filter(
            order_number=number, kind=Kind.RELEASE_LOYALTY, state=State.SENT
        ).first(),
        "the release of the unpaid order's coupons",
    )

    log_in(page, shop, *STAFF, staff=True)
    page.goto(f"{shop}/dashboard/orders/{number}/")
    panel = page.locator("#diller-dashboard-loyalty")
    coupon = panel.locator("#diller-dashboard-items tr", has_text="PCT10")
    expect(coupon.locator(".diller-reservation")).to_have_text("Released")
    releases = panel.locator("tr.diller-entry-release_loyalty")
    expect(releases).to_contain_text("abandoned checkout")

    # The money came in after all: staff record it on every line of the order.
    lines_form = page.locator("#order_lines_form")
    for box in lines_form.locator("input[name=selected_line]").all():
        box.check()
    page.locator("#payment_event_check").check()
    page.locator("#payment_event_type_select").select_option(label="Settled")
    lines_form.get_by_role("button", name="Go!").click()
    wait_for(
        lambda: OutboxEntry.objects.filter(external_id=f"{number}:again", state=State.SENT).first(),
        "the coupons reserved again",
    )

    page.goto(f"{shop}/dashboard/orders/{number}/")
    panel = page.locator("#diller-dashboard-loyalty")
    coupon = panel.locator("#diller-dashboard-items tr", has_text="PCT10")
    expect(coupon.locator(".diller-reservation")).to_have_text("Reserved")
    again = panel.locator("tr.diller-entry-reserve_loyalty", has_text=f"{number}:again")
    expect(again).to_contain_text("paid after its release")
    expect(again.locator(".diller-entry-state")).to_have_text("Sent")
    expect(panel.locator("tr.diller-entry-send_transaction")).to_have_count(0)  # not shipped
    screenshot(page, "dashboard-order-paid-after-its-release")
    item = OrderLoyaltyItem.objects.get(order_number=number, reference="PCT10")
    assert item.reservation == OrderLoyaltyItem.Reservation.RESERVED
