"""An existing member: prove ownership with the code texted to the member's phone, then link.
The typed profile is applied; the consent records keep what Diller had apart from what the
shopper ticked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from django_diller.members.pending import PENDING_LINK_SESSION_KEY
from django_diller.models import ConsentRecord, MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_EMAIL, SEED_MEMBER_ID, SEED_MEMBER_NATIONAL_PHONE
from django_diller.signals import member_joined

from .conftest import join_data

pytestmark = pytest.mark.django_db

VERIFY = reverse("diller:join-verify")


def start(shopper, **overrides):
    data = join_data(phone=SEED_MEMBER_NATIONAL_PHONE, email="someone@example.com", **overrides)
    return shopper.post(reverse("diller:join"), data)


def wrong_code(right: int) -> str:
    return f"{(right + 1) % 900_000 + 100_000:06d}"


def test_an_existing_phone_gets_a_code_and_never_sees_the_members_details(shopper, sandbox):
    response = start(shopper)
    assert response["Location"] == VERIFY
    assert sandbox.last_otp(SEED_MEMBER_ID) is not None
    html = shopper.get(VERIFY).content.decode()
    assert "We have sent an SMS to the mobile phone number you gave." in html
    # The same words for everyone: the SMS may have gone to the number of the membership the
    # e-mail address belongs to, which the page must not tell apart.
    assert "If a membership with another mobile number has your e-mail address" in html
    assert "already belongs to a member" not in html  # the same page as for a new phone
    for secret in (
        SEED_MEMBER_NATIONAL_PHONE,
        "91 23 45 67",
        SEED_MEMBER_EMAIL,
        "Kari",
        "Nordmann",
    ):
        assert secret not in html
    assert not MemberLink.objects.exists()


def test_an_existing_email_also_needs_the_code(shopper, sandbox):
    response = shopper.post(
        reverse("diller:join"), join_data(phone="41112222", email=SEED_MEMBER_EMAIL)
    )
    assert response["Location"] == VERIFY
    assert sandbox.last_otp(SEED_MEMBER_ID) is not None


def test_the_right_code_links_the_member(shopper, user, sandbox):
    events = []
    member_joined.connect(lambda sender, **kw: events.append(kw), weak=False, dispatch_uid="t1")
    try:
        start(shopper)
        code = sandbox.last_otp(SEED_MEMBER_ID)
        response = shopper.post(VERIFY, {"code": str(code)})
    finally:
        member_joined.disconnect(dispatch_uid="t1")
    assert response["Location"] == reverse("diller:me-edit")
    link = MemberLink.objects.get(user=user)
    assert link.member_id == SEED_MEMBER_ID
    assert events[0]["member_id"] == SEED_MEMBER_ID
    assert events[0]["source"] == Source.PAGE
    assert PENDING_LINK_SESSION_KEY not in shopper.session
    # and the edit page shows the membership with what the shopper typed
    html = shopper.get(reverse("diller:me-edit")).content.decode()
    assert "Your membership is now linked to your account, with the details you typed." in html
    assert 'value="Yirgacheffe"' in html


def test_a_wrong_code_is_refused(shopper, user, sandbox):
    start(shopper)
    page = shopper.post(VERIFY, {"code": wrong_code(sandbox.last_otp(SEED_MEMBER_ID))})
    assert page.status_code == 200
    assert "That code is wrong or has expired. Attempts left: 4." in page.content.decode()
    assert not MemberLink.objects.exists()


def test_a_wrong_code_refused_with_problem_details_is_said_on_the_field(shopper, sandbox):
    sandbox.settings.members.wrong_code_answer = "problem"  # a 400 naming otp_code
    try:
        start(shopper)
        page = shopper.post(VERIFY, {"code": wrong_code(sandbox.last_otp(SEED_MEMBER_ID))})
    finally:
        sandbox.settings.members.wrong_code_answer = "action"
    assert page.status_code == 200
    assert "code" in page.context["form"].errors
    assert "That code is wrong or has expired. Attempts left: 4." in page.content.decode()
    assert not MemberLink.objects.exists()


def test_five_wrong_codes_void_the_pending_link(shopper, sandbox):
    start(shopper)
    right = sandbox.last_otp(SEED_MEMBER_ID)
    for _ in range(4):
        assert shopper.post(VERIFY, {"code": wrong_code(right)}).status_code == 200
    fifth = shopper.post(VERIFY, {"code": wrong_code(right)})
    assert fifth["Location"] == reverse("diller:join")
    assert PENDING_LINK_SESSION_KEY not in shopper.session
    # even the right code does nothing now
    after = shopper.post(VERIFY, {"code": str(right)})
    assert after["Location"] == reverse("diller:join")
    assert not MemberLink.objects.exists()


def test_an_expired_pending_link_is_void(shopper, sandbox):
    start(shopper)
    session = shopper.session
    pending = session[PENDING_LINK_SESSION_KEY]
    pending["expires_at"] = 0
    session[PENDING_LINK_SESSION_KEY] = pending
    session.save()
    response = shopper.post(VERIFY, {"code": str(sandbox.last_otp(SEED_MEMBER_ID))})
    assert response["Location"] == reverse("diller:join")
    assert not MemberLink.objects.exists()


def test_a_code_expired_at_diller_is_refused(shopper, sandbox):
    start(shopper)
    code = sandbox.last_otp(SEED_MEMBER_ID)
    real_clock = sandbox.clock
    sandbox.clock = lambda: real_clock() + timedelta(minutes=6)
    page = shopper.post(VERIFY, {"code": str(code)})
    assert page.status_code == 200
    assert "That code is wrong or has expired" in page.content.decode()
    assert not MemberLink.objects.exists()


def test_the_pending_link_belongs_to_the_user_who_asked(client, user, other_user, sandbox):
    client.force_login(user)
    start(client)
    code = sandbox.last_otp(SEED_MEMBER_ID)
    session_data = dict(client.session[PENDING_LINK_SESSION_KEY])
    client.force_login(other_user)
    session = client.session
    session[PENDING_LINK_SESSION_KEY] = session_data
    session.save()
    response = client.post(VERIFY, {"code": str(code)})
    assert response["Location"] == reverse("diller:join")
    assert not MemberLink.objects.exists()


def test_no_more_than_three_codes_per_phone(shopper, sandbox):
    for _ in range(3):
        assert start(shopper)["Location"] == VERIFY
    sent = len(sandbox.requests_for("loginOTP"))
    page = start(shopper)
    assert page.status_code == 200
    assert "Too many codes have been sent" in page.content.decode()
    assert len(sandbox.requests_for("loginOTP")) == sent == 3


def test_resending_counts_towards_the_limit(shopper, sandbox):
    start(shopper)
    assert shopper.post(VERIFY, {"resend": "1"})["Location"] == VERIFY
    assert shopper.post(VERIFY, {"resend": "1"})["Location"] == VERIFY
    page = shopper.post(VERIFY, {"resend": "1"})
    assert "Too many codes have been sent" in page.content.decode()
    assert len(sandbox.requests_for("loginOTP")) == 3


def test_no_more_than_ten_codes_per_client_address(shopper, sandbox):
    cache.set("diller:otp:ip:127.0.0.1", 10, 3600)
    page = start(shopper)
    assert "Too many codes have been sent" in page.content.decode()
    assert sandbox.requests_for("loginOTP") == []


def test_a_member_linked_to_another_account_is_told_so_only_after_the_code(
    shopper, user, other_user, sandbox
):
    """The join page answers as for any phone (it tells nobody that the number is a member's,
    linked elsewhere); the phone's owner learns it once the code proved the phone."""
    MemberLink.objects.create(
        user=other_user, store_id="demo-store", member_id=SEED_MEMBER_ID, source="page"
    )
    assert start(shopper)["Location"] == VERIFY
    page = shopper.post(VERIFY, {"code": str(sandbox.last_otp(SEED_MEMBER_ID))})
    assert page.status_code == 200
    assert "already linked to another account" in page.content.decode()
    assert MemberLink.objects.get(member_id=SEED_MEMBER_ID).user == other_user
    assert not MemberLink.objects.filter(user=user).exists()
    assert not ConsentRecord.objects.exists()


def test_the_verify_page_without_a_pending_link_goes_back_to_join(shopper):
    assert shopper.get(VERIFY)["Location"] == reverse("diller:join")


def test_the_member_id_is_never_taken_from_the_browser(shopper, sandbox):
    start(shopper)
    code = sandbox.last_otp(SEED_MEMBER_ID)
    shopper.post(VERIFY, {"code": str(code), "member_id": "someone-else"})
    assert MemberLink.objects.get().member_id == SEED_MEMBER_ID


@pytest.mark.usefixtures("update_mode")
def test_an_enrolled_member_linked_by_code_gets_the_consents_ticked_on_the_form(
    shopper, user, sandbox, store_state
):
    from django_diller.api import models as m
    from django_diller.loyalty.connection import get_client

    enrolled = get_client().enroll_member(
        m.EnrollMemberRequest(
            phone=m.Phone(country_code="+47", number="45454545"), department_id="dept-webshop"
        )
    )
    shopper.post(reverse("diller:join"), join_data(phone="45454545", receive_sms="on"))
    assert shopper.session[PENDING_LINK_SESSION_KEY]["profile"]["first_name"] == "Ola"
    response = shopper.post(VERIFY, {"code": str(sandbox.last_otp(enrolled.id))})
    assert response["Location"] == reverse("diller:me")  # joined now: welcome
    member = store_state.members[enrolled.id]
    assert member.consent.gdpr_accepted is True
    assert member.consent.receive_sms is True
    assert member.consent.receive_email is False
    assert (member.first_name, member.last_name) == ("Ola", "Nordmann")  # the typed profile
    assert member.segments[1].value == "Yirgacheffe"
    assert MemberLink.objects.get(user=user).member_id == enrolled.id
    given = ConsentRecord.objects.filter(member_id=enrolled.id, given=True)
    assert {r.consent for r in given} == {"gdpr_accepted", "receive_sms"}


@pytest.mark.usefixtures("update_mode")
def test_linking_a_member_records_dillers_consents_as_diller_had_them(
    shopper, user, sandbox, store_state
):
    """The shopper ticked only "join": the member's purchase history, SMS and e-mail consents
    are Diller's, recorded as such, not as given on the loyalty page."""
    start(shopper)  # the form ticks only "join"
    shopper.post(VERIFY, {"code": str(sandbox.last_otp(SEED_MEMBER_ID))})
    rows = ConsentRecord.objects.filter(member_id=SEED_MEMBER_ID)
    assert {(r.consent, r.given, r.source) for r in rows} == {
        ("gdpr_accepted", True, Source.DILLER),
        ("save_order_history", True, Source.DILLER),
        ("receive_sms", True, Source.DILLER),
        ("receive_email", True, Source.DILLER),
    }
    assert all(r.user == user for r in rows)
    member = store_state.members[SEED_MEMBER_ID]
    assert (member.consent.receive_sms, member.consent.receive_email) == (True, True)


@pytest.mark.usefixtures("update_mode")
def test_a_consent_the_shopper_ticks_is_given_from_the_page_and_an_unticked_one_kept(
    shopper, user, sandbox, store_state
):
    consent = store_state.members[SEED_MEMBER_ID].consent
    consent.receive_sms, consent.receive_email = False, True
    start(shopper, receive_sms="on")  # e-mail left unticked
    shopper.post(VERIFY, {"code": str(sandbox.last_otp(SEED_MEMBER_ID))})
    member = store_state.members[SEED_MEMBER_ID]
    assert (member.consent.receive_sms, member.consent.receive_email) == (True, True)
    page_rows = ConsentRecord.objects.filter(member_id=SEED_MEMBER_ID, source=Source.PAGE)
    assert [(r.consent, r.given) for r in page_rows] == [("receive_sms", True)]
    diller_rows = ConsentRecord.objects.filter(member_id=SEED_MEMBER_ID, source=Source.DILLER)
    assert {r.consent for r in diller_rows} == {
        "gdpr_accepted",
        "save_order_history",
        "receive_email",
    }  # SMS not given at Diller and never recorded here: nothing to say
    (update,) = sandbox.requests_for("updateMember")
    assert update.json["consent"] == {
        "gdpr_accepted": True,
        "save_order_history": True,
        "receive_sms": True,
        "receive_email": True,
    }


@pytest.mark.usefixtures("update_mode")
def test_a_full_members_typed_profile_is_applied_after_the_code(shopper, sandbox, store_state):
    before = store_state.members[SEED_MEMBER_ID]
    hidden = before.segments[6].value
    start(shopper, first_name="Kari Anne", segment_1="Decaf")
    pending = shopper.session[PENDING_LINK_SESSION_KEY]
    assert pending["profile"]["first_name"] == "Kari Anne"
    assert pending["joining"] is False
    assert sandbox.requests_for("updateMember") == []  # nothing before the code
    shopper.post(VERIFY, {"code": str(sandbox.last_otp(SEED_MEMBER_ID))})
    after = store_state.members[SEED_MEMBER_ID]
    assert (after.first_name, after.segments[1].value) == ("Kari Anne", "Decaf")
    assert after.email == "someone@example.com"
    assert after.segments[6].value == hidden  # a question the page does not show
    assert after.consent.gdpr_accepted is True
    assert sandbox.requests_for("registerMember") == []


@pytest.mark.usefixtures("update_mode")
def test_a_refused_profile_says_which_fields_the_membership_kept(shopper, sandbox, store_state):
    email = store_state.members[SEED_MEMBER_ID].email
    start(shopper, receive_sms="on")
    sandbox.override_response("updateMember", 409, {"status": 409, "errors": {"email": ["Taken."]}})
    response = shopper.post(VERIFY, {"code": str(sandbox.last_otp(SEED_MEMBER_ID))})
    assert response["Location"] == reverse("diller:me-edit")
    html = shopper.get(reverse("diller:me-edit")).content.decode()
    assert "your membership kept its own: E-mail. Please check them." in html
    member = store_state.members[SEED_MEMBER_ID]
    assert member.email == email
    assert MemberLink.objects.get().member_id == SEED_MEMBER_ID


def test_a_verified_code_survives_diller_failing_right_after(shopper, user, sandbox):
    start(shopper)
    code = str(sandbox.last_otp(SEED_MEMBER_ID))
    with sandbox.inject(error_rate=1.0, only_operations={"getMemberById"}):
        page = shopper.post(VERIFY, {"code": code})
    assert page.status_code == 200
    assert "can&#x27;t be reached right now" in page.content.decode()
    assert not MemberLink.objects.exists()
    # Diller is back: the same code (already used up at Diller) now finishes the link
    assert shopper.post(VERIFY, {"code": code})["Location"] == reverse("diller:me-edit")
    assert MemberLink.objects.get(user=user).member_id == SEED_MEMBER_ID


def test_wrong_codes_from_several_sessions_count_together(shopper, user, sandbox):
    """A second browser (or parallel requests) does not get five more guesses at one code."""
    from django.test import Client

    start(shopper)
    right = sandbox.last_otp(SEED_MEMBER_ID)
    second = Client()
    second.force_login(user)
    second_session = second.session
    second_session[PENDING_LINK_SESSION_KEY] = shopper.session[PENDING_LINK_SESSION_KEY]
    second_session.save()
    for _ in range(3):
        shopper.post(VERIFY, {"code": wrong_code(right)})
    second.post(VERIFY, {"code": wrong_code(right)})
    fifth = second.post(VERIFY, {"code": wrong_code(right)})
    assert fifth["Location"] == reverse("diller:join")
    assert shopper.post(VERIFY, {"code": str(right)})["Location"] == reverse("diller:join")
    assert not MemberLink.objects.exists()
