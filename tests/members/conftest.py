"""Fixtures for the shopper-facing member pages (run against the embedded sandbox)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_diller.sandbox.seed import SEED_STORE_ID
from django_diller.services.connection import embedded_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox():
    return embedded_sandbox()


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
    return f"{code:06d}"


def join_and_verify(shopper, sandbox, store_state, **overrides: Any):
    """Post the join form, then the code texted to its phone; the verify page's response."""
    from django.urls import reverse

    data = join_data(**overrides)
    response = shopper.post(reverse("diller:join"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("diller:join-verify")
    number = "".join(ch for ch in data["phone"] if ch.isdigit())[-8:]
    code = texted_code(sandbox, store_state, number)
    return shopper.post(reverse("diller:join-verify"), {"code": code})
