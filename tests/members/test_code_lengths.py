"""One-time codes of any length Diller may text (the contract types ``otp_code`` as an integer
and says nothing of its length), through the verify page. The phone has a record at Diller (a
counter enrolled it), so the join page texts it a code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_diller.members.pending import PENDING_LINK_SESSION_KEY
from django_diller.models import MemberLink

from .conftest import enroll_at_counter, join_data, member_with_number, texted_code

pytestmark = pytest.mark.django_db

JOIN = reverse("diller:join")
VERIFY = reverse("diller:join-verify")
FIELD_ERROR = "Enter the code from the SMS: 4 to 9 digits."


def join_with_codes_of(shopper, sandbox, store_state, digits: int) -> str:
    """Join a counter-enrolled phone with the sandbox texting ``digits``-digit codes; the
    code texted."""
    enroll_at_counter("98765432")
    sandbox.settings.members.otp_digits = digits
    assert shopper.post(JOIN, join_data())["Location"] == VERIFY
    code = texted_code(sandbox, store_state, "98765432")
    assert len(code) == digits
    return code


def assert_joined(response, user, store_state) -> None:
    assert response["Location"] == reverse("diller:me")
    member = member_with_number(store_state, "98765432")
    assert member.consent.gdpr_accepted is True
    assert MemberLink.objects.get(user=user).member_id == member.id


@pytest.mark.parametrize("digits", [4, 5, 6, 8, 9])
def test_a_code_of_any_length_from_four_to_nine_digits_joins(
    shopper, user, sandbox, store_state, digits
):
    code = join_with_codes_of(shopper, sandbox, store_state, digits)
    response = shopper.post(VERIFY, {"code": code})
    assert_joined(response, user, store_state)
    (verification,) = sandbox.requests_for("loginOtpVerification")
    assert verification.json == {"otp_code": int(code)}  # the contract's integer


@pytest.mark.parametrize("digits", [4, 5, 8])
def test_spaces_in_the_code_are_ignored(shopper, user, sandbox, store_state, digits):
    code = join_with_codes_of(shopper, sandbox, store_state, digits)
    spaced = f" {code[:2]} {code[2:]} "
    assert_joined(shopper.post(VERIFY, {"code": spaced}), user, store_state)


def test_leading_zeros_are_not_significant(shopper, user, sandbox, store_state):
    code = join_with_codes_of(shopper, sandbox, store_state, 5)
    response = shopper.post(VERIFY, {"code": f"0{code}"})
    assert_joined(response, user, store_state)
    (verification,) = sandbox.requests_for("loginOtpVerification")
    assert verification.json == {"otp_code": int(code)}


@pytest.mark.parametrize("typed", ["abcde", "12a45", "123", "1234567890", "12-34"])
def test_anything_else_is_refused_on_the_field_without_asking_diller(
    shopper, sandbox, store_state, typed
):
    code = join_with_codes_of(shopper, sandbox, store_state, 5)
    page = shopper.post(VERIFY, {"code": typed})
    assert page.status_code == 200
    html = page.content.decode()
    assert FIELD_ERROR in html
    assert f'value="{typed}"' in html  # what was typed is shown again
    assert sandbox.requests_for("loginOtpVerification") == []
    assert not MemberLink.objects.exists()
    # not counted as a wrong code: the right one still works
    assert shopper.session[PENDING_LINK_SESSION_KEY]["wrong"] == 0
    assert shopper.post(VERIFY, {"code": code})["Location"] == reverse("diller:me")
