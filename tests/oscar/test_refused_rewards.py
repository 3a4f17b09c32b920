"""A reward Diller refuses after the order was placed never costs the member the order's points:
the purchase goes without it, and staff see what was left out."""

from decimal import Decimal as D

import pytest
from django.contrib.admin.sites import site
from django.test import override_settings
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.transactions import drop_rewards
from django_diller.models import OrderLoyaltyItem, OutboxEntry
from django_diller.sandbox import REFUSAL_ANSWERS
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID, STAMP_CARD_COFFEE
from django_diller.sandbox.state import Reservation

from .orders import DILLER, Kind, State, event, store
from .test_checkout_flow import place_order, to_preview

Order = get_model("order", "Order")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]


def coffee_card():
    return store().stamp_cards[STAMP_CARD_COFFEE]


def till_redeems_the_reward():
    """A till took the coffee card's reward and holds the card for its own sale."""
    card = coffee_card()
    card.stamps[SEED_MEMBER_ID] = 0
    card.reservations[SEED_MEMBER_ID] = Reservation("TILL-4711", timezone.now(), "Store")


def stamp_reports(body):
    return {(r["stamp_card_id"], r["action"]): r["count"] for r in body.get("stamp_cards", [])}


def test_a_refused_stamp_reservation_sends_the_purchase_without_the_reward(
    shopper, django_capture_on_commit_callbacks
):
    to_preview(shopper)
    with django_capture_on_commit_callbacks() as queued:
        place_order(shopper)
    till_redeems_the_reward()  # after the order was placed, before its reservation
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    item = OrderLoyaltyItem.objects.get(reference=str(STAMP_CARD_COFFEE))
    assert item.reservation == OrderLoyaltyItem.Reservation.REFUSED
    entry = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert entry.state == State.SENT  # not dead: the member keeps the order's points
    # Left out before sending: the reward. The till holds the card, so Diller refused its
    # stamps too: the purchase went without them, with its coupon, for its points.
    assert entry.response["loyalty_dropped"] == [
        f"stamp card {STAMP_CARD_COFFEE} (Diller refused the reservation: "
        "Stamp card is reserved by another transaction.)",
        f"stamp card {STAMP_CARD_COFFEE} (Diller refused the purchase: "
        "Stamp card is reserved by another transaction.)",
    ]
    (received,) = store().transactions.values()
    assert received.coupon_codes == ["PCT20COFFEE"]
    for holder in [entry.payload, *entry.payload.get("details", [])]:
        assert not stamp_reports(holder)
    assert received.total == D(entry.payload["total"])


def test_a_reward_spent_at_a_till_is_left_out_when_diller_refuses_the_purchase(
    shopper, django_capture_on_commit_callbacks
):
    to_preview(shopper)
    with django_capture_on_commit_callbacks() as queued:
        place_order(shopper)
    coffee_card().stamps[SEED_MEMBER_ID] = 0  # redeemed at a till, which holds the card no more
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    entry = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert entry.state == State.SENT
    (dropped,) = entry.response["loyalty_dropped"]
    assert dropped == (
        f"stamp card {STAMP_CARD_COFFEE} (Diller refused the purchase: "
        f"Stamp card {STAMP_CARD_COFFEE} has 2 stamp(s); cannot deduct 10.)"
    )
    # Only the reward went: the coupon and the stamps the espressos earned were sent.
    assert stamp_reports(entry.payload) == {(STAMP_CARD_COFFEE, "collected"): 2}
    assert store().transactions[entry.order_number].coupon_codes == ["PCT20COFFEE"]
    assert coffee_card().stamps[SEED_MEMBER_ID] == 2


@override_settings(DILLER={**DILLER, "SEND_ON_PAYMENT_EVENTS": ["Captured"]})
def test_a_reward_taken_over_by_a_till_before_payment_is_left_out(
    shopper, django_capture_on_commit_callbacks
):
    to_preview(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(shopper)
    assert not OutboxEntry.objects.filter(kind=Kind.SEND_TRANSACTION).exists()  # not paid yet
    # Between the reservation and the payment a till takes the card over.
    coffee_card().reservations.clear()
    till_redeems_the_reward()
    order = Order.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        event(order, "Captured")  # the payment is taken later
    entry = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert entry.state == State.SENT
    dropped = entry.response["loyalty_dropped"]
    assert any(
        d.startswith(f"stamp card {STAMP_CARD_COFFEE} (Diller refused the purchase")
        for d in dropped
    )
    assert store().transactions[order.number].total == order.total_incl_tax


def test_staff_read_what_was_left_out_on_the_entry_page():
    entry = OutboxEntry.objects.create(
        kind=Kind.SEND_TRANSACTION,
        external_id="100001",
        order_number="100001",
        store_id=SEED_STORE_ID,
        state=State.SENT,
        response={"loyalty_dropped": ["stamp card 101 (Diller refused the reservation: <b>x</b>)"]},
    )
    admin = site._registry[OutboxEntry]
    html = admin.loyalty_dropped(entry)
    assert "stamp card 101 (Diller refused the reservation: &lt;b&gt;x&lt;/b&gt;)" in html


def test_drop_rewards_removes_only_what_it_is_asked_to_on_every_level():
    body = {
        "coupon_codes": ["A", "B"],
        "stamp_cards": [
            {"stamp_card_id": 1, "action": "collected", "count": 2},
            {"stamp_card_id": 1, "action": "deducted", "count": 10},
            {"stamp_card_id": 2, "action": "deducted", "count": 5},
        ],
        "details": [
            {
                "coupon_codes": ["A"],
                "stamp_cards": [{"stamp_card_id": 1, "action": "deducted", "count": 10}],
            }
        ],
    }
    assert drop_rewards(body, codes={"A"}, cards={1}) == ["coupon A", "stamp card 1"]
    assert body["coupon_codes"] == ["B"]
    assert stamp_reports(body) == {(1, "collected"): 2, (2, "deducted"): 5}
    assert "coupon_codes" not in body["details"][0] and "stamp_cards" not in body["details"][0]
    assert drop_rewards(body, collected=True) == ["coupon B", "stamp card 1", "stamp card 2"]
    assert "stamp_cards" not in body and "coupon_codes" not in body


def test_a_purchase_that_is_skipped_releases_what_was_held_for_it(
    shopper, django_capture_on_commit_callbacks
):
    to_preview(shopper)
    with django_capture_on_commit_callbacks() as queued:
        place_order(shopper)
    store().members[SEED_MEMBER_ID].consent.gdpr_accepted = False  # withdrawn at a till
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    purchase = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert purchase.state == State.SKIPPED
    release = OutboxEntry.objects.get(kind=Kind.RELEASE_LOYALTY)
    assert release.state == State.SENT and release.source == "transaction skipped"
    assert SEED_MEMBER_ID not in store().coupons["PCT20COFFEE"].reservations
    item = OrderLoyaltyItem.objects.get(reference="PCT20COFFEE")
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED


@pytest.mark.parametrize("style", REFUSAL_ANSWERS)
def test_a_reservation_refused_in_any_shape_is_recorded_and_left_out(
    shopper, django_capture_on_commit_callbacks, style
):
    """The contract lets Diller refuse a reservation with 200 ``is_ok = false`` or with problem
    details (409, 400): each is a refusal, never an outage to retry until the entry dies."""
    embedded_sandbox().refusal_answer = style
    to_preview(shopper)
    with django_capture_on_commit_callbacks() as queued:
        place_order(shopper)
    till_redeems_the_reward()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    assert OutboxEntry.objects.get(kind=Kind.RESERVE_LOYALTY).state == State.SENT
    item = OrderLoyaltyItem.objects.get(reference=str(STAMP_CARD_COFFEE))
    assert item.reservation == OrderLoyaltyItem.Reservation.REFUSED
    assert "reserved by another transaction" in item.reservation_detail
    assert OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION).state == State.SENT
