"""Every member update is a read-modify-write: the PUT carries the member as read, with only the
intended changes and the complete consent object, so a server that replaces the member with
what a PUT sends (the contract allows it) loses nothing. Each test runs against a merging and a
replacing sandbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_diller.api import models as m
from django_diller.loyalty.connection import get_client
from django_diller.models import MemberLink
from django_diller.sandbox.seed import (
    SEED_DEPARTMENT_ID,
    SEED_MEMBER_ID,
    SEED_MEMBER_IDENTIFIER,
    SEED_MEMBER_POINTS,
    SEED_SECOND_DEPARTMENT_ID,
)

from .conftest import (
    edit_data,
    enroll_at_counter,
    join_and_activate,
    join_data,
    member_with_number,
    texted_code,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("update_mode")]

FLAGS = {"gdpr_accepted", "save_order_history", "receive_sms", "receive_email"}
VERIFY = reverse("diller:join-verify")
COUNTER_IDENTIFIER = "02029054321"


def assert_every_update_sends_the_complete_consent(sandbox, count: int) -> list[dict]:
    updates = sandbox.requests_for("updateMember")
    assert len(updates) == count
    for update in updates:
        assert set(update.json["consent"]) == FLAGS
    return [update.json for update in updates]


def enrolled_at_the_counter(number: str = "45454545") -> str:
    """A member enrolled at the Oslo counter with an identifier and a name, not joined yet."""
    member = get_client().enroll_member(
        m.EnrollMemberRequest(
            phone=m.Phone(country_code="+47", number=number),
            department_id=SEED_SECOND_DEPARTMENT_ID,
            additional_info=m.MemberAdditionalInfo(
                first_name="Per", additional_identifiers=[COUNTER_IDENTIFIER]
            ),
        )
    )
    return member.id


# the edit page -------------------------------------------------------------------------------


def test_editing_keeps_the_terms_and_what_the_page_does_not_show(
    shopper, demo_link, sandbox, store_state
):
    """The issue's case: the edit page has no "join" box. The member stays a member (a paid
    order is not skipped for "not accepted the terms"), with their identifier, department,
    hidden segment answer and gender ("Choose…" on the page)."""
    response = shopper.post(reverse("diller:me-edit"), edit_data(receive_sms=None, gender=""))
    assert response["Location"] == reverse("diller:me")

    (sent,) = assert_every_update_sends_the_complete_consent(sandbox, 1)
    assert sent["consent"] == {
        "gdpr_accepted": True,
        "save_order_history": True,
        "receive_sms": False,
        "receive_email": True,
    }
    member = get_client().get_member(SEED_MEMBER_ID)
    assert member.consent.gdpr_accepted is True  # what the transaction payload checks
    assert member.consent.receive_sms is False
    assert member.additional_identifiers == [SEED_MEMBER_IDENTIFIER]
    assert member.department_ids == [SEED_DEPARTMENT_ID]
    assert member.gender == m.Gender.Female
    assert member.membership_detail.points == SEED_MEMBER_POINTS
    assert member.phone.number == "91234567"
    hidden = store_state.members[SEED_MEMBER_ID].segments
    assert hidden[6].value == "A"
    assert hidden[1].value == "Kenya AA"


def test_the_edit_page_changes_every_field_it_shows(shopper, demo_link, sandbox, store_state):
    shopper.post(
        reverse("diller:me-edit"),
        edit_data(first_name="Karianne", segment_4=None, street="", zip_code="", city="",
                  country=""),
    )  # fmt: skip
    (sent,) = assert_every_update_sends_the_complete_consent(sandbox, 1)
    assert sent["first_name"] == "Karianne"
    assert sent["address"] == {}
    assert {"segment_id": 4, "selected_options": []} in sent["segments"]
    member = store_state.members[SEED_MEMBER_ID]
    assert member.first_name == "Karianne"
    assert member.address is None
    assert 4 not in member.segments
    assert member.segments[6].value == "A"


def test_an_emptied_email_or_birth_date_is_left_out(
    shopper, demo_link, sandbox, store_state, update_mode
):
    """The contract has no "no value" for them: left out, a replacing server clears them and a
    merging one keeps them."""
    shopper.post(reverse("diller:me-edit"), edit_data(email="", birth_date=""))
    (sent,) = assert_every_update_sends_the_complete_consent(sandbox, 1)
    assert "email" not in sent
    assert "birth_date" not in sent
    member = store_state.members[SEED_MEMBER_ID]
    if update_mode == "replace":
        assert (member.email, member.birth_date) == (None, None)
    else:
        assert member.email == "demo.member@example.com"
        assert member.birth_date is not None
    assert member.consent.gdpr_accepted is True


def test_an_edit_starts_from_the_member_as_read_on_that_request(
    shopper, demo_link, sandbox, store_state
):
    """Something changed at Diller since the page was shown (staff added an identifier): the
    save keeps it."""
    shopper.get(reverse("diller:me-edit"))
    store_state.members[SEED_MEMBER_ID].additional_identifiers.append("31129912345")
    shopper.post(reverse("diller:me-edit"), edit_data(city="Bergen"))
    member = store_state.members[SEED_MEMBER_ID]
    assert member.additional_identifiers == [SEED_MEMBER_IDENTIFIER, "31129912345"]
    assert member.address["city"] == "Bergen"


# joining and activating ----------------------------------------------------------------------


def test_joining_a_new_phone_keeps_the_enrolled_department(shopper, sandbox, store_state):
    assert join_and_activate(shopper, sandbox)["Location"] == reverse("diller:me")
    (sent,) = assert_every_update_sends_the_complete_consent(sandbox, 1)
    assert sent["department_ids"] == [SEED_DEPARTMENT_ID]
    member = member_with_number(store_state, "98765432")
    assert member.department_ids == [SEED_DEPARTMENT_ID]
    assert member.consent.gdpr_accepted is True
    assert member.phone.number == "98765432"


def test_joining_a_counter_enrolled_member_by_code_keeps_what_the_counter_recorded(
    shopper, user, sandbox, store_state
):
    member_id = enrolled_at_the_counter()
    shopper.post(reverse("diller:join"), join_data(phone="45454545", receive_sms="on"))
    response = shopper.post(VERIFY, {"code": str(sandbox.last_otp(member_id))})
    assert response["Location"] == reverse("diller:me")
    assert_every_update_sends_the_complete_consent(sandbox, 1)
    member = store_state.members[member_id]
    assert member.department_ids == [SEED_SECOND_DEPARTMENT_ID]
    assert member.additional_identifiers == [COUNTER_IDENTIFIER]
    assert member.first_name == "Ola"  # the typed profile
    assert (member.consent.gdpr_accepted, member.consent.receive_sms) == (True, True)
    assert MemberLink.objects.get(user=user).member_id == member_id


def test_activation_keeps_what_the_counter_recorded(shopper, sandbox, store_state):
    member_id = enrolled_at_the_counter("45454546")
    token = store_state.members[member_id].activation_token
    url = f"{reverse('diller:activate')}?token={token}"
    response = shopper.post(url, join_data(phone=None, email="", receive_email="on"))
    assert response["Location"] == reverse("diller:me")
    (sent,) = assert_every_update_sends_the_complete_consent(sandbox, 1)
    assert sent["consent"]["gdpr_accepted"] is True
    member = store_state.members[member_id]
    assert member.department_ids == [SEED_SECOND_DEPARTMENT_ID]
    assert member.additional_identifiers == [COUNTER_IDENTIFIER]
    assert member.consent.gdpr_accepted is True
    assert member.consent.receive_email is True


def test_a_refused_join_profile_falls_back_to_the_member_as_read(shopper, sandbox, store_state):
    enroll_at_counter("98765432")  # a record Diller has: the join texts it a code
    shopper.post(reverse("diller:join"), join_data(receive_sms="on"))
    code = texted_code(sandbox, store_state, "98765432")
    sandbox.override_response(
        "updateMember", 400, {"status": 400, "errors": {"email": ["Not accepted."]}}
    )
    assert shopper.post(VERIFY, {"code": code})["Location"] == reverse("diller:me-edit")
    updates = sandbox.requests_for("updateMember")
    assert len(updates) == 2
    fallback = updates[1].json
    assert set(fallback["consent"]) == FLAGS
    assert fallback["consent"]["gdpr_accepted"] is True
    assert fallback["department_ids"] == [SEED_DEPARTMENT_ID]
    assert "first_name" not in fallback  # the refused profile is not sent again
    member = member_with_number(store_state, "98765432")
    assert member.department_ids == [SEED_DEPARTMENT_ID]
    assert (member.consent.gdpr_accepted, member.consent.receive_sms) == (True, True)
