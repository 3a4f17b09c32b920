"""Joining with a phone that is not a member: Diller's enroll texts its owner a link, and only
the owner's finishing creates a membership, links the account and records consents. Also the
join page's answers when Diller is down or refuses a field."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from django_diller.members.pending import PENDING_LINK_SESSION_KEY
from django_diller.models import ConsentRecord, JoinInvitation, MemberLink, Source
from django_diller.signals import member_joined

from .conftest import (
    activation_url,
    invitation_token,
    join_and_activate,
    join_data,
    member_with_number,
    texted_to,
)

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The loyalty club can&#x27;t be reached right now."
JOIN = reverse("diller:join")
VERIFY = reverse("diller:join-verify")
ME = reverse("diller:me")
SMS_SENT = "We have sent an SMS to the mobile phone number you gave."
RATE_LIMITED = "Too many codes have been sent"
NO_CONSENT = {
    "gdpr_accepted": False,
    "save_order_history": False,
    "receive_sms": False,
    "receive_email": False,
}

FULL_PROFILE = {
    "phone": "+47 987 65 432",
    "birth_date": "1990-02-03",
    "gender": "Male",
    "street": "Storgata 1",
    "zip_code": "0155",
    "city": "Oslo",
    "country": "NO",
    "segment_2": "2015-06-20",
    "segment_4": ["41", "43"],
    "segment_5": "52",
    "receive_sms": "on",
}


def assert_invited_only(sandbox, member, number: str = "98765432") -> None:
    """Enrolled with the phone alone: no consent, no profile, nothing linked or recorded
    here, and the phone got Diller's invitation, nothing announcing a membership."""
    assert vars(member.consent) == NO_CONSENT
    assert (member.first_name, member.last_name, member.email) == (None, None, None)
    assert member.birth_date is None
    assert member.address is None
    assert member.segments == {}
    assert member.points == 0  # no sign-up bonus: not a member of the club
    assert not MemberLink.objects.exists()
    assert not ConsentRecord.objects.exists()
    texts = texted_to(sandbox, number)
    assert [message.kind for message in texts] == ["enroll_link"]
    assert "member" not in texts[0].text.replace("membership", "")
    assert "invited to join" in texts[0].text
    assert sandbox.requests_for("registerMember") == []


@pytest.fixture
def joined_events():
    events = []

    def receiver(sender, **kwargs):
        events.append(kwargs)

    member_joined.connect(receiver)
    yield events
    member_joined.disconnect(receiver)


def test_anonymous_visitors_are_asked_to_log_in_first(client):
    page = client.get(reverse("diller:join"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "/accounts/login/?next=%2Floyalty%2Fjoin%2F" in html
    assert "diller-join-form" not in html


def test_anonymous_visitors_cannot_post_a_join(client, store_state):
    page = client.post(reverse("diller:join"), join_data())
    assert page.status_code == 200
    assert member_with_number(store_state, "98765432") is None


# a new phone: enrolled, the owner finishes ------------------------------------------------------


def test_a_new_phone_gets_diller_s_invitation_and_nothing_else_before_its_owner_finishes(
    shopper, user, sandbox, store_state, joined_events
):
    response = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert response.status_code == 302
    assert response["Location"] == VERIFY

    member = member_with_number(store_state, "98765432")
    assert_invited_only(sandbox, member)
    assert member.department_ids == ["dept-webshop"]
    assert member.origin["system_id"] == "django-diller"
    assert member.origin["channel"] == "OnlineStore"
    assert joined_events == []
    # Diller was sent the phone, the department and the origin: nothing the shopper typed
    (enrollment,) = sandbox.requests_for("enrollMember")
    assert set(enrollment.json) == {"phone", "department_id", "origin"}
    assert sandbox.requests_for("loginOTP") == []
    # the typed profile and consents wait in the shop, for this account
    invitation = JoinInvitation.objects.get()
    assert (invitation.user, invitation.member_id) == (user, member.id)
    assert invitation.state == JoinInvitation.State.INVITED
    assert invitation.profile["last_name"] == "Nordmann"
    assert invitation.consents == {**NO_CONSENT, "gdpr_accepted": True, "receive_sms": True}

    html = shopper.get(VERIFY).content.decode()
    assert SMS_SENT in html
    assert "If the SMS has a link, open it to finish joining" in html


@pytest.mark.usefixtures("update_mode")
def test_the_owner_following_the_link_finishes_joining_and_the_account_is_linked(
    shopper, user, sandbox, store_state, joined_events
):
    shopper.post(JOIN, join_data(**FULL_PROFILE))
    url = activation_url(invitation_token(sandbox, "98765432"))
    page = shopper.get(url).content.decode()
    # the page shows this account what it typed and ticked, to confirm
    assert 'value="Nordmann"' in page and 'value="Storgata 1"' in page
    assert re.search(r'name="receive_sms"[^>]*checked', page)
    assert not re.search(r'name="receive_email"[^>]*checked', page)
    assert 'name="phone"' not in page

    response = shopper.post(
        url, {k: v for k, v in join_data(**FULL_PROFILE).items() if k != "phone"}
    )
    assert response["Location"] == ME
    assert "Welcome to the loyalty club!" in shopper.get(ME).content.decode()

    member = member_with_number(store_state, "98765432")
    assert (member.first_name, member.last_name, member.email) == (
        "Ola",
        "Nordmann",
        "ola@example.com",
    )
    assert member.birth_date.date().isoformat() == "1990-02-03"
    assert member.gender == "Male"
    assert member.address["city"] == "Oslo"
    assert member.department_ids == ["dept-webshop"]
    assert vars(member.consent) == {**NO_CONSENT, "gdpr_accepted": True, "receive_sms": True}
    assert member.points == 100  # the sign-up bonus, now that the terms are accepted
    answers = member.segments
    assert answers[1].value == "Yirgacheffe"
    assert answers[2].value.startswith("2015-06-20")
    assert answers[4].selected_options == [41, 43]
    # never a welcome SMS: the invitation is all the phone got
    assert [message.kind for message in texted_to(sandbox, "98765432")] == ["enroll_link"]

    link = MemberLink.objects.get(user=user)
    assert (link.member_id, link.source) == (member.id, Source.ACTIVATION)
    records = ConsentRecord.objects.filter(member_id=member.id)
    assert {(r.consent, r.given, r.source) for r in records} == {
        ("gdpr_accepted", True, Source.ACTIVATION),
        ("save_order_history", False, Source.ACTIVATION),
        ("receive_sms", True, Source.ACTIVATION),
        ("receive_email", False, Source.ACTIVATION),
    }
    assert JoinInvitation.objects.get().state == JoinInvitation.State.JOINED
    assert [e["source"] for e in joined_events] == [Source.ACTIVATION]


def test_a_mistyped_phone_gives_the_stranger_an_invitation_and_the_shopper_nothing(
    client, user, other_user, sandbox, store_state
):
    """Ola types Kari's number by mistake. Kari gets an invitation, no membership and none of
    Ola's details; should she finish joining, it is for her own account."""
    client.force_login(user)
    client.post(JOIN, join_data(**FULL_PROFILE))
    assert_invited_only(sandbox, member_with_number(store_state, "98765432"))
    token = invitation_token(sandbox, "98765432")

    kari = Client()
    kari.force_login(other_user)
    page = kari.get(activation_url(token)).content.decode()
    for typed_by_ola in ("Nordmann", "Storgata", "Yirgacheffe", "ola@example.com"):
        assert typed_by_ola not in page
    assert not re.search(r'name="receive_sms"[^>]*checked', page)
    data = join_data(phone=None, first_name="Kari", last_name="Holm", email="kari@example.com")
    assert kari.post(activation_url(token), data)["Location"] == ME

    member = member_with_number(store_state, "98765432")
    assert MemberLink.objects.get(member_id=member.id).user == other_user
    assert not MemberLink.objects.filter(user=user).exists()
    assert (member.first_name, member.consent.receive_sms) == ("Kari", False)
    invitation = JoinInvitation.objects.get(user=user)
    assert invitation.state == JoinInvitation.State.FAILED
    assert invitation.failure == JoinInvitation.Failure.OTHER_ACCOUNT


def test_an_accounts_invitation_asks_an_anonymous_visitor_to_log_in(shopper, sandbox):
    shopper.post(JOIN, join_data(**FULL_PROFILE))
    url = activation_url(invitation_token(sandbox, "98765432"))
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Client().post(url, join_data(phone=None))["Location"].startswith("/accounts/login/")
    assert not MemberLink.objects.exists()


@pytest.mark.parametrize("tokens", ["kept", "cleared"])
def test_an_activation_link_finishes_one_membership_only(
    shopper, user, other_user, sandbox, store_state, tokens
):
    """After joining, Diller may still find the member by the token, or not: the contract does
    not say. Either way the link links no second account."""
    sandbox.settings.members.tokens_after_joining = tokens
    try:
        assert join_and_activate(shopper, sandbox, **FULL_PROFILE)["Location"] == ME
        url = activation_url(invitation_token(sandbox, "98765432"))
        other = Client()
        other.force_login(other_user)
        page = other.get(url)
        assert "diller-activation-invalid" in page.content.decode()
        again = other.post(url, join_data(phone=None, first_name="Mallory"))
        assert "diller-activation-invalid" in again.content.decode()
    finally:
        sandbox.settings.members.tokens_after_joining = "kept"
    assert MemberLink.objects.get().user == user
    assert member_with_number(store_state, "98765432").first_name == "Ola"


def test_a_used_token_is_refused_even_if_its_membership_was_unlinked_since(
    shopper, user, other_user, sandbox
):
    assert join_and_activate(shopper, sandbox)["Location"] == ME
    MemberLink.objects.all().delete()  # staff unlinked the account
    url = activation_url(invitation_token(sandbox, "98765432"))
    other = Client()
    other.force_login(other_user)
    assert "diller-activation-invalid" in other.get(url).content.decode()
    assert not MemberLink.objects.exists()


def test_two_uses_of_one_token_claim_it_once(user, other_user, sandbox):
    from django_diller.members.activation import claim_token
    from django_diller.members.errors import TokenUsed
    from django_diller.members.service import MemberService

    service = MemberService()
    claim_token(service, "the-token", "m-1", user)
    with pytest.raises(TokenUsed):
        claim_token(service, "the-token", "m-1", other_user)


def test_a_code_typed_for_an_invitation_is_refused_like_a_wrong_one(shopper, sandbox):
    shopper.post(JOIN, join_data(**FULL_PROFILE))
    page = shopper.post(VERIFY, {"code": "123456"})
    assert page.status_code == 200
    assert "That code is wrong or has expired. Attempts left: 4." in page.content.decode()
    assert not MemberLink.objects.exists()


def test_sending_again_texts_the_invitation_again(shopper, sandbox):
    shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert shopper.post(VERIFY, {"resend": "1"})["Location"] == VERIFY
    kinds = [message.kind for message in texted_to(sandbox, "98765432")]
    assert kinds == ["enroll_link", "enroll_link"]
    assert sandbox.requests_for("loginOTP") == []


def test_a_later_join_of_the_same_account_replaces_its_invitation(user, sandbox, store_state):
    first = Client()
    first.force_login(user)
    first.post(JOIN, join_data(**FULL_PROFILE))
    second = Client()
    second.force_login(user)
    second.post(JOIN, join_data(phone="41234567", first_name="Olav"))
    states = dict(JoinInvitation.objects.values_list("phone", "state"))
    assert states == {"+4798765432": "expired", "+4741234567": "invited"}


def test_an_unfinished_invitation_is_a_record_a_later_join_proves_by_code(
    user, sandbox, store_state, joined_events
):
    """The invitation was never followed: joining again finds Diller's record and texts it a
    code, which proves the phone as well as the link would."""
    first = Client()
    first.force_login(user)
    first.post(JOIN, join_data(**FULL_PROFILE))
    invited = member_with_number(store_state, "98765432")
    later = Client()
    later.force_login(user)
    assert later.post(JOIN, join_data(first_name="Olav", receive_email="on"))["Location"] == VERIFY
    assert len(sandbox.requests_for("enrollMember")) == 1  # not enrolled twice
    code = str(sandbox.last_otp(invited.id))
    assert later.post(VERIFY, {"code": code})["Location"] == ME
    member = store_state.members[invited.id]
    assert member.first_name == "Olav"
    assert (member.consent.gdpr_accepted, member.consent.receive_email) == (True, True)
    assert MemberLink.objects.get(user=user).member_id == invited.id
    assert JoinInvitation.objects.get().state == JoinInvitation.State.JOINED


def test_joining_is_rate_limited_per_client_address_before_diller_is_asked(
    shopper, sandbox, store_state
):
    cache.set("diller:otp:ip:127.0.0.1", 10, 3600)
    page = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert page.status_code == 200
    assert RATE_LIMITED in page.content.decode()
    assert sandbox.requests_for("enrollMember") == []
    assert sandbox.requests_for("getMemberByFilter") == []
    assert member_with_number(store_state, "98765432") is None


def test_invitations_count_towards_the_per_phone_limit(shopper, sandbox):
    for _ in range(3):  # one invitation, then two joins that find the record and text codes
        assert shopper.post(JOIN, join_data(**FULL_PROFILE))["Location"] == VERIFY
    page = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert RATE_LIMITED in page.content.decode()
    assert len(texted_to(sandbox, "98765432")) == 3


def test_one_address_cannot_invite_many_phones(client, django_user_model, sandbox):
    for n in range(11):
        user = django_user_model.objects.create_user(f"u{n}", f"u{n}@example.com", "pw")
        client.force_login(user)
        page = client.post(JOIN, join_data(phone=f"4{n:07d}", email=f"u{n}@example.com"))
        if n < 10:
            assert page["Location"] == VERIFY
        else:
            assert RATE_LIMITED in page.content.decode()
    assert len(sandbox.requests_for("enrollMember")) == 10


@pytest.mark.usefixtures("update_mode")
def test_the_typed_profile_is_never_logged(shopper, sandbox, caplog):
    with caplog.at_level(logging.DEBUG):
        join_and_activate(shopper, sandbox, **FULL_PROFILE)
    assert MemberLink.objects.exists()
    logged = caplog.text
    for secret in ("Nordmann", "ola@example.com", "Storgata", "Yirgacheffe", "1990-02-03"):
        assert secret not in logged
    assert invitation_token(sandbox, "98765432") not in logged


def test_without_a_web_shop_department_nothing_is_sent(shopper, sandbox, monkeypatch):
    from django_diller.members import join

    shopper.get(JOIN)
    monkeypatch.setattr(join, "current_department_id", lambda: None)
    page = shopper.post(JOIN, join_data())
    assert "Something went wrong with the loyalty club" in page.content.decode()
    assert sandbox.requests_for("enrollMember") == []
    assert PENDING_LINK_SESSION_KEY not in shopper.session


# the page's other answers -----------------------------------------------------------------------


def test_a_linked_shopper_is_sent_to_their_page(shopper, user):
    MemberLink.objects.create(user=user, store_id="demo-store", member_id="x", source="page")
    assert shopper.get(reverse("diller:join"))["Location"] == ME


def test_invalid_input_keeps_what_was_typed(shopper, store_state):
    page = shopper.post(reverse("diller:join"), join_data(phone="12", first_name="Åse"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Åse"' in html
    assert "Enter a valid mobile phone number" in html
    assert member_with_number(store_state, "98765432") is None


def test_diller_down_rerenders_the_form_with_the_input_kept(shopper, sandbox, store_state):
    shopper.get(reverse("diller:join"))  # segments and store are cached now
    with sandbox.inject(error_rate=1.0):
        page = shopper.post(reverse("diller:join"), join_data(first_name="Solveig"))
    assert page.status_code == 200
    html = page.content.decode()
    assert UNAVAILABLE in html
    assert 'value="Solveig"' in html
    assert 'value="98765432"' in html
    assert member_with_number(store_state, "98765432") is None
    assert not MemberLink.objects.exists()
    assert not JoinInvitation.objects.exists()


def test_an_invitation_that_could_not_be_sent_leaves_nothing_waiting(shopper, sandbox):
    shopper.get(reverse("diller:join"))
    with sandbox.inject(error_rate=1.0, only_operations={"enrollMember"}):
        page = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert UNAVAILABLE in page.content.decode()
    assert PENDING_LINK_SESSION_KEY not in shopper.session
    assert not JoinInvitation.objects.exists()
    # Diller is back: the same join goes through
    assert join_and_activate(shopper, sandbox, **FULL_PROFILE)["Location"] == ME


def test_diller_down_before_the_form_can_be_built_is_not_a_500(shopper, sandbox):
    with sandbox.inject(error_rate=1.0):
        page = shopper.get(reverse("diller:join"))
    assert page.status_code == 200
    assert UNAVAILABLE in page.content.decode()


def test_a_diller_validation_error_shows_on_its_field(shopper, sandbox):
    shopper.get(reverse("diller:join"))
    sandbox.override_response(
        "enrollMember",
        400,
        {
            "type": "about:blank",
            "title": "Validation failed",
            "status": 400,
            "detail": "secret internals",
            "errors": {"phone": ["This phone number is not accepted."]},
        },
    )
    page = shopper.post(reverse("diller:join"), join_data())
    assert page.status_code == 200
    html = page.content.decode()
    assert "This phone number is not accepted." in html
    assert "secret internals" not in html
    assert not MemberLink.objects.exists()
    assert not JoinInvitation.objects.exists()


def test_diller_down_on_a_first_post_still_keeps_the_input(shopper, sandbox):
    # Nothing cached: the form's segments can't be fetched, the typed fields are shown again.
    with sandbox.inject(error_rate=1.0):
        page = shopper.post(reverse("diller:join"), join_data(first_name="Sigrid"))
    assert page.status_code == 200
    html = page.content.decode()
    assert UNAVAILABLE in html
    assert 'value="Sigrid"' in html
    assert 'value="98765432"' in html


def test_an_account_linked_in_another_store_gets_a_message_not_a_redirect_loop(shopper, user):
    MemberLink.objects.create(user=user, store_id="old-store", member_id="x", source="page")
    page = shopper.post(reverse("diller:join"), join_data())
    assert page.status_code == 200
    assert "Your account is already linked to a membership." in page.content.decode()


def test_guessing_activation_tokens_is_limited_per_client_address(client, user):
    client.force_login(user)
    for n in range(10):
        page = client.get(reverse("diller:activate"), {"token": f"guess-{n}"})
        assert page.status_code == 200
    assert client.get(reverse("diller:activate"), {"token": "guess-11"}).status_code == 429


def test_the_sandbox_messages_page_shows_the_invitation_as_a_link_to_this_shop(shopper, sandbox):
    shopper.post(JOIN, join_data())
    html = shopper.get(reverse("diller:sandbox-messages")).content.decode()
    link = re.search(r'<td class="link"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    token = invitation_token(sandbox, "98765432")
    assert link == f"http://testserver/loyalty/activate/?token={token}"
    page = shopper.get(link)
    assert page.status_code == 200
    assert 'id="diller-activate-form"' in page.content.decode()


def test_what_was_typed_is_not_kept_once_the_invitation_ends(user, sandbox):
    first = Client()
    first.force_login(user)
    first.post(JOIN, join_data(**FULL_PROFILE))
    assert join_and_activate(first, sandbox, phone="41234567")["Location"] == ME
    profiles = dict(JoinInvitation.objects.values_list("phone", "profile"))
    assert profiles == {"+4798765432": {}, "+4741234567": {}}  # replaced, and joined
