"""Guests see two unticked consents when they place the order; only "join" reaches Diller, and
then as for any phone nobody has proven: Diller's enroll texts the phone's owner a link, and the
purchase waits, visibly in the outbox, until the owner has finished joining. The thank-you page
says where the sign-up stands, and nothing that goes wrong with it fails the placed order."""

import dataclasses
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.contrib.oscar.guests import check_guest_invitations
from django_diller.contrib.oscar.preview import FIELD, PreviewSnapshot
from django_diller.loyalty.connection import embedded_sandbox, get_client
from django_diller.loyalty.kinds import Kind
from django_diller.models import Consent, ConsentRecord, JoinInvitation, OutboxEntry
from django_diller.outbox.engine import NotReady
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .conftest import ESPRESSO
from .orders import transactions_at_diller

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
pytestmark = pytest.mark.django_db

State = JoinInvitation.State
GUEST_PHONE = "47112233"
GUEST_ADDRESS = {
    "first_name": "Per",
    "last_name": "Hansen",
    "line1": "Storgata 2",
    "line4": "Oslo",
    "postcode": "0155",
    "country": "NO",
    "phone_number": f"+47{GUEST_PHONE}",
}


def checkout_as_guest(client, **address):
    product = Product.objects.get(upc=ESPRESSO)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    client.post(reverse("checkout:index"), {"username": "per@example.com", "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), {**GUEST_ADDRESS, **address})
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    return client


@pytest.fixture
def guest(client, shop):
    return checkout_as_guest(client)


def preview(client):
    page = client.post(reverse("checkout:preview"))
    assert page.status_code == 200
    return page.content.decode()


def place_order(client, capture, *, join: bool = True, history: bool = True):
    """Place the previewed order, running what it queued at commit (as the demo does in the
    request); the thank-you page's HTML."""
    preview(client)
    data = {"action": "place_order"}
    if join:
        data["diller-join"] = "on"
    if history:
        data["diller-save_order_history"] = "on"
    with capture(execute=True):
        response = client.post(reverse("checkout:preview"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:thank-you")
    page = client.get(reverse("checkout:thank-you"))
    assert page.status_code == 200
    return page.content.decode()


def signup_box(html: str) -> str:
    start = html.index('id="diller-guest-signup"')
    return html[start : html.index("</div>", start)]


def texted(number: str) -> list:
    return [m for m in embedded_sandbox().messages if m.to == f"+47{number}"]


def the_transaction(order) -> OutboxEntry:
    return OutboxEntry.objects.get(order_number=order.number, kind=Kind.SEND_TRANSACTION)


def test_the_purchase_page_shows_two_unticked_consents(guest):
    html = preview(guest)
    assert 'name="diller-join"' in html and 'name="diller-save_order_history"' in html
    assert 'form="place_order_form"' in html
    fieldset = html[html.index('id="diller-guest-consents"') :]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    assert "checked" not in fieldset


def input_tag(html: str, name: str) -> str:
    at = html.index(f'name="{name}"')
    start = html.rindex("<input", 0, at)
    return html[start : html.index(">", at) + 1]


def test_without_a_mobile_number_the_join_box_says_so_before_the_payment(client, shop):
    """Joining invites the address's mobile number: without one, "join" can't be ticked, and
    the box says where to add it."""
    guest = checkout_as_guest(client, phone_number="")
    html = preview(guest)
    assert "disabled" in input_tag(html, "diller-join")
    assert "To join, the shipping address needs a mobile number." in html
    assert f'href="{reverse("checkout:shipping-address")}" id="diller-guest-add-phone"' in html
    assert "disabled" not in input_tag(html, "diller-save_order_history")


def test_a_join_posted_without_a_mobile_number_is_not_taken(
    client, shop, django_capture_on_commit_callbacks
):
    """A stale or hand-made form posting "join" anyway: the order is placed, nobody invited."""
    guest = checkout_as_guest(client, phone_number="")
    place_order(guest, django_capture_on_commit_callbacks, join=True, history=False)
    order = Order.objects.get()
    assert not JoinInvitation.objects.filter(order_number=order.number).exists()
    assert not ConsentRecord.objects.filter(order_number=order.number, given=True).exists()


def test_with_a_mobile_number_the_join_box_can_be_ticked(guest):
    html = preview(guest)
    assert "disabled" not in input_tag(html, "diller-join")
    assert 'id="diller-guest-add-phone"' not in html


def test_ticking_join_invites_the_phone_and_registers_nobody(
    guest, django_capture_on_commit_callbacks
):
    html = place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    sandbox = embedded_sandbox()
    assert sandbox.requests_for("registerMember") == []
    (enrollment,) = sandbox.requests_for("enrollMember")
    assert set(enrollment.json) == {"phone", "department_id", "origin"}  # no name, no e-mail
    (record,) = [m for m in sandbox.state.stores[SEED_STORE_ID].members.values()
                 if m.phone.number == GUEST_PHONE]  # fmt: skip
    assert not record.consent.gdpr_accepted
    assert (record.first_name, record.email) == (None, None)
    assert [m.kind for m in texted(GUEST_PHONE)] == ["enroll_link"]  # no welcome

    invitation = JoinInvitation.objects.get(order_number=order.number)
    assert (invitation.state, invitation.member_id) == (State.INVITED, record.id)
    records = {r.consent: r for r in ConsentRecord.objects.filter(order_number=order.number)}
    assert records[Consent.GDPR].given and records[Consent.ORDER_HISTORY].given
    assert records[Consent.GDPR].source == "checkout"
    assert records[Consent.GDPR].member_id == ""  # nobody has joined yet

    box = signup_box(html)
    assert "We have sent an SMS to +47 47 11 22 33 with a link to finish joining" in box
    assert "once you have finished joining" in box

    entry = the_transaction(order)
    assert entry.state == OutboxEntry.State.SKIPPED
    assert "Waiting for the phone's owner to finish joining" in entry.last_error
    assert order.number not in transactions_at_diller()


def test_the_purchase_reaches_diller_once_the_phones_owner_finished_from_the_link(
    guest, django_capture_on_commit_callbacks
):
    place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    token = re.search(r"token=([\w-]+)", texted(GUEST_PHONE)[-1].text).group(1)
    url = f"{reverse('diller:activate')}?token={token}"

    owner = Client()  # on their phone, not logged in to the shop
    page = owner.get(url).content.decode()
    assert "You ticked to join the loyalty club when you shopped with us." in page
    assert "Hansen" not in page and "per@example.com" not in page  # nothing from the order
    data = {
        "first_name": "Per",
        "last_name": "Hansen",
        "segment_1": "Java",
        "segment_3": "31",
        "gdpr_accepted": "on",
        "save_order_history": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(url, data)
    assert "Welcome to the loyalty club!" in done.content.decode()

    invitation = JoinInvitation.objects.get(order_number=order.number)
    assert invitation.state == State.JOINED
    member = get_client().get_member(invitation.member_id)
    assert member.consent.gdpr_accepted and member.consent.save_order_history
    at_checkout = ConsentRecord.objects.get(
        order_number=order.number, consent=Consent.GDPR, source="checkout"
    )
    assert at_checkout.member_id == invitation.member_id
    joined = ConsentRecord.objects.get(member_id=invitation.member_id, consent=Consent.GDPR,
                                       source="activation")  # fmt: skip
    assert joined.order_number == order.number and joined.user is None
    entry = the_transaction(order)
    assert entry.state == OutboxEntry.State.SENT and entry.member_id == invitation.member_id
    assert order.number in transactions_at_diller()
    # the link has done its work: it finishes nothing else
    assert "diller-activation-invalid" in Client().get(url).content.decode()


@pytest.mark.parametrize("history", [True, False])
def test_the_link_shows_the_boxes_the_guest_ticked_at_checkout_and_keeps_them(
    guest, django_capture_on_commit_callbacks, history
):
    """Finishing the join in the browser that placed the order must not record "purchase
    history: no" over the guest's "yes" at checkout; a box the guest left unticked stays
    unticked, and no answer is made up."""
    place_order(guest, django_capture_on_commit_callbacks, history=history)
    order = Order.objects.get()
    token = re.search(r"token=([\w-]+)", texted(GUEST_PHONE)[-1].text).group(1)
    url = f"{reverse('diller:activate')}?token={token}"
    # Another browser holds the link too (the phone may be a gift's recipient): nothing ticked.
    stranger = Client().get(url).context["form"]
    assert not any(stranger.initial.get(c) for c in ("gdpr_accepted", "save_order_history"))
    owner = guest  # the browser that placed the order
    form = owner.get(url).context["form"]
    assert form.initial.get("gdpr_accepted") is True
    assert bool(form.initial.get("save_order_history")) is history
    assert "gender" not in form.initial  # Diller's "NotShared" for a record nobody filled in
    page = owner.get(url).content.decode()
    history_box = page[page.index('name="save_order_history"') - 200 :]
    history_box = history_box[: history_box.index(">", 200) + 1]
    assert ("checked" in history_box) is history
    data = {"first_name": "Per", "last_name": "Hansen", "segment_1": "Java", "segment_3": "31"}
    data |= {name: "on" for name, value in form.initial.items() if value is True}
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(url, data).content.decode()
    assert 'id="diller-activation-next"' in done and reverse("diller:me") in done
    invitation = JoinInvitation.objects.get(order_number=order.number)
    assert get_client().get_member(invitation.member_id).consent.save_order_history is history
    joined = ConsentRecord.objects.get(
        member_id=invitation.member_id, consent=Consent.ORDER_HISTORY, source="activation"
    )
    assert joined.given is history


def test_an_owner_who_finished_elsewhere_is_found_by_the_periodic_check(
    guest, django_capture_on_commit_callbacks
):
    place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    invitation = JoinInvitation.objects.get(order_number=order.number)
    record = embedded_sandbox().state.stores[SEED_STORE_ID].members[invitation.member_id]
    record.consent.gdpr_accepted = True  # finished on Diller's own page
    with django_capture_on_commit_callbacks(execute=True):
        assert check_guest_invitations() == 1
    invitation.refresh_from_db()
    assert invitation.state == State.JOINED
    assert the_transaction(order).state == OutboxEntry.State.SENT
    assert order.number in transactions_at_diller()


def test_an_invitation_nobody_finishes_ends_and_the_outbox_says_so(
    guest, django_capture_on_commit_callbacks
):
    place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    JoinInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        check_guest_invitations()
    assert JoinInvitation.objects.get().state == State.EXPIRED
    entry = the_transaction(order)
    assert entry.state == OutboxEntry.State.SKIPPED
    assert "did not finish joining the club by" in entry.last_error
    assert order.number not in transactions_at_diller()


def test_a_phone_that_is_already_a_member_gets_nothing_and_the_guest_is_told(
    client, shop, django_capture_on_commit_callbacks
):
    """A guest has not proven the phone is theirs: the member's account is not credited with
    the guest's purchase, nor texted."""
    guest = checkout_as_guest(client, phone_number="+4791234567")  # the demo member's
    html = place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    assert JoinInvitation.objects.get().state == State.ALREADY_MEMBER
    assert embedded_sandbox().requests_for("enrollMember") == []
    assert texted("91234567") == []
    box = signup_box(html)
    assert "This mobile number is already a member of the loyalty club" in box
    assert "log in to your shop account and link your membership" in box
    entry = the_transaction(order)
    assert entry.state == OutboxEntry.State.SKIPPED
    assert "already belongs to a member" in entry.last_error
    assert order.number not in transactions_at_diller()
    assert not any(t.member_id == SEED_MEMBER_ID and t.external_id == order.number
                   for t in transactions_at_diller().values())  # fmt: skip


@pytest.mark.parametrize(
    ("situation", "shopper_text", "outbox_text"),
    [
        ("diller down", "The loyalty club could not be reached.", "Diller could not be reached"),
        ("refused", "The loyalty club did not accept the sign-up.", "Diller refused the sign-up"),
    ],
)
def test_a_sign_up_that_fails_never_fails_the_order_and_says_why(
    client, shop, django_capture_on_commit_callbacks, situation, shopper_text, outbox_text
):
    sandbox = embedded_sandbox()
    guest = checkout_as_guest(client)
    if situation == "refused":
        sandbox.override_response(
            "enrollMember", 400, {"status": 400, "errors": {"phone": ["Not a mobile number."]}}
        )
    if situation == "diller down":
        with sandbox.inject(error_rate=1.0, only_operations={"getMemberByFilter"}):
            html = place_order(guest, django_capture_on_commit_callbacks)
    else:
        html = place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    invitation = JoinInvitation.objects.get(order_number=order.number)
    assert invitation.state == State.FAILED
    box = signup_box(html)
    assert "Your sign-up for the loyalty club could not be completed." in box
    assert shopper_text in box
    assert "Your order is not affected." in box
    entry = the_transaction(order)
    assert entry.state == OutboxEntry.State.SKIPPED
    assert outbox_text in entry.last_error
    assert "still being registered" not in entry.last_error


def test_not_ticking_join_sends_nothing_to_diller(guest, django_capture_on_commit_callbacks):
    html = place_order(guest, django_capture_on_commit_callbacks, join=False, history=False)
    sandbox = embedded_sandbox()
    assert Order.objects.exists()
    assert sandbox.requests_for("registerMember") == []
    assert sandbox.requests_for("enrollMember") == []
    assert not ConsentRecord.objects.filter(given=True).exists()
    assert not JoinInvitation.objects.exists()
    assert 'id="diller-guest-signup"' not in html


def test_a_lost_task_is_asked_again_by_the_periodic_check(
    guest, django_capture_on_commit_callbacks, monkeypatch
):
    from django_diller.contrib.oscar import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.invite_guest, "delay", broker_down)
    html = place_order(guest, django_capture_on_commit_callbacks)  # not an error page
    assert "We are signing you up for the loyalty club." in signup_box(html)
    JoinInvitation.objects.update(created_at=timezone.now() - timedelta(hours=1))
    monkeypatch.undo()
    check_guest_invitations()
    assert JoinInvitation.objects.get().state == State.INVITED


def test_members_do_not_see_the_guest_consents(client, member):
    client.force_login(member)
    product = Product.objects.get(upc=ESPRESSO)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    client.post(reverse("checkout:shipping-address"), GUEST_ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    assert 'id="diller-guest-consents"' not in preview(client)


def test_while_diller_is_down_a_worker_retries_and_the_purchase_waits_for_it(
    guest, django_capture_on_commit_callbacks, monkeypatch
):
    """With a worker (not in-request), a try that cannot reach Diller leaves the sign-up
    queued for the task's retry; only the last try records the failure."""
    from django_diller.api import DillerUnavailable
    from django_diller.contrib.oscar import tasks
    from django_diller.contrib.oscar.guests import guest_member_id, invite_guest_from_order

    monkeypatch.setattr(tasks.invite_guest, "delay", lambda number: None)  # a worker's, later
    html = place_order(guest, django_capture_on_commit_callbacks)
    assert "We are signing you up for the loyalty club." in signup_box(html)
    order = Order.objects.get()
    sandbox = embedded_sandbox()
    with sandbox.inject(error_rate=1.0, only_operations={"getMemberByFilter"}):
        with pytest.raises(DillerUnavailable):
            invite_guest_from_order(order.number, last_try=False)
        invitation = JoinInvitation.objects.get()
        assert invitation.state == State.QUEUED
        with pytest.raises(NotReady, match="has not reached Diller yet"):
            guest_member_id(order)
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_guest_from_order(order.number, last_try=False) == State.INVITED
    entry = the_transaction(order)
    assert "Waiting for the phone's owner" in entry.last_error


def ticked_boxes(html: str) -> int:
    fieldset = html[html.index('id="diller-guest-consents"') :]
    return fieldset[: fieldset.index("</fieldset>")].count("checked")


TICKED = {"action": "place_order", "diller-join": "on", "diller-save_order_history": "on"}


def test_the_guest_s_ticks_survive_a_payment_error(guest, monkeypatch):
    from oscar.apps.payment.exceptions import PaymentError

    from example_shop.checkout.views import PaymentDetailsView

    def gateway_down(self, order_number, total, **kwargs):
        raise PaymentError("gateway down")

    preview(guest)
    monkeypatch.setattr(PaymentDetailsView, "handle_payment", gateway_down)
    page = guest.post(reverse("checkout:preview"), TICKED)
    assert page.status_code == 200  # the preview again, with Oscar's error
    assert ticked_boxes(page.content.decode()) == 2


def test_the_guest_s_ticks_survive_a_check_that_sends_them_back_to_the_preview(
    guest, django_capture_on_commit_callbacks
):
    shown = guest.post(reverse("checkout:preview")).context["diller_preview_token"]
    snapshot = PreviewSnapshot.unsign(shown)
    another_total = dataclasses.replace(snapshot, total=snapshot.total + 1).sign()
    back = guest.post(reverse("checkout:preview"), {**TICKED, FIELD: another_total})
    assert back["Location"] == reverse("checkout:preview")  # "your order changed"
    again = guest.get(reverse("checkout:preview")).content.decode()
    assert ticked_boxes(again) == 2
    # The guest unticks both and places the order: nothing is kept any more.
    with django_capture_on_commit_callbacks(execute=True):
        placed = guest.post(reverse("checkout:preview"), {"action": "place_order"})
    assert placed["Location"] == reverse("checkout:thank-you")
    assert "diller_guest_ticks" not in guest.session


def test_the_join_box_always_links_the_club_s_privacy_policy(guest):
    """Before the store's details are in the cache the box links the club's page that leads to
    the policy (the checkout never waits for Diller); once they are, the policy itself."""
    from django.core.cache import cache

    from django_diller.loyalty.store import store_details

    cache.clear()
    before = len(embedded_sandbox().requests)
    html = preview(guest)
    assert len(embedded_sandbox().requests) == before  # never asks Diller for it
    leads_there = reverse("diller:privacy-policy")
    assert f'href="{leads_there}"' in html and 'id="diller-guest-privacy"' in html
    policy = store_details().privacy_policy_url
    assert policy
    cache.clear()
    assert guest.get(leads_there)["Location"] == policy  # asks Diller, as a club page does
    html = preview(guest)  # the store is in the cache now
    assert f'href="{policy}"' in html and 'id="diller-guest-privacy"' in html


def test_without_diller_the_privacy_link_leads_to_the_club_s_page(guest):
    from django.core.cache import cache

    cache.clear()
    with embedded_sandbox().inject(error_rate=1.0):
        response = guest.get(reverse("diller:privacy-policy"))
    assert response["Location"] == reverse("diller:club")
