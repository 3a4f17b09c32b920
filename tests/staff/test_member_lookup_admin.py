"""The staff member look-up page, and the member link / consent record lists, in Django admin."""

import logging

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import Consent, ConsentRecord, MemberLink, Source
from django_diller.sandbox.seed import (
    COUPON_FIXED50,
    COUPON_PCT10,
    SEED_MEMBER_EMAIL,
    SEED_MEMBER_ID,
    SEED_MEMBER_IDENTIFIER,
    SEED_MEMBER_NATIONAL_PHONE,
    SEED_MEMBER_PHONE,
    SEED_STORE_ID,
)
from django_diller.signals import member_joined, member_left

pytestmark = pytest.mark.django_db
LOOKUP = "admin:diller_member_lookup"
ENROLL = "admin:diller_member_enroll"
FAST_FAILURE = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "RETRY_ATTEMPTS": 1}


def member_url(name, member_id=SEED_MEMBER_ID):
    return reverse(f"admin:diller_member_{name}", args=[member_id])


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss@example.com", "boss@example.com", "pw")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user("kari@example.com", "kari@example.com", "pw")


@pytest.fixture
def captured_signals():
    sent = []

    def joined(sender, **kwargs):
        sent.append(("joined", kwargs))

    def left(sender, **kwargs):
        sent.append(("left", kwargs))

    member_joined.connect(joined, weak=False)
    member_left.connect(left, weak=False)
    yield sent
    member_joined.disconnect(joined)
    member_left.disconnect(left)


def search(client, kind, value, **extra):
    return client.post(reverse(LOOKUP), {"kind": kind, "value": value}, **extra)


def assert_no_personal_data(html):
    for secret in (
        SEED_MEMBER_PHONE,
        SEED_MEMBER_NATIONAL_PHONE,
        "912 34 567",
        SEED_MEMBER_EMAIL,
        SEED_MEMBER_IDENTIFIER,
    ):
        assert secret not in html


# Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", SEED_MEMBER_PHONE),
        ("phone", "912 34 567"),  # national: read in the store's country (nb-NO)
        ("phone", "0047" + SEED_MEMBER_NATIONAL_PHONE),
        ("email", SEED_MEMBER_EMAIL),
        ("email", SEED_MEMBER_EMAIL.upper()),
        ("identifier", SEED_MEMBER_IDENTIFIER),
    ],
)
def test_each_key_finds_the_demo_member_and_shows_only_masked_values(staff_client, kind, value):
    page = search(staff_client, kind, value)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Kari Nordmann" in html
    assert "+47 ••• •• 567" in html
    assert "d•••@example.com" in html
    assert "••••••••345" in html
    assert ">SSN<" in html  # the store's identifier type labels the identifier
    assert_no_personal_data(html)
    assert value not in html  # the searched value is not echoed, not even in the search box


def test_the_page_shows_consents_points_level_coupons_and_stamp_cards(staff_client):
    html = search(staff_client, "phone", SEED_MEMBER_PHONE).content.decode()
    assert "joined the loyalty club (terms and privacy policy): yes" in html
    assert "marketing by SMS: yes" in html
    assert "1250" in html
    assert "Silver" in html  # 1250 points: the Silver level
    assert COUPON_PCT10 in html and COUPON_FIXED50 in html
    assert "10 %" in html and "50.00 NOK" in html
    assert "Free shipping" in html
    assert 'class="diller-stamps">' in html
    for card in embedded_sandbox().state.stores[SEED_STORE_ID].stamp_cards.values():
        if card.title:
            assert card.title in html


def test_coupons_and_stamp_cards_match_diller(staff_client):
    from django_diller.loyalty.connection import get_client

    client = get_client()
    coupons = client.get_member_coupons(SEED_MEMBER_ID)
    cards = client.get_member_stamp_cards(SEED_MEMBER_ID)
    assert coupons and cards
    page = staff_client.get(member_url("detail"))
    html = page.content.decode()
    assert page.status_code == 200
    for coupon in coupons:
        assert f"<code>{coupon.code}</code>" in html
    for card in cards:
        assert f"{card.stamps_collected or 0}/{card.required_stamps}" in html
    assert_no_personal_data(html)


def test_no_match_says_no_member_found(staff_client):
    html = search(staff_client, "email", "nobody@example.com").content.decode()
    assert "No member found" in html
    assert "nobody@example.com" not in html
    assert "n•••@example.com" in html  # the masked search value


def test_an_invalid_phone_number_is_a_message(staff_client):
    page = search(staff_client, "phone", "12")
    assert page.status_code == 200
    assert "Enter a valid mobile phone number" in page.content.decode()


def test_an_empty_value_is_a_form_error(staff_client):
    page = search(staff_client, "phone", "")
    assert page.status_code == 200
    assert page.context["search_form"].errors["value"]


def test_the_get_page_shows_the_forms(staff_client):
    page = staff_client.get(reverse(LOOKUP))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="diller-member-search"' in html and 'id="diller-enroll-form"' in html
    assert "csrfmiddlewaretoken" in html


def test_searched_values_are_not_logged(staff_client, caplog):
    with caplog.at_level(logging.DEBUG):
        search(staff_client, "phone", SEED_MEMBER_PHONE)
        search(staff_client, "email", SEED_MEMBER_EMAIL)
        search(staff_client, "identifier", SEED_MEMBER_IDENTIFIER)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records  # the look-up and the HTTP client did log the calls...
    for secret in (SEED_MEMBER_NATIONAL_PHONE, "demo.member", SEED_MEMBER_IDENTIFIER):
        assert secret not in logged  # ...without the searched values


# Enroll --------------------------------------------------------------------------------------


def test_enrolling_a_number_texts_a_link(staff_client):
    sandbox = embedded_sandbox()
    response = staff_client.post(reverse(ENROLL), {"phone": "+47 400 00 123"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    sent = [m for m in sandbox.messages if m.kind == "enroll_link"]
    assert [m.to for m in sent] == ["+4740000123"]
    assert "texted +47 ••• •• 123 a link" in html
    assert "40000123" not in html
    (request,) = sandbox.requests_for("enrollMember")
    assert request.json["phone"] == {"country_code": "+47", "number": "40000123"}
    assert request.json["department_id"] == "dept-webshop"
    assert request.json["origin"] == {
        "system_id": "django-diller",
        "department_id": "dept-webshop",
        "channel": "OnlineStore",
        "employee_id": str(staff_client.user.pk),
    }
    # the member page of the new member follows
    assert response.redirect_chain[-1][0].startswith("/admin/diller/memberlink/lookup/member/")


def test_a_national_number_is_read_in_the_store_country(staff_client):
    staff_client.post(reverse(ENROLL), {"phone": "400 00 124"})
    (request,) = embedded_sandbox().requests_for("enrollMember")
    assert request.json["phone"] == {"country_code": "+47", "number": "40000124"}


def test_enrolling_an_existing_member_says_so(staff_client):
    html = staff_client.post(
        reverse(ENROLL), {"phone": SEED_MEMBER_PHONE}, follow=True
    ).content.decode()
    assert "already a member" in html
    assert not [m for m in embedded_sandbox().messages if m.kind == "enroll_link"]
    assert_no_personal_data(html)


def test_enrolling_an_invalid_number_is_a_message(staff_client):
    html = staff_client.post(reverse(ENROLL), {"phone": "123"}, follow=True).content.decode()
    assert "Enter a valid mobile phone number" in html
    assert not embedded_sandbox().requests_for("enrollMember")


# Link / unlink -------------------------------------------------------------------------------


def test_link_and_unlink_a_shop_account(staff_client, shopper, captured_signals):
    response = staff_client.post(member_url("link"), {"email": "KARI@example.com"}, follow=True)
    html = response.content.decode()
    assert "Linked the shop account" in html
    link = MemberLink.objects.get()
    assert (link.user, link.member_id, link.store_id, link.source) == (
        shopper,
        SEED_MEMBER_ID,
        SEED_STORE_ID,
        Source.STAFF,
    )
    assert 'class="diller-unlink-form"' in html
    assert captured_signals == [
        (
            "joined",
            {
                "signal": member_joined,
                "user": shopper,
                "member_id": SEED_MEMBER_ID,
                "store_id": SEED_STORE_ID,
                "source": Source.STAFF,
            },
        )
    ]

    html = staff_client.post(member_url("unlink"), follow=True).content.decode()
    assert "Unlinked the shop account" in html
    assert not MemberLink.objects.exists()
    assert captured_signals[1] == (
        "left",
        {
            "signal": member_left,
            "user": shopper,
            "member_id": SEED_MEMBER_ID,
            "store_id": SEED_STORE_ID,
        },
    )


def test_a_second_link_is_refused(staff_client, shopper, django_user_model, captured_signals):
    staff_client.post(member_url("link"), {"email": shopper.email})
    other = django_user_model.objects.create_user("ola@example.com", "ola@example.com", "pw")

    html = staff_client.post(
        member_url("link"), {"email": other.email}, follow=True
    ).content.decode()
    assert "already linked to another shop account" in html

    from django_diller.staff.member_lookup import enroll

    other_member = enroll("+4740000127", staff_user=staff_client.user).member
    html = staff_client.post(
        member_url("link", other_member.id), {"email": shopper.email}, follow=True
    ).content.decode()
    assert "already linked to another member" in html

    assert MemberLink.objects.count() == 1
    assert len(captured_signals) == 1


def test_linking_to_an_unknown_account_or_member_is_refused(staff_client, shopper):
    html = staff_client.post(
        member_url("link"), {"email": "nobody@example.com"}, follow=True
    ).content.decode()
    assert "no shop account with this e-mail" in html
    html = staff_client.post(
        member_url("link", "member-nowhere"), {"email": shopper.email}, follow=True
    ).content.decode()
    assert "Diller does not know it" in html
    assert not MemberLink.objects.exists()


def test_unlinking_a_member_without_a_link_is_a_message(staff_client):
    html = staff_client.post(member_url("unlink"), follow=True).content.decode()
    assert "not linked to a shop account" in html


def test_link_needs_post_and_csrf(staff_client, shopper, client, django_user_model):
    assert staff_client.get(member_url("link")).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_client.user)
    assert strict.post(member_url("link"), {"email": shopper.email}).status_code == 403
    assert strict.post(reverse(LOOKUP), {"kind": "email", "value": "x@y.z"}).status_code == 403
    assert not MemberLink.objects.exists()


# Permissions ---------------------------------------------------------------------------------


def test_customers_are_sent_to_the_admin_login(client, shopper):
    client.force_login(shopper)
    for url in (reverse(LOOKUP), member_url("detail")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(member_url("link"), {"email": shopper.email}).status_code == 302
    assert not MemberLink.objects.exists()


def test_staff_without_the_permission_are_refused(client, django_user_model, shopper):
    clerk = django_user_model.objects.create_user(
        "clerk@example.com", "clerk@example.com", "pw", is_staff=True
    )
    clerk.user_permissions.add(Permission.objects.get(codename="view_memberlink"))
    client.force_login(clerk)
    assert client.get(reverse(LOOKUP)).status_code == 403
    assert search(client, "phone", SEED_MEMBER_PHONE).status_code == 403
    assert client.get(member_url("detail")).status_code == 403
    assert client.post(member_url("link"), {"email": shopper.email}).status_code == 403
    assert client.post(reverse(ENROLL), {"phone": "40000125"}).status_code == 403
    assert not MemberLink.objects.exists()
    # the list is still viewable, without the look-up button
    html = client.get(reverse("admin:diller_memberlink_changelist")).content.decode()
    assert "diller-member-lookup-link" not in html


def test_staff_with_the_change_permission_may_look_up(client, django_user_model):
    clerk = django_user_model.objects.create_user(
        "clerk@example.com", "clerk@example.com", "pw", is_staff=True
    )
    clerk.user_permissions.add(Permission.objects.get(codename="change_memberlink"))
    client.force_login(clerk)
    assert "Kari Nordmann" in search(client, "phone", SEED_MEMBER_PHONE).content.decode()
    html = client.get(reverse("admin:diller_memberlink_changelist")).content.decode()
    assert "diller-member-lookup-link" in html


# Diller failing ------------------------------------------------------------------------------


def test_diller_down_is_a_message_not_a_500(staff_client, shopper):
    with override_settings(DILLER=FAST_FAILURE):
        sandbox = embedded_sandbox()
        with sandbox.inject(error_rate=1.0):
            pages = [
                staff_client.get(reverse(LOOKUP)),
                search(staff_client, "phone", SEED_MEMBER_PHONE),
                staff_client.get(member_url("detail")),
                staff_client.post(reverse(ENROLL), {"phone": "40000126"}, follow=True),
                staff_client.post(member_url("link"), {"email": shopper.email}, follow=True),
            ]
    for page in pages:
        assert page.status_code == 200
        assert "could not be reached" in page.content.decode()
    assert not MemberLink.objects.exists()


def test_diller_down_after_the_store_was_read(staff_client):
    with override_settings(DILLER=FAST_FAILURE):
        staff_client.get(reverse(LOOKUP))  # the store's details are now cached
        with embedded_sandbox().inject(error_rate=1.0):
            page = search(staff_client, "email", SEED_MEMBER_EMAIL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "could not be reached" in html
    assert_no_personal_data(html)


def test_an_unknown_member_id_is_a_message(staff_client):
    page = staff_client.get(member_url("detail", "member-nowhere"))
    assert page.status_code == 200
    assert "Diller does not know it" in page.content.decode()


# The lists -----------------------------------------------------------------------------------


@pytest.fixture
def records(shopper, django_user_model):
    ola = django_user_model.objects.create_user("ola@example.com", "ola@example.com", "pw")
    MemberLink.objects.create(
        user=shopper, store_id=SEED_STORE_ID, member_id="m-kari", source=Source.STAFF
    )
    MemberLink.objects.create(
        user=ola, store_id="other-store", member_id="m-ola", source=Source.CHECKOUT
    )
    ConsentRecord.objects.create(
        user=shopper,
        store_id=SEED_STORE_ID,
        member_id="m-kari",
        consent=Consent.GDPR,
        given=True,
        source=Source.PAGE,
    )
    ConsentRecord.objects.create(
        user=ola,
        store_id=SEED_STORE_ID,
        member_id="m-ola",
        consent=Consent.SMS,
        given=False,
        source=Source.CHECKOUT,
        order_number="100042",
    )


def changelist(client, model, query=""):
    response = client.get(reverse(f"admin:diller_{model}_changelist") + query)
    assert response.status_code == 200
    return response


def test_the_member_link_list_loads_filters_and_searches(staff_client, records):
    html = changelist(staff_client, "memberlink").content.decode()
    assert "m-kari" in html and "m-ola" in html
    assert "diller-member-lookup-link" in html
    only = changelist(staff_client, "memberlink", "?source__exact=checkout").context["cl"]
    assert [link.member_id for link in only.result_list] == ["m-ola"]
    only = changelist(staff_client, "memberlink", f"?store_id={SEED_STORE_ID}").context["cl"]
    assert [link.member_id for link in only.result_list] == ["m-kari"]
    only = changelist(staff_client, "memberlink", "?q=ola@example").context["cl"]
    assert [link.member_id for link in only.result_list] == ["m-ola"]


def test_the_member_link_list_is_read_only(staff_client, records):
    link = MemberLink.objects.get(member_id="m-kari")
    assert staff_client.get(reverse("admin:diller_memberlink_add")).status_code == 403
    change = staff_client.get(reverse("admin:diller_memberlink_change", args=[link.pk]))
    assert change.status_code == 200
    assert 'name="member_id"' not in change.content.decode()  # view-only
    delete = staff_client.post(reverse("admin:diller_memberlink_delete", args=[link.pk]))
    assert delete.status_code == 403
    assert MemberLink.objects.filter(pk=link.pk).exists()


def test_the_consent_record_list_loads_and_filters(staff_client, records):
    html = changelist(staff_client, "consentrecord").content.decode()
    assert "m-kari" in html and "100042" in html
    for query, expected in [
        ("?consent__exact=receive_sms", ["m-ola"]),
        ("?given__exact=1", ["m-kari"]),
        ("?source__exact=page", ["m-kari"]),
        ("?member_id=m-ola", ["m-ola"]),
        (f"?recorded_at__year={timezone.now().year}", ["m-ola", "m-kari"]),
        ("?recorded_at__year=2000", []),
    ]:
        cl = changelist(staff_client, "consentrecord", query).context["cl"]
        assert sorted(r.member_id for r in cl.result_list) == sorted(expected), query


def test_consent_records_cannot_be_changed_or_deleted(staff_client, records):
    record = ConsentRecord.objects.first()
    assert staff_client.get(reverse("admin:diller_consentrecord_add")).status_code == 403
    delete = staff_client.post(reverse("admin:diller_consentrecord_delete", args=[record.pk]))
    assert delete.status_code == 403
    response = staff_client.post(
        reverse("admin:diller_consentrecord_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert ConsentRecord.objects.count() == 2


def test_the_diller_app_index_links_the_look_up(staff_client):
    html = staff_client.get(reverse("admin:app_list", args=["diller"])).content.decode()
    assert reverse(LOOKUP) in html
