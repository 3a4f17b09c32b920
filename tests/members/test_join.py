"""Joining: anonymous visitors, a new phone proven by a one-time code before it is linked,
Diller down, Diller refusing a field."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from django_diller.models import ConsentRecord, MemberLink, Source
from django_diller.services.members import PENDING_LINK_SESSION_KEY
from django_diller.signals import member_joined

from .conftest import join_and_verify, join_data, member_with_number, texted_code

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The loyalty club can&#x27;t be reached right now."
JOIN = reverse("diller:join")
VERIFY = reverse("diller:join-verify")
CODE_SENT = "We sent a code by SMS to the mobile phone number of the membership."
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


def wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 900_000 + 100_000:06d}"


def assert_unconsented_and_bare(member):
    """Registered with the phone alone: no consent, no profile, nothing linked here."""
    assert vars(member.consent) == NO_CONSENT
    assert (member.first_name, member.last_name, member.email) == (None, None, None)
    assert member.birth_date is None
    assert member.address is None
    assert member.segments == {}
    assert not MemberLink.objects.exists()
    assert not ConsentRecord.objects.exists()


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


def test_a_new_phone_is_registered_bare_and_unconsented_and_not_linked_before_the_code(
    shopper, user, sandbox, store_state, joined_events
):
    response = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert response.status_code == 302
    assert response["Location"] == VERIFY

    member = member_with_number(store_state, "98765432")
    assert member is not None
    assert_unconsented_and_bare(member)
    assert member.department_ids == ["dept-webshop"]
    assert member.origin["system_id"] == "django-diller"
    assert member.origin["channel"] == "OnlineStore"
    assert member.points == 0  # no sign-up bonus: not a member of the club until proven
    assert joined_events == []
    # Diller was sent the phone, the department and the origin, with every consent false
    (registration,) = sandbox.requests_for("registerMember")
    assert set(registration.json) == {"phone", "consent", "department_ids", "origin"}
    assert registration.json["consent"] == NO_CONSENT
    # and the code went to that phone
    assert texted_code(sandbox, store_state, "98765432")
    assert len(sandbox.requests_for("loginOTP")) == 1

    html = shopper.get(VERIFY).content.decode()
    assert CODE_SENT in html
    assert "already belongs to a member" not in html


def test_the_right_code_joins_with_the_profile_and_the_ticked_consents(
    shopper, user, sandbox, store_state, joined_events
):
    shopper.post(JOIN, join_data(**FULL_PROFILE))
    response = shopper.post(VERIFY, {"code": texted_code(sandbox, store_state, "98765432")})
    assert response.status_code == 302
    assert response["Location"] == reverse("diller:me")
    assert "Welcome to the loyalty club!" in shopper.get(reverse("diller:me")).content.decode()

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
    assert member.consent.gdpr_accepted is True
    assert member.consent.receive_sms is True
    assert member.consent.receive_email is False
    assert member.consent.save_order_history is False
    assert member.points == 100  # the sign-up bonus, now that the terms are accepted
    answers = member.segments
    assert answers[1].value == "Yirgacheffe"
    assert answers[2].value.startswith("2015-06-20")
    assert answers[3].selected_options == [32]
    assert answers[4].selected_options == [41, 43]
    assert answers[5].selected_options == [52]
    # the consents reached Diller once, with the profile, after the code
    (update,) = sandbox.requests_for("updateMember")
    assert update.json["consent"]["gdpr_accepted"] is True
    assert update.json["first_name"] == "Ola"

    link = MemberLink.objects.get(user=user)
    assert link.member_id == member.id
    assert link.source == Source.PAGE
    records = {r.consent: r.given for r in ConsentRecord.objects.filter(member_id=member.id)}
    assert records == {
        "gdpr_accepted": True,
        "save_order_history": False,
        "receive_sms": True,
        "receive_email": False,
    }
    assert ConsentRecord.objects.filter(user=user, source=Source.PAGE).count() == 4
    assert joined_events == [
        {
            "signal": member_joined,
            "user": user,
            "member_id": member.id,
            "store_id": "demo-store",
            "source": Source.PAGE,
        }
    ]
    assert PENDING_LINK_SESSION_KEY not in shopper.session


def test_wrong_codes_for_a_new_phone_link_nothing_and_give_no_consent(
    shopper, sandbox, store_state, joined_events
):
    shopper.post(JOIN, join_data(**FULL_PROFILE))
    right = texted_code(sandbox, store_state, "98765432")
    page = shopper.post(VERIFY, {"code": wrong_code(right)})
    assert page.status_code == 200
    assert "That code is wrong or has expired. Attempts left: 4." in page.content.decode()
    for _ in range(3):
        shopper.post(VERIFY, {"code": wrong_code(right)})
    assert shopper.post(VERIFY, {"code": wrong_code(right)})["Location"] == JOIN
    assert shopper.post(VERIFY, {"code": right})["Location"] == JOIN  # void now
    assert_unconsented_and_bare(member_with_number(store_state, "98765432"))
    assert sandbox.requests_for("updateMember") == []
    assert joined_events == []


def test_another_account_cannot_use_a_pending_registration(
    client, user, other_user, sandbox, store_state
):
    client.force_login(user)
    client.post(JOIN, join_data(**FULL_PROFILE))
    pending = dict(client.session[PENDING_LINK_SESSION_KEY])
    client.force_login(other_user)
    session = client.session
    session[PENDING_LINK_SESSION_KEY] = pending
    session.save()
    code = texted_code(sandbox, store_state, "98765432")
    assert client.post(VERIFY, {"code": code})["Location"] == JOIN
    assert_unconsented_and_bare(member_with_number(store_state, "98765432"))


def test_an_abandoned_registration_is_found_as_existing_by_a_later_join(
    user, sandbox, store_state, joined_events
):
    first = Client()
    first.force_login(user)
    assert first.post(JOIN, join_data(**FULL_PROFILE))["Location"] == VERIFY
    registered = member_with_number(store_state, "98765432")
    # never verified: a new browser (no pending link) joins again, with other details
    later = Client()
    later.force_login(user)
    response = later.post(JOIN, join_data(phone="98765432", first_name="Olav", receive_email="on"))
    assert response["Location"] == VERIFY
    assert len(sandbox.requests_for("registerMember")) == 1  # not registered twice
    assert len(sandbox.requests_for("loginOTP")) == 2
    assert later.session[PENDING_LINK_SESSION_KEY]["member_id"] == registered.id
    assert_unconsented_and_bare(member_with_number(store_state, "98765432"))

    code = texted_code(sandbox, store_state, "98765432")
    response = later.post(VERIFY, {"code": code})
    assert response["Location"] == reverse("diller:me")
    member = store_state.members[registered.id]
    assert member.first_name == "Olav"  # the later join's profile
    assert member.consent.gdpr_accepted is True
    assert member.consent.receive_email is True
    assert member.consent.receive_sms is False
    assert MemberLink.objects.get(user=user).member_id == registered.id
    assert [e["member_id"] for e in joined_events] == [registered.id]
    # the first browser's pending link links nothing more (that code is used up)
    assert first.post(VERIFY, {"code": code}).status_code == 200
    assert MemberLink.objects.count() == 1


def test_a_code_that_could_not_be_sent_leaves_an_unlinked_member_for_the_next_try(
    shopper, user, sandbox, store_state
):
    with sandbox.inject(error_rate=1.0, only_operations={"loginOTP"}):
        page = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert page.status_code == 200
    assert UNAVAILABLE in page.content.decode()
    assert_unconsented_and_bare(member_with_number(store_state, "98765432"))
    assert PENDING_LINK_SESSION_KEY not in shopper.session
    # Diller is back: the same join goes through the code
    response = join_and_verify(shopper, sandbox, store_state, **FULL_PROFILE)
    assert response["Location"] == reverse("diller:me")
    assert MemberLink.objects.get(user=user).member_id == (
        member_with_number(store_state, "98765432").id
    )


def test_registering_is_rate_limited_per_client_address_before_diller_is_asked(
    shopper, sandbox, store_state
):
    cache.set("diller:otp:ip:127.0.0.1", 10, 3600)
    page = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert page.status_code == 200
    assert RATE_LIMITED in page.content.decode()
    assert sandbox.requests_for("registerMember") == []
    assert sandbox.requests_for("loginOTP") == []
    assert member_with_number(store_state, "98765432") is None


def test_registering_counts_towards_the_per_phone_limit(shopper, sandbox, store_state):
    for _ in range(3):  # one registration, then two joins that find it
        assert shopper.post(JOIN, join_data(**FULL_PROFILE))["Location"] == VERIFY
    page = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert page.status_code == 200
    assert RATE_LIMITED in page.content.decode()
    assert len(sandbox.requests_for("registerMember")) == 1
    assert len(sandbox.requests_for("loginOTP")) == 3


def test_one_address_cannot_register_many_phones(client, django_user_model, sandbox):
    for n in range(11):
        user = django_user_model.objects.create_user(f"u{n}", f"u{n}@example.com", "pw")
        client.force_login(user)
        page = client.post(JOIN, join_data(phone=f"4{n:07d}", email=f"u{n}@example.com"))
        if n < 10:
            assert page["Location"] == VERIFY
        else:
            assert RATE_LIMITED in page.content.decode()
    assert len(sandbox.requests_for("registerMember")) == 10


def test_a_profile_refused_after_the_code_still_joins_and_asks_to_check_the_details(
    shopper, user, sandbox, store_state
):
    shopper.post(JOIN, join_data(**FULL_PROFILE))
    code = texted_code(sandbox, store_state, "98765432")
    sandbox.override_response(
        "updateMember",
        400,
        {
            "type": "about:blank",
            "title": "Validation failed",
            "status": 400,
            "detail": "secret internals",
            "errors": {"email": ["This e-mail address is not accepted."]},
        },
    )
    response = shopper.post(VERIFY, {"code": code})
    assert response["Location"] == reverse("diller:me-edit")
    html = shopper.get(reverse("diller:me-edit")).content.decode()
    assert "Some of your details were not accepted" in html
    assert "secret internals" not in html
    member = member_with_number(store_state, "98765432")
    assert member.consent.gdpr_accepted is True
    assert member.consent.receive_sms is True
    assert member.first_name is None
    assert MemberLink.objects.get(user=user).member_id == member.id
    assert ConsentRecord.objects.filter(member_id=member.id, given=True).count() == 2


def test_the_typed_profile_is_never_logged(shopper, sandbox, store_state, caplog):
    with caplog.at_level(logging.DEBUG):
        shopper.post(JOIN, join_data(**FULL_PROFILE))
        shopper.post(VERIFY, {"code": texted_code(sandbox, store_state, "98765432")})
    assert MemberLink.objects.exists()
    logged = caplog.text
    for secret in ("Nordmann", "ola@example.com", "Storgata", "Yirgacheffe", "1990-02-03"):
        assert secret not in logged


def test_a_linked_shopper_is_sent_to_their_page(shopper, user):
    MemberLink.objects.create(user=user, store_id="demo-store", member_id="x", source="page")
    assert shopper.get(reverse("diller:join"))["Location"] == reverse("diller:me")


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


def test_diller_down_before_the_form_can_be_built_is_not_a_500(shopper, sandbox):
    with sandbox.inject(error_rate=1.0):
        page = shopper.get(reverse("diller:join"))
    assert page.status_code == 200
    assert UNAVAILABLE in page.content.decode()


def test_a_diller_validation_error_shows_on_its_field(shopper, sandbox):
    shopper.get(reverse("diller:join"))
    sandbox.override_response(
        "registerMember",
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


def test_a_phone_registered_between_the_search_and_the_registration_gets_the_code(
    shopper, user, sandbox, store_state
):
    from django_diller.api import models as m
    from django_diller.services.connection import get_client

    other = get_client().register_member(
        m.RegisterMemberRequest(
            phone=m.Phone(country_code="+47", number="98765432"),
            consent=m.Consent(gdpr_accepted=True),
            department_ids=["dept-webshop"],
        )
    )
    # the join's searches (phone, then e-mail) miss it, as if it was registered just after
    sandbox.override_response("getMemberByFilter", 200, [], times=2)
    response = shopper.post(JOIN, join_data(**FULL_PROFILE))
    assert response["Location"] == VERIFY
    pending = shopper.session[PENDING_LINK_SESSION_KEY]
    assert pending["member_id"] == other.id
    assert "profile" not in pending  # a full member's profile is theirs
    assert len(sandbox.requests_for("loginOTP")) == 1
    assert not MemberLink.objects.exists()
