"""A guest who ticked "join" cancels, or returns part of, the order while its purchase waits for
the phone's owner to finish joining: once they join, Diller gets the purchase and its
corrections, never the full purchase of what the buyer gave back."""

import pytest
from oscar.core.loading import get_model

from django_diller.contrib.oscar.guests import check_guest_invitations
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.kinds import Kind
from django_diller.models import JoinInvitation, OutboxEntry
from django_diller.sandbox.seed import SEED_STORE_ID

from .conftest import EARL_GREY, add_to_basket
from .orders import event, status, transactions_at_diller
from .test_guest_checkout import checkout_as_guest, place_order

Order = get_model("order", "Order")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]


def the_owner_finishes_joining(order, capture) -> None:
    invitation = JoinInvitation.objects.get(order_number=order.number)
    record = embedded_sandbox().state.stores[SEED_STORE_ID].members[invitation.member_id]
    record.consent.gdpr_accepted = True  # the owner finished on Diller's page
    with capture(execute=True):
        check_guest_invitations()
    invitation.refresh_from_db()
    assert invitation.state == JoinInvitation.State.JOINED


@pytest.fixture
def guest(client, shop):
    return checkout_as_guest(client)


def waiting_order(client, capture):
    place_order(client, capture)
    order = Order.objects.get()
    purchase = OutboxEntry.objects.get(order_number=order.number, kind=Kind.SEND_TRANSACTION)
    assert purchase.state == OutboxEntry.State.SKIPPED  # waiting for the phone's owner
    return order


def test_an_order_cancelled_while_its_purchase_waited_is_cancelled_at_diller_too(
    guest,
    django_capture_on_commit_callbacks,
):
    order = waiting_order(guest, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        status(order, "Cancelled")
    the_owner_finishes_joining(order, django_capture_on_commit_callbacks)
    sent = transactions_at_diller()[order.number]
    assert sent.is_cancelled
    cancel = OutboxEntry.objects.get(order_number=order.number, kind=Kind.CANCEL_TRANSACTION)
    assert cancel.state == OutboxEntry.State.SENT


def test_a_part_returned_while_the_purchase_waited_leaves_diller_with_what_was_kept(
    guest,
    django_capture_on_commit_callbacks,
):
    add_to_basket(guest, EARL_GREY, 1)  # an espresso and a tea
    order = waiting_order(guest, django_capture_on_commit_callbacks)
    tea = order.lines.get(upc=EARL_GREY)
    with django_capture_on_commit_callbacks(execute=True):
        event(order, "Refunded", amount=tea.line_price_incl_tax, lines=[(tea, 1)])
    the_owner_finishes_joining(order, django_capture_on_commit_callbacks)
    at_diller = transactions_at_diller()
    assert at_diller[order.number].is_cancelled  # the whole purchase, then what was kept
    remainder = OutboxEntry.objects.get(order_number=order.number, kind=Kind.RESEND_REMAINDER)
    assert remainder.state == OutboxEntry.State.SENT
    kept = at_diller[remainder.external_id]
    assert kept.total == order.total_incl_tax - tea.line_price_incl_tax
