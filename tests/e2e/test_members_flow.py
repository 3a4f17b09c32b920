"""The shopper's loyalty pages in a real browser: join a new phone through the link Diller
texts, my loyalty, edit, link an existing membership by one-time code.

The live server runs in a thread of this process, so the embedded Diller sandbox the pages talk
to is the one ``embedded_sandbox()`` returns here: the tests read the codes it "texted" and the
members it holds straight from it.
"""

import re

from playwright.sync_api import expect

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import MemberLink
from django_diller.sandbox.seed import (
    SEED_MEMBER_ID,
    SEED_MEMBER_NATIONAL_PHONE,
    SEGMENT_BREW_METHOD,
    SEGMENT_FAVOURITE_COFFEE,
    SEGMENT_NEAREST_SHOP,
)

from .conftest import CUSTOMER, log_in, screenshot
from .shop_steps import fill_member_details, sandbox_store

OTHER = ("other@example.com", "other-demo-pass")

NEW_NUMBER = "41234567"
FILTER_OPTION, BERGEN_OPTION = 32, 52  # option ids in the seeded segments


def sandbox_member_with_number(number: str):
    members = [
        m for m in sandbox_store().members.values() if m.phone.number == number and not m.is_deleted
    ]
    assert len(members) == 1, f"expected one live member with {number}, found {len(members)}"
    return members[0]


def wrong_code(right: int) -> str:
    return f"{(right + 1) % 900_000 + 100_000:06d}"


def invitation_link(context, shop: str, phone: str) -> str:
    """The link of the newest invitation "texted" to ``phone``, read off the sandbox's
    messages page in another tab, as a developer trying the demo would."""
    tab = context.new_page()
    try:
        tab.goto(f"{shop}/loyalty/sandbox/messages/")
        screenshot(tab, "sandbox-messages-invitation")
        row = (
            tab.locator("#sandbox-messages tbody tr")
            .filter(has_text=phone)
            .filter(has_text="enroll_link")
            .first
        )
        href = row.locator(".link a").get_attribute("href")
    finally:
        tab.close()
    assert href and href.startswith(f"{shop}/loyalty/activate/?token="), href
    return href


def test_a_customer_joins_with_a_new_phone_through_the_texted_link(page, shop):
    log_in(page, shop, *CUSTOMER)
    page.goto(f"{shop}/loyalty/join/")
    expect(page.get_by_role("heading", name="Join the loyalty club")).to_be_visible()

    form = page.locator("#diller-join-form")
    checkboxes = form.locator("input[type=checkbox]")
    expect(checkboxes.first).to_be_attached()
    for index in range(checkboxes.count()):
        expect(checkboxes.nth(index)).not_to_be_checked()
    expect(form.get_by_label("Send me offers by SMS")).not_to_be_checked()

    form.get_by_label("Mobile phone").fill("41 23 45 67")
    fill_member_details(
        form, first_name="Kari", last_name="Nordmann", coffee="Yirgacheffe", brew="Filter"
    )
    form.get_by_label("Country").select_option(label="Norway")
    form.get_by_label("Send me offers by e-mail").check()
    assert screenshot(page, "member-join").stat().st_size < 300_000
    form.get_by_role("button", name="Join").click()

    # A new phone is never registered on the shopper's word: Diller texts its owner a link.
    page.wait_for_url(f"{shop}/loyalty/join/verify/")
    expect(page.get_by_role("heading", name="Confirm your membership")).to_be_visible()
    expect(page.locator(".diller-verify")).to_contain_text(
        "We have sent an SMS to the mobile phone number you gave."
    )
    expect(page.locator(".diller-verify")).to_contain_text("If the SMS has a link, open it")
    screenshot(page, "member-join-sms-sent")
    invited = sandbox_member_with_number(NEW_NUMBER)
    assert invited.first_name is None and invited.segments == {}
    assert not invited.consent.gdpr_accepted and not invited.consent.receive_email
    texts = [m.kind for m in embedded_sandbox().messages if m.to == f"+47{NEW_NUMBER}"]
    assert texts == ["enroll_link"]  # no "you are now a member"
    assert not MemberLink.objects.filter(user__email=CUSTOMER[0]).exists()

    # The phone's owner (the shopper) opens the link: the page shows what they typed.
    page.goto(invitation_link(page.context, shop, f"+47{NEW_NUMBER}"))
    expect(page.get_by_role("heading", name="Finish joining the loyalty club")).to_be_visible()
    finish = page.locator("#diller-activate-form")
    expect(finish.get_by_label("Favourite coffee")).to_have_value("Yirgacheffe")
    expect(finish.get_by_label("Send me offers by e-mail")).to_be_checked()
    expect(finish.get_by_label("Send me offers by SMS")).not_to_be_checked()
    assert screenshot(page, "member-activate").stat().st_size < 300_000
    finish.get_by_role("button", name="Join").click()

    page.wait_for_url(f"{shop}/loyalty/me/")
    expect(page.locator(".alert", has_text="Welcome to the loyalty club!")).to_be_visible()
    points = page.locator("#diller-points")
    expect(points.locator(".diller-points-total")).to_contain_text(re.compile(r"\d+\s+points"))
    expect(points.locator(".diller-level")).to_contain_text("Level: Bronze")
    expect(page.get_by_role("heading", name="My coupons")).to_be_visible()
    expect(page.get_by_role("heading", name="My stamp cards")).to_be_visible()
    assert screenshot(page, "member-page").stat().st_size < 300_000

    member = sandbox_member_with_number(NEW_NUMBER)
    assert (member.first_name, member.last_name) == ("Kari", "Nordmann")
    assert member.address["country_code"] == "NO"
    assert member.segments[SEGMENT_FAVOURITE_COFFEE].value == "Yirgacheffe"
    assert member.segments[SEGMENT_BREW_METHOD].selected_options == [FILTER_OPTION]
    assert SEGMENT_NEAREST_SHOP not in member.segments
    assert member.consent.gdpr_accepted and member.consent.receive_email
    assert not member.consent.receive_sms
    link = MemberLink.objects.get(user__email=CUSTOMER[0])
    assert link.member_id == member.id

    page.get_by_role("link", name="Edit my details").click()
    page.wait_for_url(f"{shop}/loyalty/me/edit/")
    edit = page.locator("#diller-edit-form")
    expect(edit.get_by_label("Favourite coffee")).to_have_value("Yirgacheffe")
    edit.get_by_label("Favourite coffee").fill("Sumatra")
    edit.get_by_label("Nearest shop").select_option(label="Bergen")
    edit.get_by_role("button", name="Save").click()

    page.wait_for_url(f"{shop}/loyalty/me/")
    expect(page.locator(".alert", has_text="Your details have been saved.")).to_be_visible()
    member = sandbox_member_with_number(NEW_NUMBER)
    assert member.segments[SEGMENT_FAVOURITE_COFFEE].value == "Sumatra"
    assert member.segments[SEGMENT_NEAREST_SHOP].selected_options == [BERGEN_OPTION]
    assert member.segments[SEGMENT_BREW_METHOD].selected_options == [FILTER_OPTION]


def test_an_existing_member_links_their_membership_with_the_texted_code(page, shop):
    log_in(page, shop, *OTHER)
    page.goto(f"{shop}/loyalty/join/")
    form = page.locator("#diller-join-form")
    form.get_by_label("Mobile phone").fill(SEED_MEMBER_NATIONAL_PHONE)
    fill_member_details(
        form, first_name="Ola", last_name="Nordmann", coffee="Java", brew="Espresso"
    )
    form.get_by_role("button", name="Join").click()

    page.wait_for_url(f"{shop}/loyalty/join/verify/")
    expect(page.get_by_role("heading", name="Confirm your membership")).to_be_visible()
    expect(page.locator(".diller-verify")).to_contain_text(
        "We have sent an SMS to the mobile phone number you gave."
    )
    expect(page.locator("body")).not_to_contain_text("Kari")  # the member's name stays hidden
    code = embedded_sandbox().last_otp(SEED_MEMBER_ID)
    assert code is not None

    verify = page.locator("#diller-verify-form")
    verify.get_by_label("Code").fill(wrong_code(code))
    verify.get_by_role("button", name="Confirm").click()
    expect(page.locator(".diller-error")).to_contain_text("That code is wrong or has expired.")
    expect(page).to_have_url(f"{shop}/loyalty/join/verify/")
    assert not MemberLink.objects.filter(user__email=OTHER[0]).exists()

    verify.get_by_label("Code").fill(f"{code:06d}")
    verify.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{shop}/loyalty/me/edit/")
    expect(page.locator(".alert", has_text="Your membership is now linked")).to_be_visible()
    # what the shopper typed on the join page is the membership's now
    expect(page.locator("#diller-edit-form").get_by_label("Favourite coffee")).to_have_value("Java")
    assert MemberLink.objects.get(user__email=OTHER[0]).member_id == SEED_MEMBER_ID

    page.goto(f"{shop}/loyalty/me/")
    expect(page.locator("#diller-points .diller-points-total")).to_contain_text("1,250 points")
    expect(page.locator("#diller-points .diller-level")).to_contain_text("Level: Silver")
    coupons = page.locator("#diller-coupons")
    expect(coupons.get_by_role("heading", name="10 % off your purchase")).to_be_visible()
    expect(coupons.get_by_role("heading", name="50 kr off")).to_be_visible()
    expect(coupons).not_to_contain_text("15 % off (expired)")
    expect(page.locator("#diller-stamp-cards")).to_contain_text("8 of 10 stamps")


def test_a_member_whose_membership_the_club_deleted_ends_the_link_and_may_join_again(page, shop):
    from django.utils import timezone

    from .shop_steps import link_customer_to_demo_member

    link_customer_to_demo_member()
    log_in(page, shop, *CUSTOMER)
    page.goto(f"{shop}/loyalty/me/")
    header = page.locator("#diller-header-points")
    expect(header).to_contain_text("points")  # read and kept for the header
    sandbox_store().members[SEED_MEMBER_ID].deleted_at = timezone.now()  # closed elsewhere

    page.goto(f"{shop}/loyalty/me/")
    expect(page.locator(".diller-problem")).to_contain_text("no longer has your membership")
    page.goto(f"{shop}/basket/")
    expect(header).to_have_count(0)  # no points of a membership that is gone
    page.goto(f"{shop}/loyalty/me/")
    page.get_by_role("link", name="End the link to it").click()
    expect(page.get_by_role("heading", name="End the link to your membership")).to_be_visible()
    expect(page.locator("main, body")).not_to_contain_text("points, coupons and stamp cards")
    screenshot(page, "membership-gone")
    page.get_by_role("button", name="End the link").click()

    page.wait_for_url(f"{shop}/loyalty/join/")
    expect(
        page.locator(".alert", has_text="no longer linked to a loyalty membership")
    ).to_be_visible()
    assert not MemberLink.objects.filter(user__email=CUSTOMER[0]).exists()
