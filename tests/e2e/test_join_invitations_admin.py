"""Staff find a guest's join in Django admin, as they would answer "I never got the text"."""

from django.utils import timezone
from playwright.sync_api import expect

from django_diller.models import JoinInvitation
from django_diller.sandbox.seed import SEED_STORE_ID

from .conftest import STAFF, log_in, screenshot


def test_staff_find_a_guests_join_from_the_admin_index(page, shop):
    JoinInvitation.objects.create(
        store_id=SEED_STORE_ID,
        phone="+4791234567",
        order_number="100042",
        profile={"first_name": "Kari"},
        state=JoinInvitation.State.INVITED,
        invited_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    log_in(page, shop, *STAFF, staff=True)
    page.get_by_role("link", name="Join invitations").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("100042")
    expect(rows.first).to_contain_text("waiting for the phone's owner")
    expect(rows.first).to_contain_text("••• 67")
    expect(page.locator("body")).not_to_contain_text("91234567")
    screenshot(page, "join-invitations-admin")
