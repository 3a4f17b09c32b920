"""Corrections and edge cases of sending orders: loyalty orders cancelled, unpaid orders,
stamps and coupons in remainders, rounding, guests, late backfills, lost leases."""

from datetime import timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.contrib.oscar.guests import _send_waiting_transaction, record_guest_consents
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import ConsentRecord, OrderLoyaltyItem, OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.outbox import registry
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .conftest import ESPRESSO, MUG
from .orders import (
    DILLER,
    Kind,
    State,
    answered_status,
    event,
    lose_the_answer_once,
    loyalty_item,
    member_points,
    only_entry,
    status,
    store,
    transactions_at_diller,
)

Line = get_model("order", "Line")
Order = get_model("order", "Order")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]


def sent_again(entry, style):
    """Send an entry whose answer was lost again; it must end sent, as received before."""
    assert entry.state == State.FAILED
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.attempts == 2
    assert entry.response["received_before"] is True
    assert entry.response["status"] == answered_status(style)
    return entry


def coffee_coupon(order):
    return loyalty_item(
        order,
        OrderLoyaltyItem.Kind.COUPON,
        "PCT20COFFEE",
        amount=D("37.80"),
        lines=[{"product_id": ESPRESSO, "discount": "37.80", "collected": 0, "deducted": 0}],
    )


def big_basket_stamp(order):
    """The order earned the Big basket card's (103) stamp: a purchase of 500.00 or more."""
    return loyalty_item(
        order,
        OrderLoyaltyItem.Kind.STAMP_CARD,
        "103",
        stamps_collected=1,
        threshold_amount=D("500"),
        lines=[],
    )


def test_cancelling_an_order_that_used_a_coupon_cancels_its_transaction(place, commit):
    order = place({ESPRESSO: 2})
    coffee_coupon(order)
    with commit():
        event(order, "Settled")
    with commit():
        status(order, "Cancelled")
    # Both happen: the reservations are released and the transaction is cancelled.
    assert only_entry(kind=Kind.RELEASE_LOYALTY).state == State.SENT
    assert only_entry(kind=Kind.CANCEL_TRANSACTION).state == State.SENT
    assert transactions_at_diller()[order.number].is_cancelled
    assert store().coupons["PCT20COFFEE"].times_redeemed(SEED_MEMBER_ID) == 0


def test_cancelling_or_refunding_an_order_that_was_never_paid_sends_nothing(place, commit):
    order = place({ESPRESSO: 2})
    before = member_points()
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(order.lines.get(), 1)])
        status(order, "Cancelled")
    assert not OutboxEntry.objects.exists()
    assert member_points() == before


def test_a_remainder_collects_no_more_stamps_than_units_kept(place, commit):
    order = place({ESPRESSO: 4})
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.STAMP_CARD,
        "101",
        stamps_collected=4,
        lines=[{"product_id": ESPRESSO, "discount": "0", "collected": 4, "deducted": 0}],
    )
    card = store().stamp_cards[101]
    start = card.stamps_of(SEED_MEMBER_ID)
    with commit():
        event(order, "Settled")
    assert card.stamps_of(SEED_MEMBER_ID) == start + 4
    with commit():
        event(order, "Refunded", amount=D("567.00"), lines=[(order.lines.get(), 3)])
    (detail, _shipping) = only_entry(kind=Kind.RESEND_REMAINDER).payload["details"]
    assert detail["stamp_cards"] == [{"stamp_card_id": 101, "action": "collected", "count": 1}]
    assert card.stamps_of(SEED_MEMBER_ID) == start + 1


def test_a_remainder_whose_coupon_expired_since_is_sent_without_it(place, commit):
    order = place({ESPRESSO: 2, MUG: 1})
    coffee_coupon(order)
    before = member_points()
    with commit():
        event(order, "Settled")
    store().coupons["PCT20COFFEE"].valid_to = timezone.now() - timedelta(days=1)
    mug = order.lines.get(upc=MUG)
    with commit():
        event(order, "Refunded", amount=mug.line_price_incl_tax, lines=[(mug, 1)])
    remainder = only_entry(kind=Kind.RESEND_REMAINDER)
    assert remainder.state == State.SENT
    assert "expired" in remainder.response["loyalty_dropped"]
    assert all("coupon_codes" not in d for d in remainder.payload["details"])
    kept = transactions_at_diller()[remainder.external_id]
    assert kept.points_delta > 0 and member_points() > before


def test_a_remainders_total_is_the_sum_of_its_rounded_details(paid, commit):
    order = paid({ESPRESSO: 3, MUG: 3})
    espresso, mug = order.lines.get(upc=ESPRESSO), order.lines.get(upc=MUG)
    # Line totals that do not divide by three: a third of each is 33.333…
    Line.objects.filter(pk__in=[espresso.pk, mug.pk]).update(line_price_incl_tax=D("100.00"))
    with commit():
        event(order, "Refunded", amount=D("1.00"), lines=[(espresso, 2), (mug, 2)])
    body = only_entry(kind=Kind.RESEND_REMAINDER).payload
    assert [d["total_price"] for d in body["details"]] == ["33.33", "33.33", "49.00"]
    assert body["total"] == "115.66"


def test_a_guests_transaction_waits_then_is_sent_when_the_registration_succeeds(place, commit):
    order = place({MUG: 1}, user=None)
    record_guest_consents(order.number, SEED_STORE_ID, join=True, history=True)  # at checkout
    Order.objects.filter(pk=order.pk).update(date_placed=timezone.now() - timedelta(days=3))
    with commit():
        event(order, "Settled")
    entry = only_entry(order_number=order.number)
    assert entry.state == State.SKIPPED  # waited too long for the registration
    ConsentRecord.objects.filter(order_number=order.number).update(member_id=SEED_MEMBER_ID)
    _send_waiting_transaction(order.number)  # what a late, successful registration does
    entry.refresh_from_db()
    assert entry.state == State.SENT and order.number in transactions_at_diller()


def test_a_late_backfill_sends_what_the_buyer_kept(place, commit):
    order = place({ESPRESSO: 2})
    event(order, "Settled")
    event(order, "Refunded", amount=D("189.00"), lines=[(order.lines.get(), 1)])
    OutboxEntry.objects.update(depends_on=None)
    OutboxEntry.objects.all().delete()  # all this happened before the plugin was installed
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    with commit():
        call_command("diller_backfill", "--since", since, stdout=StringIO())
    live = [t for t in transactions_at_diller().values() if not t.is_cancelled]
    assert [t.external_id for t in live] == [f"{order.number}-R1"]
    assert live[0].total == order.total_incl_tax - D("189.00")


class Answers(registry.Handler):
    """A purchase handler that answers with ``send(entry)``."""

    kind = Kind.SEND_TRANSACTION

    def __init__(self, send) -> None:
        self.send = send


def test_a_send_that_outlived_its_lease_does_not_overwrite_the_next_workers_outcome(
    monkeypatch,
):
    entry = outbox.enqueue(
        Kind.SEND_TRANSACTION, "100001", order_number="100001", store_id=SEED_STORE_ID
    )
    (mine,) = outbox.claim_due()
    taken_over = []

    def slow_send(row):
        # Meanwhile the lease ran out and another worker sent the row.
        OutboxEntry.objects.filter(pk=row.pk).update(leased_until=timezone.now())
        (theirs,) = outbox.claim_due(entry_id=row.pk)
        theirs_answer = Answers(lambda r: {"theirs": 1})
        monkeypatch.setitem(registry.HANDLERS, Kind.SEND_TRANSACTION, theirs_answer)
        outbox.deliver(theirs)
        taken_over.append(True)
        return {"mine": 1}

    monkeypatch.setitem(registry.HANDLERS, Kind.SEND_TRANSACTION, Answers(slow_send))
    outbox.deliver(mine)
    entry.refresh_from_db()
    assert taken_over and entry.state == State.SENT
    assert (entry.response, entry.attempts) == ({"theirs": 1}, 1)


def test_a_fresh_return_event_without_its_line_quantities_yet_is_read_again_later(paid, commit):
    from django_diller.contrib.oscar.returns import returned_by

    order = paid({ESPRESSO: 2})
    refund = event(order, "Refunded-without-trigger", amount=D("189.00"))
    with pytest.raises(outbox.NotReady):
        returned_by(order, f"payment_event:{refund.pk}")
    type(refund).objects.filter(pk=refund.pk).update(
        date_created=timezone.now() - timedelta(minutes=5)
    )
    assert returned_by(order, f"payment_event:{refund.pk}").amount == D("189.00")


def test_an_amount_only_refund_carries_its_share_of_the_tax(paid, commit):
    refund_mode = {
        **DILLER,
        "PARTIAL_RETURNS": "refund",
        "RETURN_ON_REFUND_TRANSACTIONS": ["Refund"],
    }
    with override_settings(DILLER=refund_mode):
        order = paid({ESPRESSO: 2})
        purchase = transactions_at_diller()[order.number].request
        with commit():
            order.sources.get().refund(D("100.00"))
        body = only_entry(kind=Kind.REFUND).payload
    share = D("100.00") / order.total_incl_tax
    assert body["total"] == "100.00" and "details" not in body
    assert D(body["total_tax"]) == (D(str(purchase["total_tax"])) * share).quantize(D("0.01"))


# Resent corrections: Diller's "I already have it", in each shape the contract allows ---------


def test_a_cancel_whose_answer_was_lost_counts_as_cancelled(paid, commit, duplicate_answer):
    points_before = member_points()
    order = paid({ESPRESSO: 2})
    with lose_the_answer_once("cancelTransaction"), commit():
        status(order, "Cancelled")
    sent_again(only_entry(kind=Kind.CANCEL_TRANSACTION), duplicate_answer)
    assert transactions_at_diller()[order.number].is_cancelled
    assert member_points() == points_before
    assert len(embedded_sandbox().requests_for("cancelTransaction")) == 2


def test_a_remainder_whose_answer_was_lost_is_kept_once(paid, commit, duplicate_answer):
    order = paid({ESPRESSO: 2, MUG: 1})
    espresso = order.lines.get(upc=ESPRESSO)
    with lose_the_answer_once("createTransaction"), commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(espresso, 1)])
    remainder = only_entry(kind=Kind.RESEND_REMAINDER)
    points_with_remainder = member_points()
    remainder = sent_again(remainder, duplicate_answer)
    assert remainder.external_id == f"{order.number}-R1"
    assert "loyalty_dropped" not in remainder.response  # not taken for a refused coupon
    assert sorted(transactions_at_diller()) == [order.number, f"{order.number}-R1"]
    assert member_points() == points_with_remainder


def test_a_return_whose_answer_was_lost_takes_the_points_back_once(place, commit, duplicate_answer):
    order = place({ESPRESSO: 2})
    event(order, "Settled")
    OutboxEntry.objects.all().delete()  # paid before the plugin was installed
    points_before = member_points()
    with lose_the_answer_once("createTransaction"), commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(order.lines.get(), 1)])
    entry = sent_again(only_entry(kind=Kind.RETURN_TRANSACTION), duplicate_answer)
    assert entry.external_id.startswith(f"{order.number}-RET-")
    assert member_points() == points_before - 189


def test_a_refund_whose_answer_was_lost_is_refunded_once(place, commit, duplicate_answer):
    with override_settings(DILLER={**DILLER, "PARTIAL_RETURNS": "refund"}):
        embedded_sandbox().duplicate_answer = duplicate_answer  # a fresh sandbox
        order = place({ESPRESSO: 2})
        with commit():
            event(order, "Settled")
        points_after_purchase = member_points()
        espresso = order.lines.get(upc=ESPRESSO)
        with lose_the_answer_once("createRefundTransaction"), commit():
            event(order, "Refunded", amount=D("189.00"), lines=[(espresso, 1)])
        refund = sent_again(only_entry(kind=Kind.REFUND), duplicate_answer)
        (recorded,) = transactions_at_diller()[order.number].refunds
        assert recorded.external_id == refund.external_id
        assert member_points() == points_after_purchase - 189


@pytest.mark.parametrize(("bought", "kept_stamp"), [(3, False), (4, True)])
def test_a_return_below_a_threshold_cards_amount_takes_its_stamp_back(
    place, commit, bought, kept_stamp
):
    """Big basket (103): a stamp for a purchase of 500 or more. One espresso (189.00) comes
    back: 3 bought keep 378.00, below the amount; 4 bought keep 567.00, still above it."""
    order = place({ESPRESSO: bought})
    big_basket_stamp(order)
    card = store().stamp_cards[103]
    start = card.stamps_of(SEED_MEMBER_ID)
    with commit():
        event(order, "Settled")
    assert card.stamps_of(SEED_MEMBER_ID) == start + 1
    with commit():
        event(order, "Refunded", amount=D("189.00"), lines=[(order.lines.get(), 1)])
    remainder = only_entry(kind=Kind.RESEND_REMAINDER)
    assert remainder.state == State.SENT
    reports = remainder.payload.get("stamp_cards", [])
    assert (reports == [{"stamp_card_id": 103, "action": "collected", "count": 1}]) is kept_stamp
    assert card.stamps_of(SEED_MEMBER_ID) == start + kept_stamp


@override_settings(DILLER={**DILLER, "RETURN_ON_REFUND_TRANSACTIONS": ["Refund"]})
def test_an_amount_returned_without_lines_below_the_threshold_takes_the_stamp_back(place, commit):
    order = place({ESPRESSO: 3})  # 567.00 of goods
    big_basket_stamp(order)
    with commit():
        event(order, "Settled")
    assert "stamp_cards" in transactions_at_diller()[order.number].request
    with commit():
        order.sources.get().refund(D("100.00"))  # 467.00 of goods kept
    remainder = only_entry(kind=Kind.RESEND_REMAINDER)
    assert remainder.state == State.SENT
    assert D(remainder.payload["total"]) == order.total_incl_tax - D("100.00")
    assert "stamp_cards" not in remainder.payload
    assert store().stamp_cards[103].stamps_of(SEED_MEMBER_ID) == 2  # as before the order
