"""A guest ticks "join" at checkout in a real browser: the thank-you page says an SMS with a link
went to the phone, the purchase waits in the outbox, and the phone's owner finishes joining from
the link shown on the sandbox's messages page, without a shop account; then the purchase is
sent to the new member.

The live server runs in a thread of this process: the sandbox the pages talk to is the one
``embedded_sandbox()`` returns here, and the outbox tasks run eagerly in the server's thread.
"""

import re

from oscar.core.loading import get_model
from playwright.sync_api import expect

from django_diller.models import JoinInvitation, OutboxEntry

from .conftest import screenshot
from .shop_steps import (
    ESPRESSO,
    SHIPPING_ADDRESS_URL,
    add_to_basket,
    choose_standard_delivery,
    fill_member_details,
    fill_shipping_address,
    place_order,
    sandbox_store,
    to_preview,
    wait_for,
)

Order = get_model("order", "Order")

GUEST_PHONE = "+4747112233"


def start_as_guest(page, shop: str, email: str) -> None:
    """An espresso in the basket, and the checkout begun without an account."""
    add_to_basket(page, shop, ESPRESSO, 1)
    page.goto(f"{shop}/checkout/")
    page.locator("#id_username").fill(email)
    page.locator("input[name=options][value=anonymous]").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(SHIPPING_ADDRESS_URL)


def test_a_guest_joins_at_checkout_and_finishes_from_the_texted_link(page, shop):
    start_as_guest(page, shop, "per@example.com")
    fill_shipping_address(
        page,
        first_name="Per",
        last_name="Hansen",
        line1="Storgata 2",
        postcode="0155",
        phone=GUEST_PHONE,
    )
    choose_standard_delivery(page)
    to_preview(page)  # guests have no coupon step

    consents = page.locator("#diller-guest-consents")
    join = consents.get_by_label(re.compile(r"^Join the loyalty club"))
    expect(join).not_to_be_checked()
    join.check()
    consents.get_by_label(re.compile(r"purchase history")).check()
    number = place_order(page)

    signup = page.locator("#diller-guest-signup")
    expect(signup).to_contain_text(
        "We have sent an SMS to +47 47 11 22 33 with a link to finish joining the loyalty club."
    )
    expect(signup).to_contain_text("once you have finished joining")
    screenshot(page, "guest-thank-you")
    order = Order.objects.get()
    assert number == order.number
    entry = wait_for(
        lambda: OutboxEntry.objects.filter(
            order_number=order.number, state=OutboxEntry.State.SKIPPED
        ).first(),
        "the transaction to wait",
    )
    assert "Waiting for the phone's owner to finish joining" in entry.last_error
    store = sandbox_store()
    assert order.number not in store.transactions

    # The phone's owner follows the link, on a device without a shop session.
    messages = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    phone = messages.new_page()
    phone.goto(f"{shop}/loyalty/sandbox/messages/")
    row = phone.locator("#sandbox-messages tbody tr").filter(has_text=GUEST_PHONE).first
    expect(row).to_contain_text("enroll_link")
    phone.goto(row.locator(".link a").get_attribute("href"))
    expect(phone.get_by_role("heading", name="Finish joining the loyalty club")).to_be_visible()
    finish = phone.locator("#diller-activate-form")
    expect(finish.get_by_label("First name")).to_have_value("")  # nothing from the order
    expect(finish.get_by_label("Gender")).to_have_value("")  # nobody chose one
    # Another device than the one that placed the order: the phone may be a gift's
    # recipient, so no box is ticked for them (the tests of the guest checkout cover the
    # guest's own browser, where the ticks from the checkout are shown again).
    for consent in ("gdpr_accepted", "save_order_history", "receive_sms"):
        expect(finish.locator(f"input[name={consent}]")).not_to_be_checked()
    finish.locator("input[name=save_order_history]").check()
    fill_member_details(
        finish, first_name="Per", last_name="Hansen", coffee="Java", brew="Espresso"
    )
    finish.get_by_role("button", name="Join").click()
    expect(phone.locator("#diller-activation-finished")).to_contain_text(
        "Welcome to the loyalty club!"
    )
    next_step = phone.locator("#diller-activation-next")
    expect(next_step).to_contain_text("join with the same mobile number")
    expect(next_step.get_by_role("link", name="See your points and coupons")).to_be_visible()
    screenshot(phone, "guest-activated")
    messages.close()

    invitation = JoinInvitation.objects.get(order_number=order.number)
    assert invitation.state == JoinInvitation.State.JOINED
    received = wait_for(lambda: store.transactions.get(order.number), "the transaction")
    assert received is not None
    assert store.members[invitation.member_id].consent.gdpr_accepted
    assert store.members[invitation.member_id].consent.save_order_history


def test_a_guest_without_a_mobile_number_is_told_before_paying(page, shop):
    start_as_guest(page, shop, "kim@example.com")
    fill_shipping_address(
        page, first_name="Kim", last_name="Berg", line1="Storgata 3", postcode="0155", phone=""
    )
    choose_standard_delivery(page)
    to_preview(page)
    consents = page.locator("#diller-guest-consents")
    expect(consents.get_by_label(re.compile(r"^Join the loyalty club"))).to_be_disabled()
    expect(consents).to_contain_text("To join, the shipping address needs a mobile number.")
    screenshot(page, "guest-join-needs-phone")
    consents.get_by_role("link", name="Add a mobile number").click()
    page.wait_for_url(SHIPPING_ADDRESS_URL)
    fill_shipping_address(
        page, first_name="Kim", last_name="Berg", line1="Storgata 3", postcode="0155",
        phone=GUEST_PHONE,
    )  # fmt: skip
    choose_standard_delivery(page)
    to_preview(page)
    expect(
        page.locator("#diller-guest-consents").get_by_label(re.compile(r"^Join the loyalty club"))
    ).to_be_enabled()
