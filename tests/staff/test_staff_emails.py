"""Staff pages name shop accounts by e-mail, never by a generated username.

Oscar's sign-up form gives every account a random username, so the accounts here have one too.
"""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from oscar.apps.customer.forms import generate_username

from django_diller.accounts import account_label
from django_diller.models import Consent, ConsentRecord, MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from django_diller.staff.member_lookup import LinkRefused, enroll, link_user

pytestmark = pytest.mark.django_db

SHOPPER_EMAIL = "kari.shopper@example.com"
STAFF_EMAIL = "siri.staff@example.com"


@pytest.fixture
def staff(django_user_model):
    """The staff member who recorded a consent (not the one looking at the admin)."""
    return django_user_model.objects.create_user(generate_username(), STAFF_EMAIL, "pw")


@pytest.fixture
def staff_client(client, django_user_model):
    # Django admin's header greets this one by first name, else username: give a first name.
    boss = django_user_model.objects.create_superuser(generate_username(), "boss@example.com", "pw")
    boss.first_name = "Boss"
    boss.save()
    client.force_login(boss)
    return client


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user(generate_username(), SHOPPER_EMAIL, "pw")


@pytest.fixture
def link(shopper):
    return MemberLink.objects.create(
        user=shopper, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.STAFF
    )


@pytest.fixture
def consent(shopper, staff):
    return ConsentRecord.objects.create(
        user=shopper,
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        consent=Consent.SMS,
        given=True,
        source=Source.STAFF,
        recorded_by=staff,
    )


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:diller_{model._meta.model_name}_{view}", args=args)


# the label ----------------------------------------------------------------------------------


def test_an_account_is_named_by_its_email_else_its_username(django_user_model, shopper):
    no_email = django_user_model.objects.create_user("no-email-account", "", "pw")
    assert account_label(shopper) == SHOPPER_EMAIL
    assert account_label(no_email) == "no-email-account"
    assert account_label(None) == "-"


def test_a_member_link_reads_as_the_email_and_the_member(link):
    assert str(link) == f"{SHOPPER_EMAIL} ↔ {SEED_MEMBER_ID}"


# member links -------------------------------------------------------------------------------


def test_the_member_link_list_and_page_show_the_email_not_the_username(staff_client, link, shopper):
    listing = html_of(staff_client.get(admin_url(MemberLink, "changelist")))
    page = html_of(staff_client.get(admin_url(MemberLink, "change", link.pk)))
    for html in (listing, page):
        assert SHOPPER_EMAIL in html
        assert shopper.username not in html
    assert "shop account" in listing.lower()


def test_member_links_are_found_by_email(staff_client, link, django_user_model):
    other = django_user_model.objects.create_user(generate_username(), "ola@example.com", "pw")
    MemberLink.objects.create(
        user=other, store_id=SEED_STORE_ID, member_id="member-other", source=Source.PAGE
    )
    url = admin_url(MemberLink, "changelist")
    found = html_of(staff_client.get(url, {"q": "kari.shopper"}))
    assert SHOPPER_EMAIL in found and "ola@example.com" not in found
    by_username = html_of(staff_client.get(url, {"q": link.user.username}))
    assert SHOPPER_EMAIL not in by_username


def test_an_account_without_email_shows_its_username(staff_client, django_user_model):
    user = django_user_model.objects.create_user("kari-without-email", "", "pw")
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    assert "kari-without-email" in html_of(staff_client.get(admin_url(MemberLink, "changelist")))


# consent records ----------------------------------------------------------------------------


def test_consent_records_show_the_shoppers_and_the_staffs_email(
    staff_client, consent, shopper, staff
):
    listing = html_of(staff_client.get(admin_url(ConsentRecord, "changelist")))
    page = html_of(staff_client.get(admin_url(ConsentRecord, "change", consent.pk)))
    for html in (listing, page):
        assert SHOPPER_EMAIL in html and STAFF_EMAIL in html
        assert shopper.username not in html and staff.username not in html


@pytest.mark.parametrize("query", [SHOPPER_EMAIL, "siri.staff"])
def test_consent_records_are_found_by_either_email(staff_client, consent, query):
    html = html_of(staff_client.get(admin_url(ConsentRecord, "changelist"), {"q": query}))
    assert 'class="field-member_id"' in html and SEED_MEMBER_ID in html


@pytest.mark.parametrize("model", [MemberLink, ConsentRecord])
def test_no_plugin_admin_shows_a_bare_user_column_or_field(model):
    model_admin = site.get_model_admin(model)
    assert "user" not in model_admin.list_display
    assert "recorded_by" not in model_admin.list_display
    assert "user" not in model_admin.fields and "recorded_by" not in model_admin.fields


# the member look-up page --------------------------------------------------------------------


def member_url(name: str, member_id: str = SEED_MEMBER_ID) -> str:
    return reverse(f"admin:diller_member_{name}", args=[member_id])


def test_the_look_up_page_names_the_linked_account_by_email(staff_client, link, shopper):
    html = html_of(staff_client.get(member_url("detail")))
    assert f"Linked to {SHOPPER_EMAIL}" in html
    assert shopper.username not in html


def test_link_and_unlink_messages_name_the_account_by_email(staff_client, shopper):
    linked = html_of(staff_client.post(member_url("link"), {"email": SHOPPER_EMAIL}, follow=True))
    assert f"Linked the shop account {SHOPPER_EMAIL} to the member." in linked
    unlinked = html_of(staff_client.post(member_url("unlink"), follow=True))
    assert f"Unlinked the shop account {SHOPPER_EMAIL} from the member." in unlinked
    for html in (linked, unlinked):
        assert shopper.username not in html


def test_a_refused_link_names_no_account(link, shopper, staff):
    other = enroll("+4740000128", staff_user=staff).member
    with pytest.raises(LinkRefused) as refused:
        link_user(other.id, shopper, staff_user=staff)
    assert str(refused.value) == "This shop account is already linked to another member."
    assert shopper.username not in str(refused.value) and SHOPPER_EMAIL not in str(refused.value)
