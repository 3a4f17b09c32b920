"""Joining: anonymous visitors, registering a new member, Diller down, Diller refusing a field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_diller.models import ConsentRecord, MemberLink, Source
from django_diller.signals import member_joined

from .conftest import join_data, member_with_number

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The loyalty club can&#x27;t be reached right now."


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


def test_register_a_new_member(shopper, user, store_state, joined_events):
    data = join_data(
        phone="+47 987 65 432",
        birth_date="1990-02-03",
        gender="Male",
        street="Storgata 1",
        zip_code="0155",
        city="Oslo",
        country="NO",
        segment_2="2015-06-20",
        segment_4=["41", "43"],
        segment_5="52",
        receive_sms="on",
    )
    response = shopper.post(reverse("diller:join"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("diller:me")

    member = member_with_number(store_state, "98765432")
    assert member is not None
    assert (member.first_name, member.last_name, member.email) == (
        "Ola",
        "Nordmann",
        "ola@example.com",
    )
    assert member.birth_date.date().isoformat() == "1990-02-03"
    assert member.gender == "Male"
    assert member.address["city"] == "Oslo"
    assert member.department_ids == ["dept-webshop"]
    assert member.origin["system_id"] == "django-diller"
    assert member.origin["channel"] == "OnlineStore"
    assert member.consent.gdpr_accepted is True
    assert member.consent.receive_sms is True
    assert member.consent.receive_email is False
    answers = member.segments
    assert answers[1].value == "Yirgacheffe"
    assert answers[2].value.startswith("2015-06-20")
    assert answers[3].selected_options == [32]
    assert answers[4].selected_options == [41, 43]
    assert answers[5].selected_options == [52]

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
            "errors": {"email": ["This e-mail address is not accepted."]},
        },
    )
    page = shopper.post(reverse("diller:join"), join_data(email="odd@example.com"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "This e-mail address is not accepted." in html
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
