"""A phone that became a member between the join's search and its enroll. The contract lets
Diller answer that enroll with the member (200), or refuse it (a 409, or a 400 problem); either
way the join carries on with that member by code, never showing the shopper an error, and never
invites a member."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from django_diller.members.pending import PENDING_LINK_SESSION_KEY
from django_diller.models import JoinInvitation, MemberLink

from .conftest import join_and_activate, join_data, member_with_number, texted_code, texted_to

pytestmark = pytest.mark.django_db

JOIN = reverse("diller:join")
VERIFY = reverse("diller:join-verify")


@pytest.fixture(params=["return", "refuse-409", "refuse-400"])
def enroll_answer(request, sandbox):
    """Each answer the contract allows to enrolling a phone a member of the club holds."""
    answer, _, status = request.param.partition("-")
    members = sandbox.settings.members
    members.enroll_existing = answer
    members.duplicate_phone_status = int(status or 409)
    yield request.param
    members.enroll_existing, members.duplicate_phone_status = "return", 409


def someone_registers_first(monkeypatch, sandbox, number: str, *, accepted: bool) -> None:
    """Another client registers ``number`` right before the shop's enroll reaches the
    sandbox: the shop's search (made earlier) found nobody."""
    process = sandbox.process
    raced = []

    def racing(method, path, query_string, headers, body):
        if method == "POST" and path.endswith("/members/enroll") and not raced:
            raced.append(True)
            phone = {"country_code": "+47", "number": number}
            if accepted:  # registered as a member, e.g. at a till
                other = {
                    "phone": phone,
                    "first_name": "Someone",
                    "consent": {"gdpr_accepted": True},
                }
                where = path.removesuffix("/enroll")
            else:  # enrolled at a counter, not joined yet
                other = {"phone": phone, "department_id": "dept-webshop"}
                where = path
            answer = process(method, where, "", headers, json.dumps(other).encode())
            assert answer.response.status == 200
        return process(method, path, query_string, headers, body)

    monkeypatch.setattr(sandbox, "process", racing)


def test_a_member_registered_meanwhile_gets_the_code_instead_of_an_error(
    monkeypatch, shopper, user, sandbox, store_state, enroll_answer
):
    someone_registers_first(monkeypatch, sandbox, "98765432", accepted=True)
    response = shopper.post(JOIN, join_data(first_name="Mallory"))
    assert response["Location"] == VERIFY

    member = member_with_number(store_state, "98765432")
    pending = shopper.session[PENDING_LINK_SESSION_KEY]
    assert pending["member_id"] == member.id
    assert not pending.get("invited")
    assert not JoinInvitation.objects.exists()
    # the member got a code, never an invitation
    kinds = [message.kind for message in texted_to(sandbox, "98765432")]
    assert "enroll_link" not in kinds and "login_otp" in kinds
    expected = 200 if enroll_answer == "return" else int(enroll_answer[-3:])
    assert [r.status for r in sandbox.requests_for("enrollMember")] == [expected]

    response = shopper.post(VERIFY, {"code": texted_code(sandbox, store_state, "98765432")})
    assert response["Location"] == reverse("diller:me-edit")
    assert MemberLink.objects.get(user=user).member_id == member.id
    assert member.first_name == "Mallory"  # the typed profile, after the code


def test_an_unconsented_record_made_meanwhile_is_invited_like_a_new_phone(
    monkeypatch, shopper, user, sandbox, store_state, enroll_answer
):
    """A record that never joined (enrolled at a counter meanwhile): Diller re-sends its link,
    and the owner finishes from it."""
    someone_registers_first(monkeypatch, sandbox, "98765432", accepted=False)
    assert shopper.post(JOIN, join_data(first_name="Ola"))["Location"] == VERIFY
    member = member_with_number(store_state, "98765432")
    assert JoinInvitation.objects.get().member_id == member.id
    assert not member.consent.gdpr_accepted
    # the counter's invitation, then the join's: Diller texted the link again
    assert [m.kind for m in texted_to(sandbox, "98765432")] == ["enroll_link", "enroll_link"]


@pytest.mark.parametrize("status", [400, 409])
def test_a_refusal_with_nobody_holding_the_phone_is_shown_on_its_field(
    shopper, user, sandbox, store_state, status
):
    shopper.get(JOIN)  # the form's segments and store are cached
    sandbox.override_response(
        "enrollMember",
        status,
        {
            "status": status,
            "detail": "secret internals",
            "errors": {"phone": ["Number not accepted."]},
        },
    )
    page = shopper.post(JOIN, join_data())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Number not accepted." in html
    assert "secret internals" not in html
    assert PENDING_LINK_SESSION_KEY not in shopper.session
    assert member_with_number(store_state, "98765432") is None
    assert sandbox.requests_for("loginOTP") == []
    assert not MemberLink.objects.exists()
    assert join_and_activate(shopper, sandbox)["Location"] == reverse("diller:me")
    assert (
        MemberLink.objects.get(user=user).member_id
        == member_with_number(store_state, "98765432").id
    )
