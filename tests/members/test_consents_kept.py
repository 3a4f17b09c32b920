"""A member's consents are never lost to a page that did not show them: the activation link of
a member who already joined, and the edit page when Diller's answer leaves the consents out.
And a segment option the contract leaves without an id does not break the profile pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_diller.api import models as wire
from django_diller.loyalty.connection import get_client
from django_diller.members.updates import write_member
from django_diller.models import ConsentRecord, MemberLink

from .conftest import activation_url, edit_data, enroll_at_counter, invitation_token, join_data

pytestmark = pytest.mark.django_db
OPTIONAL = ("receive_sms", "receive_email", "save_order_history")


def test_the_activation_link_of_a_member_who_joined_elsewhere_keeps_their_consents(
    shopper, user, sandbox, store_state
):
    """Diller's invitation link may still find its member after they joined on Diller's own
    page, with every consent given; the shop's page shows its boxes unticked, and an unticked
    box does not withdraw."""
    member_id = enroll_at_counter("41112222")
    token = invitation_token(sandbox, "41112222")
    client = get_client()
    given = dict.fromkeys(("gdpr_accepted", *OPTIONAL), True)
    write_member(client, client.get_member(member_id), {}, consents=given)

    url = activation_url(token)
    page = shopper.get(url).content.decode()
    assert 'name="receive_sms"' in page and 'name="receive_sms" checked' not in page
    unticked = {k: v for k, v in join_data().items() if k != "phone" and k not in OPTIONAL}
    assert shopper.post(url, unticked).status_code == 302
    assert MemberLink.objects.get(user=user).member_id == member_id
    after = store_state.members[member_id].consent
    assert all(getattr(after, flag) for flag in ("gdpr_accepted", *OPTIONAL))
    withdrawn = ConsentRecord.objects.filter(member_id=member_id, given=False)
    assert not withdrawn.exists()


def test_editing_a_member_whose_answer_has_no_consents_keeps_the_membership(
    shopper, demo_link, sandbox, store_state, monkeypatch
):
    from django_diller.members.views import my_loyalty
    from django_diller.sandbox.seed import SEED_MEMBER_ID

    sandbox.settings.members.updates = "replace"  # the member is what the PUT sends
    real = my_loyalty.get_member
    monkeypatch.setattr(
        my_loyalty,
        "get_member",
        lambda service, link: real(service, link).model_copy(update={"consent": None}),
    )
    try:
        response = shopper.post(reverse("diller:me-edit"), edit_data(city="Bergen"))
    finally:
        sandbox.settings.members.updates = "merge"
    assert response.status_code == 302
    member = store_state.members[SEED_MEMBER_ID]
    assert member.address["city"] == "Bergen"
    assert member.consent.gdpr_accepted is True


def test_a_segment_option_without_an_id_is_not_offered(shopper, monkeypatch):
    from django_diller.members.views import common

    segment = wire.StoreSegmentResponse(
        id=9,
        text="How did you hear about us?",
        type=wire.SegmentType.Radio,
        is_required=False,
        is_visible_to_follower=True,
        options=[wire.SegmentOption(id=91, text="A friend"), wire.SegmentOption(text="Other")],
    )
    real = common.visible_segments
    monkeypatch.setattr(common, "visible_segments", lambda *a, **k: [*real(*a, **k), segment])
    page = shopper.get(reverse("diller:join")).content.decode()
    assert 'name="segment_9" value="91"' in page and 'value="None"' not in page
    refused = shopper.post(reverse("diller:join"), join_data(segment_9="None"))
    assert refused.status_code == 200 and "segment_9" in refused.context["form"].errors
    chosen = shopper.post(reverse("diller:join"), join_data(segment_9="91"))
    assert chosen.status_code == 302
