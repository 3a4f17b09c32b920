"""Paid orders reach Diller through the outbox; returns cancel or correct them.

The embedded sandbox is Diller here and Celery runs eagerly: the tasks queued at commit run in
the test. The real worker, Redis and PostgreSQL are in tests/workers.
"""

from datetime import timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from django_diller.contrib.oscar.guests import record_guest_consents
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import ConsentRecord, OrderLoyaltyItem, OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.sandbox import CANCEL_AFTER_REFUNDS
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from django_diller.signals import transaction_cancelled, transaction_failed, transaction_sent

from .conftest import EARL_GREY, ESPRESSO, MUG
from .orders import (
    DILLER,
    EventHandler,
    Kind,
    ShippingEventType,
    State,
    answered_status,
    coupon_on_espresso,
    event,
    lose_the_answer_once,
    loyalty_item,
    member_points,
    money_sum,
    only_entry,
    status,
    store,
    transactions_at_diller,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]


def due_now(*entries):
    OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        next_attempt_at=timezone.now()
    )


# Sending -----------------------------------------------------------------------------------


def test_a_settled_payment_sends_one_transaction_with_lines_adding_up_to_the_total(place, commit):
    order = place({ESPRESSO: 2, MUG: 1})
    points_before = member_points()
    with commit():
        event(order, "Settled")
    entry = only_entry(order_number=order.number)
    assert (entry.kind, entry.state, entry.external_id) == (
        Kind.SEND_TRANSACTION,
        State.SENT,
        order.number,
    )
    assert entry.source.startswith("payment_event:")
    sent = transactions_at_diller()[order.number]
    body = sent.request
    assert entry.payload["external_id"] == body["external_id"] == order.number
    assert D(str(body["total"])) == order.total_incl_tax
    assert money_sum(d["total_price"] for d in body["details"]) == order.total_incl_tax
    espresso, mug, shipping = body["details"]
    assert espresso["product"]["external_id"] == ESPRESSO
    assert espresso["product"]["gtin"] == {"type": "EanGtin13", "code": ESPRESSO}
    assert espresso["product"]["name"] and espresso["product"]["sku"]
    assert espresso["product"]["category"]["name"]
    assert (espresso["quantity"], D(str(espresso["unit_price"]))) == (2, D("189.00"))
    assert D(str(espresso["tax_percentage"])) == D("15.00")  # food VAT in the demo shop
    assert D(str(mug["tax_percentage"])) == D("25.00")
    assert shipping["product"]["external_id"] == "shipping"
    assert D(str(shipping["total_price"])) == D("49.00")
    assert body["currency"] == "NOK" and body["department_id"] == "dept-webshop"
    assert body["origin"]["channel"] == "OnlineStore"
    (payment,) = body["payment_details"]
    assert payment["payment_method"] == "Demo card"
    assert D(str(payment["sub_total"])) == order.total_incl_tax
    tax = money_sum(
        line.line_price_incl_tax - line.line_price_excl_tax for line in order.lines.all()
    ) + D("9.80")
    assert D(str(body["total_tax"])) == tax
    assert member_points() > points_before


def test_the_transaction_carries_the_coupons_and_stamps_each_line_used(place, commit):
    order = place({ESPRESSO: 2, EARL_GREY: 1}, chosen=["PCT20COFFEE"])
    # What the checkout records for the order: 20 % off one espresso, the stamp card's reward.
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.COUPON,
        "PCT20COFFEE",
        amount=D("37.80"),
        lines=[{"product_id": ESPRESSO, "discount": "37.80", "collected": 0, "deducted": 0}],
    )
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.STAMP_CARD,
        "101",
        stamps_collected=2,
        stamps_deducted=10,
        lines=[{"product_id": ESPRESSO, "discount": "189.00", "collected": 2, "deducted": 10}],
    )
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.STAMP_CARD,
        "103",
        stamps_collected=1,
    )
    coffee_card = store().stamp_cards[101]
    with commit():
        event(order, "Settled")
    body = transactions_at_diller()[order.number].request
    espresso, tea, _shipping = body["details"]
    assert espresso["coupon_codes"] == ["PCT20COFFEE"]
    assert espresso["stamp_cards"] == [
        {"stamp_card_id": 101, "action": "collected", "count": 2},
        {"stamp_card_id": 101, "action": "deducted", "count": 10},
    ]
    assert "coupon_codes" not in tea and "stamp_cards" not in tea
    # The transaction lists them all once; the threshold card touched no line, so only there.
    assert body["stamp_cards"] == [
        {"stamp_card_id": 101, "action": "collected", "count": 2},
        {"stamp_card_id": 101, "action": "deducted", "count": 10},
        {"stamp_card_id": 103, "action": "collected", "count": 1},
    ]
    assert body["coupon_codes"] == ["PCT20COFFEE"]
    assert coffee_card.stamps_of(SEED_MEMBER_ID) == 0  # 8 + 2 collected - 10 deducted
    assert store().coupons["PCT20COFFEE"].times_redeemed(SEED_MEMBER_ID) == 1


def test_without_order_history_only_totals_are_sent_with_loyalty_on_the_transaction(place, commit):
    store().members[SEED_MEMBER_ID].consent.save_order_history = False
    order = place({ESPRESSO: 1})
    coupon_on_espresso(order, "PCT10", "18.90")
    with commit():
        event(order, "Settled")
    body = transactions_at_diller()[order.number].request
    assert "details" not in body
    assert D(str(body["total"])) == order.total_incl_tax
    assert body["coupon_codes"] == ["PCT10"]


def test_a_member_who_did_not_accept_the_terms_is_skipped_not_sent(place, commit):
    store().members[SEED_MEMBER_ID].consent.gdpr_accepted = False
    order = place({ESPRESSO: 1})
    with commit():
        event(order, "Settled")
    entry = only_entry(order_number=order.number)
    assert entry.state == State.SKIPPED and "gdpr" in entry.last_error
    assert order.number not in transactions_at_diller()


def test_orders_of_shoppers_who_are_not_members_queue_nothing(place, commit, shop):
    from django.contrib.auth import get_user_model

    other = get_user_model().objects.get(email="other@example.com")
    order = place({ESPRESSO: 1}, user=other)
    with commit():
        event(order, "Settled")
    assert not OutboxEntry.objects.exists()


def test_a_guest_who_joined_at_checkout_gets_the_transaction_once_registered(place, commit):
    order = place({MUG: 1}, user=None)
    record_guest_consents(order.number, SEED_STORE_ID, join=True, history=True)  # at checkout
    with commit():
        event(order, "Settled")
    entry = only_entry(order_number=order.number)
    assert entry.state == State.FAILED and "still being registered" in entry.last_error
    ConsentRecord.objects.filter(order_number=order.number).update(member_id=SEED_MEMBER_ID)
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.member_id == SEED_MEMBER_ID
    assert order.number in transactions_at_diller()


def test_a_second_trigger_for_the_same_order_finds_it_queued(place, commit):
    order = place({ESPRESSO: 1})
    with commit():
        event(order, "Settled")
        event(order, "Settled", amount=D("1.00"))
    assert OutboxEntry.objects.filter(kind=Kind.SEND_TRANSACTION).count() == 1
    assert len(embedded_sandbox().requests_for("createTransaction")) == 1


@override_settings(DILLER={**DILLER, "SEND_ON_PAYMENT_EVENTS": [], "SEND_ON_ORDER_PLACED": True})
def test_shops_that_settle_at_once_send_when_the_order_is_placed(place, commit):
    with commit():
        order = place({ESPRESSO: 1})
    assert only_entry(order_number=order.number).source == "order placed"
    assert order.number in transactions_at_diller()


def test_a_lost_answer_is_sent_again_and_diller_keeps_one_transaction(
    place, commit, duplicate_answer
):
    sandbox = embedded_sandbox()
    order = place({ESPRESSO: 1})
    with lose_the_answer_once("createTransaction"), commit():
        event(order, "Settled")
    entry = only_entry(order_number=order.number)
    assert entry.state == State.FAILED and entry.attempts == 1
    assert order.number in transactions_at_diller()  # it did arrive; only the answer was lost
    due_now(entry)
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.response["received_before"] is True
    assert entry.response["status"] == answered_status(duplicate_answer)
    assert entry.attempts == 2
    assert len(sandbox.requests_for("createTransaction")) == 2
    assert list(transactions_at_diller()) == [order.number]


def test_a_refusal_other_than_a_duplicate_makes_the_entry_dead_and_says_why(place, commit):
    embedded_sandbox().override_response(
        "createTransaction", 200, {"is_ok": False, "details": "Store is closed"}
    )
    failures = []

    def on_failed(sender, entry, order_number, will_retry, **kwargs):
        failures.append((order_number, will_retry))

    transaction_failed.connect(on_failed)
    try:
        order = place({ESPRESSO: 1})
        with commit():
            event(order, "Settled")
    finally:
        transaction_failed.disconnect(on_failed)
    entry = only_entry(order_number=order.number)
    assert entry.state == State.DEAD and "Store is closed" in entry.last_error
    assert failures == [(order.number, False)]


def test_a_validation_error_on_another_field_is_not_taken_for_a_duplicate(place, commit):
    embedded_sandbox().override_response(
        "createTransaction",
        400,
        {"title": "One or more validation errors occurred.", "status": 400,
         "errors": {"total": ["The total does not match the details."]}},
    )  # fmt: skip
    order = place({ESPRESSO: 1})
    with commit():
        event(order, "Settled")
    entry = only_entry(order_number=order.number)
    assert entry.state == State.DEAD and "HTTP 400" in entry.last_error
    assert entry.response is None


def test_sending_releases_the_orders_coupon_claims_and_reservations(place, commit):
    from django_diller.models import CouponClaim

    order = place({ESPRESSO: 1})
    item = loyalty_item(
        order,
        OrderLoyaltyItem.Kind.COUPON,
        "ONCE100",
        reservation=OrderLoyaltyItem.Reservation.RESERVED,
    )
    CouponClaim.objects.create(
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        code="ONCE100",
        slot=1,
        basket_id=1,
        order_number=order.number,
    )
    with commit():
        event(order, "Settled")
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED
    assert not CouponClaim.objects.exists()


# Returns -----------------------------------------------------------------------------------


def test_a_cancelled_order_cancels_its_transaction_and_takes_the_points_back(paid, commit):
    points_before = member_points()
    order = paid({ESPRESSO: 2})
    assert member_points() > points_before
    cancelled = []

    def on_cancelled(sender, entry, order_number, **kwargs):
        cancelled.append(order_number)

    transaction_cancelled.connect(on_cancelled)
    try:
        with commit():
            status(order, "Cancelled")
    finally:
        transaction_cancelled.disconnect(on_cancelled)
    entry = only_entry(kind=Kind.CANCEL_TRANSACTION)
    assert (entry.external_id, entry.state) == (order.number, State.SENT)
    assert transactions_at_diller()[order.number].is_cancelled
    assert member_points() == points_before
    assert cancelled == [order.number]


def test_a_partial_return_cancels_and_sends_what_was_kept_as_a_new_transaction(paid, commit):
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    espresso = order.lines.get(upc=ESPRESSO)
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(espresso, 1)])
    cancel = only_entry(kind=Kind.CANCEL_TRANSACTION)
    remainder = only_entry(kind=Kind.RESEND_REMAINDER)
    assert (cancel.state, remainder.state) == (State.SENT, State.SENT)
    assert remainder.external_id == f"{order.number}-R1" and remainder.depends_on == cancel
    assert transactions_at_diller()[order.number].is_cancelled
    kept = transactions_at_diller()[f"{order.number}-R1"].request
    quantities = {d["product"]["external_id"]: d["quantity"] for d in kept["details"]}
    assert quantities == {ESPRESSO: 1, MUG: 1, "shipping": 1}
    assert D(str(kept["total"])) == order.total_incl_tax - D("189.00")
    assert money_sum(d["total_price"] for d in kept["details"]) == D(str(kept["total"]))
    # A second return of the same order corrects the remainder, not the original.
    mug = order.lines.get(upc=MUG)
    with commit():
        event(order, "Refunded", amount=mug.line_price_incl_tax, lines=[(mug, 1)])
    assert transactions_at_diller()[f"{order.number}-R1"].is_cancelled
    last = transactions_at_diller()[f"{order.number}-R2"].request
    assert {d["product"]["external_id"]: d["quantity"] for d in last["details"]} == {
        ESPRESSO: 1,
        "shipping": 1,
    }
    live = [t for t in transactions_at_diller().values() if not t.is_cancelled]
    assert [t.external_id for t in live] == [f"{order.number}-R2"]
    assert member_points() > points_before


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
def test_a_partial_return_can_use_the_refund_endpoint_instead(paid, commit):
    order = paid({ESPRESSO: 2})
    points_after_purchase = member_points()
    espresso = order.lines.get(upc=ESPRESSO)
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(espresso, 1)])
    refund = only_entry(kind=Kind.REFUND)
    assert refund.state == State.SENT and refund.external_id.startswith(f"{order.number}-RF-")
    (recorded,) = transactions_at_diller()[order.number].refunds
    assert recorded.total == D("189.00")
    assert recorded.request["details"][0]["quantity"] == 1
    assert member_points() < points_after_purchase
    assert not transactions_at_diller()[order.number].is_cancelled


def refund_the_espressos(order):
    """The refund of the order's 2 espressos (378.00), with its lines."""
    espresso = order.lines.get(upc=ESPRESSO)
    event(order, "Refunded", amount=D("378.00"), lines=[(espresso, 2)])


def refund_the_mug(order):
    mug = order.lines.get(upc=MUG)
    event(order, "Refunded", amount=mug.line_price_incl_tax, lines=[(mug, 1)])


def refused_refund_of_the_espressos(order):
    """The espressos' refund, which Diller refuses for good (the entry ends dead)."""
    refused = {"title": "Bad Request", "status": 400, "detail": "Refund refused."}
    embedded_sandbox().override_response("createRefundTransaction", 400, refused)
    refund_the_espressos(order)


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
def test_a_refund_of_the_whole_order_cancels_its_transaction_instead(place, commit):
    """A refund of every line would leave the shipping's points and the coupon used."""
    order = place({ESPRESSO: 2, MUG: 1})
    coupon_on_espresso(order, "PCT20COFFEE", "37.80")
    points_before = member_points()
    with commit():
        event(order, "Settled")
    espresso, mug = order.lines.get(upc=ESPRESSO), order.lines.get(upc=MUG)
    with commit():
        event(order, "Refunded", amount=D("1.00"), lines=[(espresso, 2), (mug, 1)])
    refund, cancel = only_entry(kind=Kind.REFUND), only_entry(kind=Kind.CANCEL_TRANSACTION)
    assert refund.state == State.SKIPPED and f"entry #{cancel.pk}" in refund.last_error
    assert (cancel.state, cancel.external_id, cancel.source) == (
        State.SENT,
        order.number,
        refund.source,
    )
    purchase = transactions_at_diller()[order.number]
    assert purchase.is_cancelled and purchase.refunds == []
    assert member_points() == points_before
    assert store().coupons["PCT20COFFEE"].times_redeemed(SEED_MEMBER_ID) == 0
    entries = OutboxEntry.objects.count()
    with commit():
        status(order, "Cancelled")  # the shop cancels the order too: nothing more to do
    assert OutboxEntry.objects.exclude(kind=Kind.RELEASE_LOYALTY).count() == entries
    assert only_entry(kind=Kind.CANCEL_TRANSACTION).source == refund.source


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
@pytest.mark.parametrize("cancel_after_refunds", CANCEL_AFTER_REFUNDS)
def test_an_order_refunded_in_full_and_then_cancelled_is_not_cancelled_again(
    paid, commit, cancel_after_refunds
):
    """A cancel after refunds might take the refunded points again: the status that cancels
    the order refunds what the transaction still holds, here nothing. The points end right
    whichever a cancel would do (the sandbox's two answers)."""
    embedded_sandbox().cancel_after_refunds = cancel_after_refunds
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    with commit():
        refund_the_espressos(order)
    with commit():
        refund_the_mug(order)
    purchase = transactions_at_diller()[order.number]
    assert purchase.refunded_total == purchase.total
    with commit():
        status(order, "Cancelled")
    assert not OutboxEntry.objects.filter(kind=Kind.CANCEL_TRANSACTION).exists()
    assert not transactions_at_diller()[order.number].is_cancelled
    last = OutboxEntry.objects.filter(kind=Kind.REFUND).latest("pk")
    assert (last.source, last.state) == ("order_status:Cancelled", State.SKIPPED)
    assert member_points() == points_before


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
def test_a_refund_diller_refused_then_cancelled_takes_every_point_back(paid, commit):
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    with commit():
        refused_refund_of_the_espressos(order)
    assert only_entry(kind=Kind.REFUND).state == State.DEAD  # it never took a point
    with commit():
        status(order, "Cancelled")
    assert transactions_at_diller()[order.number].is_cancelled
    assert member_points() == points_before


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
def test_a_return_completing_the_order_after_a_refused_refund_cancels_instead(paid, commit):
    """The refused refund took no points: the transaction is cancelled, as with no refund."""
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    with commit():
        refused_refund_of_the_espressos(order)
    assert only_entry(kind=Kind.REFUND).state == State.DEAD  # it never took a point
    with commit():
        refund_the_mug(order)
    assert transactions_at_diller()[order.number].is_cancelled
    assert member_points() == points_before


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
@pytest.mark.parametrize("cancel_after_refunds", CANCEL_AFTER_REFUNDS)
def test_an_order_partly_refunded_then_cancelled_refunds_the_rest(
    paid, commit, cancel_after_refunds
):
    embedded_sandbox().cancel_after_refunds = cancel_after_refunds
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    with commit():
        refund_the_espressos(order)
    with commit():
        status(order, "Cancelled")
    assert not OutboxEntry.objects.filter(kind=Kind.CANCEL_TRANSACTION).exists()
    purchase = transactions_at_diller()[order.number]
    assert purchase.refunded_total == purchase.total
    assert member_points() == points_before


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
def test_refunds_that_bring_back_the_whole_order_take_every_point_back(paid, commit):
    """After a refund, the return that completes the order refunds everything the transaction
    still holds, shipping too (a cancel after refunds is not in Diller's contract)."""
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    with commit():
        refund_the_espressos(order)
    with commit():
        refund_the_mug(order)
    assert not OutboxEntry.objects.filter(kind=Kind.CANCEL_TRANSACTION).exists()
    purchase = transactions_at_diller()[order.number]
    first, last = purchase.refunds
    assert {d["product"]["external_id"]: d["quantity"] for d in last.request["details"]} == {
        MUG: 1,
        "shipping": 1,
    }
    assert first.total + last.total == purchase.total == order.total_incl_tax
    assert member_points() == points_before


@override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"})
def test_a_refund_completing_the_order_refunds_the_rest_while_an_earlier_one_waits(paid, commit):
    """Refunds do not wait for one another: the earlier one may still reach Diller, so the
    transaction is not cancelled under it."""
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    espresso, mug = order.lines.get(upc=ESPRESSO), order.lines.get(upc=MUG)
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"createRefundTransaction"}):
        with commit():
            event(order, "Refunded", amount=D("378.00"), lines=[(espresso, 2)])
    first = only_entry(kind=Kind.REFUND)
    assert first.state == State.FAILED
    with commit():
        event(order, "Refunded", amount=mug.line_price_incl_tax, lines=[(mug, 1)])
    due_now(first)
    outbox.drain()
    assert not OutboxEntry.objects.filter(kind=Kind.CANCEL_TRANSACTION).exists()
    assert set(OutboxEntry.objects.filter(kind=Kind.REFUND).values_list("state", flat=True)) == {
        State.SENT
    }
    purchase = transactions_at_diller()[order.number]
    assert purchase.refunded_total == purchase.total and not purchase.is_cancelled
    assert member_points() == points_before


def test_a_return_of_every_line_cancels_and_sends_no_remainder(paid, commit):
    points_before = member_points()
    order = paid({ESPRESSO: 2, MUG: 1})
    with commit():
        refund_the_espressos(order)
    with commit():
        refund_the_mug(order)
    last = OutboxEntry.objects.filter(kind=Kind.RESEND_REMAINDER).latest("pk")
    assert (last.external_id, last.state) == (f"{order.number}-R2", State.SKIPPED)
    assert sorted(transactions_at_diller()) == [order.number, f"{order.number}-R1"]
    assert all(t.is_cancelled for t in transactions_at_diller().values())
    assert member_points() == points_before


def test_a_return_of_an_order_diller_never_received_is_a_negative_transaction(place, commit):
    order = place({ESPRESSO: 2})
    event(order, "Settled")
    OutboxEntry.objects.all().delete()  # paid before the plugin was installed
    espresso = order.lines.get(upc=ESPRESSO)
    points_before = member_points()
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(espresso, 1)])
    entry = only_entry(kind=Kind.RETURN_TRANSACTION)
    assert entry.state == State.SENT
    body = transactions_at_diller()[entry.external_id].request
    (detail,) = body["details"]
    assert detail["quantity"] == -1 and D(str(detail["total_price"])) == D("-189.00")
    assert D(str(body["total"])) == D("-189.00")
    assert member_points() < points_before


def test_returns_wait_for_the_transaction_they_correct(place, commit):
    order = place({ESPRESSO: 2})
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"createTransaction"}):
        with commit():
            event(order, "Settled")
            status(order, "Cancelled")
    send = only_entry(kind=Kind.SEND_TRANSACTION)
    cancel = only_entry(kind=Kind.CANCEL_TRANSACTION)
    assert (send.state, cancel.state) == (State.FAILED, State.PENDING)
    assert outbox.claim_due(entry_id=cancel.pk) == []  # not before its transaction is sent
    OutboxEntry.objects.filter(pk=send.pk).update(next_attempt_at=timezone.now())
    sent = []
    transaction_sent.connect(receiver := lambda sender, **kw: sent.append(kw["entry"].kind))
    try:
        outbox.drain()
    finally:
        transaction_sent.disconnect(receiver)
    cancel.refresh_from_db()
    assert cancel.state == State.SENT and sent == [Kind.SEND_TRANSACTION]
    assert transactions_at_diller()[order.number].is_cancelled


def test_a_cancel_after_a_lost_answer_and_a_duplicate_answer_takes_the_points_back(
    place, commit, duplicate_answer
):
    """The transaction's answer is lost, its resend is answered as a duplicate (in any of the
    contract's shapes): it counts as received, and the order's cancel follows."""
    points_before = member_points()
    order = place({ESPRESSO: 2})
    with lose_the_answer_once("createTransaction"), commit():
        event(order, "Settled")
    with commit():
        status(order, "Cancelled")
    send, cancel = only_entry(kind=Kind.SEND_TRANSACTION), only_entry(kind=Kind.CANCEL_TRANSACTION)
    assert (send.state, cancel.state) == (State.FAILED, State.PENDING)
    due_now(send)
    outbox.drain()
    send.refresh_from_db()
    cancel.refresh_from_db()
    assert (send.state, cancel.state) == (State.SENT, State.SENT)
    assert send.response["received_before"] is True
    assert transactions_at_diller()[order.number].is_cancelled
    assert member_points() == points_before


def test_a_cancel_still_goes_when_its_transaction_died_without_an_answer(place, commit):
    """Every answer to the transaction was lost, so its entry is dead; Diller has it all the
    same. The cancel is sent anyway, and the member does not keep the points."""
    points_before = member_points()
    order = place({ESPRESSO: 2})
    with lose_the_answer_once("createTransaction"), commit():
        event(order, "Settled")
    send = only_entry(kind=Kind.SEND_TRANSACTION)
    OutboxEntry.objects.filter(pk=send.pk).update(state=State.DEAD)  # out of attempts
    with commit():
        status(order, "Cancelled")
    cancel = only_entry(kind=Kind.CANCEL_TRANSACTION)
    assert cancel.state == State.SENT
    assert transactions_at_diller()[order.number].is_cancelled
    assert member_points() == points_before


def test_a_cancel_of_a_transaction_diller_never_got_is_given_up_for_staff(place, commit):
    """Diller was down for every attempt of the transaction (never processed): its cancel is
    answered "not found", tried a few times, then dead with the reason, never left pending."""
    order = place({ESPRESSO: 2})
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"createTransaction"}):
        with commit():
            event(order, "Settled")
    send = only_entry(kind=Kind.SEND_TRANSACTION)
    OutboxEntry.objects.filter(pk=send.pk).update(state=State.DEAD)  # out of attempts
    failures = []
    transaction_failed.connect(receiver := lambda sender, **kw: failures.append(kw["will_retry"]))
    try:
        with commit():
            status(order, "Cancelled")
        cancel = only_entry(kind=Kind.CANCEL_TRANSACTION)
        assert cancel.state == State.FAILED
        assert f"no transaction {order.number} to cancel" in cancel.last_error
        for _ in range(outbox.max_attempts()):
            due_now(cancel)
            outbox.drain()
    finally:
        transaction_failed.disconnect(receiver)
    cancel.refresh_from_db()
    assert cancel.state == State.DEAD and cancel.attempts == 3  # OUTBOX_NOT_FOUND_ATTEMPTS
    assert cancel.last_error.startswith("Gave up after 3 attempt(s).")
    assert f"entry #{send.pk} is dead" in cancel.last_error
    assert failures == [True, True, False]
    assert len(embedded_sandbox().requests_for("cancelTransaction")) == 3
    assert order.number not in transactions_at_diller()


@override_settings(DILLER={**DILLER, "OUTBOX_NOT_FOUND_ATTEMPTS": 1})
def test_the_number_of_not_found_attempts_is_a_setting(place, commit):
    order = place({ESPRESSO: 2})
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"createTransaction"}):
        with commit():
            event(order, "Settled")
    OutboxEntry.objects.filter(kind=Kind.SEND_TRANSACTION).update(state=State.DEAD)
    with commit():
        status(order, "Cancelled")
    cancel = only_entry(kind=Kind.CANCEL_TRANSACTION)
    assert (cancel.state, cancel.attempts) == (State.DEAD, 1)


def test_a_cancel_diller_confirmed_the_transaction_of_is_dead_at_once_when_not_found(paid, commit):
    order = paid({ESPRESSO: 2})
    embedded_sandbox().override_response(
        "cancelTransaction", 404, {"title": "Not Found", "status": 404}
    )
    with commit():
        status(order, "Cancelled")
    cancel = only_entry(kind=Kind.CANCEL_TRANSACTION)
    assert (cancel.state, cancel.attempts) == (State.DEAD, 1)
    assert "HTTP 404" in cancel.last_error


def test_a_remainder_is_not_sent_after_a_dead_cancel_and_says_why(paid, commit):
    order = paid({ESPRESSO: 2})
    embedded_sandbox().override_response(
        "cancelTransaction", 200, {"is_ok": False, "details": "Store is closed"}
    )
    espresso = order.lines.get(upc=ESPRESSO)
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(espresso, 1)])
    cancel = only_entry(kind=Kind.CANCEL_TRANSACTION)
    remainder = only_entry(kind=Kind.RESEND_REMAINDER)
    assert (cancel.state, remainder.state) == (State.DEAD, State.DEAD)
    assert f"entry #{cancel.pk}" in remainder.last_error
    assert "Send that one again first" in remainder.last_error
    assert f"{order.number}-R1" not in transactions_at_diller()  # no double points
    # Once the cause is fixed, staff send both again, and they go in order.
    outbox.retry(OutboxEntry.objects.filter(pk__in=[cancel.pk, remainder.pk]))
    outbox.drain()
    assert transactions_at_diller()[order.number].is_cancelled
    assert f"{order.number}-R1" in transactions_at_diller()


@override_settings(DILLER={**DILLER, "RETURN_ON_SHIPPING_EVENTS": ["Returned"]})
def test_a_shipping_return_event_can_trigger_the_return_too(paid, commit):
    order = paid({ESPRESSO: 2})
    espresso = order.lines.get(upc=ESPRESSO)
    returned, _ = ShippingEventType.objects.get_or_create(name="Returned")
    with commit():
        EventHandler().create_shipping_event(order, returned, [espresso], [1])
    kept = transactions_at_diller()[f"{order.number}-R1"].request
    assert kept["details"][0]["quantity"] == 1


@override_settings(DILLER={**DILLER, "RETURN_ON_REFUND_TRANSACTIONS": ["Refund"]})
def test_an_amount_refunded_through_the_payment_source_is_returned_by_amount(paid, commit):
    order = paid({ESPRESSO: 2})
    with commit():
        order.sources.get().refund(D("100.00"))
    kept = transactions_at_diller()[f"{order.number}-R1"].request
    assert "details" not in kept
    assert D(str(kept["total"])) == order.total_incl_tax - D("100.00")


def test_the_same_cause_is_handled_once(paid, commit):
    from django_diller.contrib.oscar import triggers

    order = paid({ESPRESSO: 2})
    with commit():
        status(order, "Cancelled")
        triggers.queue_return(order, "order_status:Cancelled", everything=True)
    assert OutboxEntry.objects.filter(kind=Kind.CANCEL_TRANSACTION).count() == 1
    assert len(embedded_sandbox().requests_for("cancelTransaction")) == 1


def test_a_broken_trigger_never_breaks_the_shops_payment_event(place, commit, monkeypatch):
    from django_diller.contrib.oscar import triggers

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(triggers, "queue_transaction", broken)
    order = place({ESPRESSO: 1})
    with commit():
        recorded = event(order, "Settled")
    assert recorded.pk and order.payment_events.count() == 1
    assert not OutboxEntry.objects.exists()


def test_the_payload_is_kept_and_resent_unchanged(place, commit):
    order = place({ESPRESSO: 1})
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"createTransaction"}):
        with commit():
            event(order, "Settled")
    entry = only_entry(order_number=order.number)
    first = dict(entry.payload)
    assert entry.state == State.FAILED and first["external_id"] == order.number  # built once
    OrderLoyaltyItem.objects.create(  # a change to the order after the first attempt ...
        order_number=order.number,
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        kind=OrderLoyaltyItem.Kind.COUPON,
        reference="PCT10",
    )
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now() - timedelta(1))
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT
    assert entry.payload == first  # ... does not change what is sent
    assert "coupon_codes" not in transactions_at_diller()[order.number].request


# Backfill ----------------------------------------------------------------------------------


def backfill(*args):
    out = StringIO()
    call_command("diller_backfill", *args, stdout=out)
    return out.getvalue()


def test_backfill_queues_paid_member_orders_that_never_reached_diller(place, commit, shop):
    from django.contrib.auth import get_user_model

    paid_before_install = place({ESPRESSO: 1})
    event(paid_before_install, "Settled")
    OutboxEntry.objects.all().delete()  # as if the plugin was not installed yet
    unpaid = place({MUG: 1})
    other = get_user_model().objects.get(email="other@example.com")
    not_a_member = place({MUG: 1}, user=other)
    event(not_a_member, "Settled")
    since = (timezone.now() - timedelta(days=1)).date().isoformat()

    assert backfill("--since", since, "--dry-run").startswith("1 order(s) would be queued")
    assert not OutboxEntry.objects.exists()
    with commit():
        report = backfill("--since", since)
    assert report.startswith("1 order(s) queued")
    assert "1 not paid" in report and "1 not members" in report
    entry = only_entry(order_number=paid_before_install.number)
    assert (entry.source, entry.state) == ("backfill", State.SENT)
    assert unpaid.number not in transactions_at_diller()
    assert backfill("--since", since).startswith("0 order(s) queued")


def test_backfill_rejects_a_bad_date():
    with pytest.raises(CommandError, match="--since must be a date"):
        backfill("--since", "yesterday")
