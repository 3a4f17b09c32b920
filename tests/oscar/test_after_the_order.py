"""What happens between placing the order and sending its purchase: the buyer's membership
changes (the purchase goes to the member the order was placed for, and nothing is taken back
for a purchase Diller never had), or part of it is refunded first (the purchase sent later
counts only what was kept)."""

from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model

from django_diller.loyalty.reservations import queue_reservation
from django_diller.models import MemberLink, OrderLoyaltyItem, OutboxEntry, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .conftest import ESPRESSO
from .orders import coupon_on_espresso, event, member_points, status, transactions_at_diller

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]


def test_an_order_paid_after_its_member_unlinked_uses_the_coupon_it_reserved(place, commit):
    order = place({ESPRESSO: 2})
    item = coupon_on_espresso(order, "PCT20COFFEE", "37.80")
    with commit():
        queue_reservation(order.number, SEED_MEMBER_ID)  # as the checkout does
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RESERVED
    MemberLink.objects.filter(member_id=SEED_MEMBER_ID).delete()  # unlinked before payment
    with commit():
        event(order, "Settled")
        status(order, "Being processed")
        status(order, "Complete")
    sent = transactions_at_diller()[order.number]
    assert (sent.member_id, sent.coupon_codes) == (SEED_MEMBER_ID, ["PCT20COFFEE"])
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED  # used by the purchase


def test_an_order_paid_after_its_buyer_linked_another_membership_goes_to_the_first(place, commit):
    """The coupons were the first member's and reserved for this order: the purchase that
    uses them is theirs, not the membership the account was linked to since."""
    from dataclasses import replace

    from .orders import store

    seeded = store().members[SEED_MEMBER_ID]
    store().members["member-two"] = replace(seeded, id="member-two")
    order = place({ESPRESSO: 2})
    coupon_on_espresso(order, "PCT20COFFEE", "37.80")
    with commit():
        queue_reservation(order.number, SEED_MEMBER_ID)
    link = MemberLink.objects.get(member_id=SEED_MEMBER_ID)
    link.delete()  # unlinked, then linked to another membership
    MemberLink.objects.create(
        user=link.user, store_id=SEED_STORE_ID, member_id="member-two", source=Source.PAGE
    )
    with commit():
        event(order, "Settled")
    sent = transactions_at_diller()[order.number]
    assert (sent.member_id, sent.coupon_codes) == (SEED_MEMBER_ID, ["PCT20COFFEE"])


def test_a_return_after_the_buyer_joined_takes_nothing_back(place, commit):
    other = get_user_model().objects.get(email="other@example.com")
    order = place({ESPRESSO: 2}, user=other)
    with commit():
        event(order, "Settled")
    assert not OutboxEntry.objects.exists()  # not a member when paying: nothing sent
    MemberLink.objects.filter(member_id=SEED_MEMBER_ID).delete()
    MemberLink.objects.create(
        user=other, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )  # linked later
    before = member_points()
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(order.lines.get(), 1)])
    assert transactions_at_diller() == {}
    assert member_points() == before


@pytest.mark.parametrize("partial_returns", ["resend", "refund"])
def test_a_refund_before_the_purchase_is_sent_is_not_counted_at_diller(
    place, commit, settings, partial_returns
):
    """A shop that sends the purchase when the order ships refunds an item out of stock
    first: nothing was at Diller to correct then; the purchase sent later leaves Diller with
    what the buyer kept."""
    settings.DILLER = {
        **settings.DILLER,
        "SEND_ON_PAYMENT_EVENTS": [],
        "SEND_ON_ORDER_STATUSES": ["Complete"],
        "PARTIAL_RETURNS": partial_returns,
    }
    order = place({ESPRESSO: 2})
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(order.lines.get(), 1)])
    assert not OutboxEntry.objects.exists()
    with commit():
        status(order, "Being processed")
        status(order, "Complete")
    live = [t for t in transactions_at_diller().values() if not t.is_cancelled]
    refunded = sum((abs(r.total) for t in live for r in t.refunds), D(0))
    assert sum((t.total for t in live), D(0)) - refunded == order.total_incl_tax - D("189.00")
