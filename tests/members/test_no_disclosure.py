"""The join page tells nobody whether a phone or an e-mail belongs to a member, or to a member
linked to another shop account: the same answer, the same page after it, and the same calls to
Diller (what the time of the answer depends on) for every case."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from django_diller.models import MemberLink
from django_diller.sandbox.seed import SEED_MEMBER_EMAIL, SEED_MEMBER_ID, SEED_MEMBER_NATIONAL_PHONE

from .conftest import enroll_at_counter, join_data

pytestmark = pytest.mark.django_db

JOIN = reverse("diller:join")
VERIFY = reverse("diller:join-verify")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def new_phone(sandbox):
    return join_data(phone="41112222", email="new@example.com")


def a_members_phone(sandbox):
    return join_data(phone=SEED_MEMBER_NATIONAL_PHONE, email="new@example.com")


def a_phone_linked_to_another_account(sandbox):
    someone = get_user_model().objects.create_user("someone", "someone@example.com", "pw")
    MemberLink.objects.create(
        user=someone, store_id="demo-store", member_id=SEED_MEMBER_ID, source="page"
    )
    return a_members_phone(sandbox)


def a_members_email(sandbox):
    return join_data(phone="41113333", email=SEED_MEMBER_EMAIL)


def a_counter_enrolled_phone(sandbox):
    enroll_at_counter("41114444")
    return join_data(phone="41114444", email="new@example.com")


CASES = [
    new_phone,
    a_members_phone,
    a_phone_linked_to_another_account,
    a_members_email,
    a_counter_enrolled_phone,
]


def diller_calls(sandbox, since: int) -> Counter:
    return Counter(request.operation_id for request in sandbox.requests[since:])


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_every_phone_gets_the_same_answer_after_the_same_diller_calls(sandbox, case):
    data = case(sandbox)
    user = get_user_model().objects.create_user("shopper", "shopper@example.com", "pw")
    client = Client()
    client.force_login(user)
    client.get(JOIN)  # the form's segments and store are cached: only the join's calls count
    before = len(sandbox.requests)
    sms_before = len(sandbox.messages)

    response = client.post(JOIN, data)

    assert (response.status_code, response["Location"]) == (302, VERIFY)
    calls = diller_calls(sandbox, before)
    assert calls["getMemberByFilter"] == 2  # the phone and the e-mail, whatever was found
    assert calls["loginOTP"] + calls["enrollMember"] == 1  # one SMS: a code, or the link
    assert sum(calls.values()) == 3
    assert len(sandbox.messages) == sms_before + 1


def test_the_page_after_the_join_is_the_same_for_every_phone(sandbox):
    pages = {}
    for n, case in enumerate(CASES):
        data = case(sandbox)
        user = get_user_model().objects.create_user(f"u{n}", f"u{n}@example.com", "pw")
        client = Client()
        client.force_login(user)
        assert client.post(JOIN, data)["Location"] == VERIFY
        pages[case.__name__] = CSRF.sub("", client.get(VERIFY).content.decode())
    assert len(set(pages.values())) == 1, list(pages)
    page = pages["new_phone"]
    assert "We have sent an SMS to the mobile phone number you gave." in page
    for secret in ("linked to another account", "already", "Kari", SEED_MEMBER_EMAIL):
        assert secret not in page
