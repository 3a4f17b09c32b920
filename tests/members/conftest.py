"""Fixtures for the shopper-facing member pages (run against the embedded sandbox)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox():
    return embedded_sandbox()


@pytest.fixture(params=["merge", "replace"])
def update_mode(request, sandbox):
    """Run the test against both answers the contract allows to a member PUT: a server that
    changes only what was sent (merge), and one that replaces the member and its consent
    object with what was sent (replace)."""
    sandbox.settings.members.updates = request.param
    yield request.param
    sandbox.settings.members.updates = "merge"


@pytest.fixture
def store_state(sandbox):
    """The sandbox's demo store (members, segments…), read directly."""
    return sandbox.state.stores[SEED_STORE_ID]


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(
        username="ola", email="ola@example.com", password="pw-ola-123"
    )


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user(
        username="kari", email="kari@example.com", password="pw-kari-123"
    )


@pytest.fixture
def shopper(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def demo_link(user):
    """The shopper's account linked to the sandbox's demo member."""
    return MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )


def join_data(**overrides: Any) -> dict[str, Any]:
    """A valid join form: the required segments (1 Text, 3 Radio) and the join consent."""
    data: dict[str, Any] = {
        "phone": "98765432",
        "first_name": "Ola",
        "last_name": "Nordmann",
        "email": "ola@example.com",
        "segment_1": "Yirgacheffe",
        "segment_3": "32",
        "gdpr_accepted": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(**overrides: Any) -> dict[str, Any]:
    """The demo member's edit form as prefilled (the required segments and three consents)."""
    data: dict[str, Any] = {
        "first_name": "Kari",
        "last_name": "Nordmann",
        "email": "demo.member@example.com",
        "birth_date": "1970-01-01",
        "gender": "Female",
        "street": "Storgata 10",
        "zip_code": "0184",
        "city": "Oslo",
        "country": "NO",
        "segment_1": "Kenya AA",
        "segment_3": "31",
        "segment_4": ["42", "44"],
        "save_order_history": "on",
        "receive_sms": "on",
        "receive_email": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def member_with_number(store_state, number: str):
    """The live sandbox member holding this national number, or None."""
    for member in store_state.members.values():
        if member.phone.number == number and not member.is_deleted:
            return member
    return None


def texted_code(sandbox, store_state, number: str) -> str:
    """The last one-time code the sandbox texted to the member holding this national number."""
    member = member_with_number(store_state, number)
    assert member is not None, f"no member with {number}"
    code = sandbox.last_otp(member.id)
    assert code is not None, f"no code texted to {number}"
    return str(code)


def enroll_at_counter(number: str, **info: Any) -> str:
    """A record Diller's enroll made (at a shop counter): not a member of the club yet."""
    from django_diller.api import models as m
    from django_diller.loyalty.connection import get_client

    member = get_client().enroll_member(
        m.EnrollMemberRequest(
            phone=m.Phone(country_code="+47", number=number),
            department_id="dept-webshop",
            additional_info=m.MemberAdditionalInfo(**info) if info else None,
        )
    )
    return member.id


def texted_to(sandbox, number: str) -> list:
    """Every message the sandbox "texted" to +47 ``number``, oldest first."""
    return [message for message in sandbox.messages if message.to == f"+47{number}"]


def invitation_token(sandbox, number: str) -> str:
    """The activation token of the last invitation (enroll SMS) texted to +47 ``number``."""
    import re

    links = [message for message in texted_to(sandbox, number) if message.kind == "enroll_link"]
    assert links, f"no invitation texted to {number}"
    found = re.search(r"\?token=([\w-]+)", links[-1].text)
    assert found, links[-1].text
    return found.group(1)


def activation_url(token: str) -> str:
    from django.urls import reverse

    return f"{reverse('diller:activate')}?token={token}"


def join_and_activate(shopper, sandbox, **overrides: Any):
    """Join with a new phone, then follow the invitation Diller texted to it and send the
    activation form as the page prefills it; the activation's response."""
    from django.urls import reverse

    data = join_data(**overrides)
    response = shopper.post(reverse("diller:join"), data)
    assert response["Location"] == reverse("diller:join-verify"), response.content.decode()[:2000]
    number = "".join(ch for ch in data["phone"] if ch.isdigit())[-8:]
    url = activation_url(invitation_token(sandbox, number))
    assert shopper.get(url).status_code == 200
    return shopper.post(url, {k: v for k, v in data.items() if k != "phone"})
