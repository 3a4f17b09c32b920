"""Oscar orders become Dintero receipts: the payment and return triggers Diller uses queue one
receipt per paid order and one per return, with or without Diller, and the buyer is named only
when they let the shop keep their purchase history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.contrib.oscar import dintero_receipts
from django_diller.contrib.oscar.dintero_triggers import PAID_BEFORE
from django_diller.dintero.kinds import Kind
from django_diller.dintero.receipts import ORIGINAL_RECEIPT
from django_diller.loyalty.kinds import Kind as DillerKind
from django_diller.models import Consent, ConsentRecord, MemberLink, OutboxEntry, Source
from django_diller.outbox import engine as outbox
from django_diller.sandbox.seed import SEED_MEMBER_ID
from django_diller.sandbox.seed import SEED_STORE_ID as DILLER_STORE_ID
from tests.oscar.orders import EventHandler, ShippingEventType, event, status

from .conftest import DINTERO, ESPRESSO, MUG
from .helpers import created_receipts, receipts_at_dintero

PaymentEvent = get_model("order", "PaymentEvent")
pytestmark = pytest.mark.usefixtures("receivers")
State = OutboxEntry.State


def minor(amount) -> int:
    return int(D(amount) * 100)


def receipt_rows(**filters):
    return OutboxEntry.objects.filter(kind__in=[Kind.RECEIPT, Kind.RETURN], **filters)


def settled_long_ago():
    """The payment events are older than the wait for their line quantities: deliver again."""
    PaymentEvent.objects.update(date_created=timezone.now() - timedelta(minutes=10))
    OutboxEntry.objects.filter(state=State.FAILED).update(next_attempt_at=timezone.now())
    outbox.drain()


def paid(place, commit, items, **kwargs):
    order = place(items, **kwargs)
    with commit():
        event(order, "Settled")
    return order


def test_a_paid_order_is_one_receipt_however_often_payment_is_recorded(dintero, place, commit):
    order = place({ESPRESSO: 2, MUG: 1})
    with commit():
        event(order, "Settled")
        event(order, "Settled", amount=D("1.00"))
    (entry,) = receipt_rows()
    assert (entry.kind, entry.external_id, entry.state) == (Kind.RECEIPT, order.number, State.SENT)
    assert entry.source.startswith("payment_event:")
    body = receipts_at_dintero()[order.number]
    assert body["net_amount"] == minor(order.total_incl_tax)
    assert len(body["items"]) == 3  # two products and the shipping
    assert "customer_id" not in body  # a guest: anonymous
    assert created_receipts() == 1


@pytest.mark.parametrize(
    ("diller", "cause"),
    [
        ({"SEND_ON_ORDER_STATUSES": ["Being processed"]}, "order_status:Being processed"),
        ({"SEND_ON_ORDER_PLACED": True}, "order placed"),
    ],
)
def test_the_order_status_or_placing_sends_it_when_diller_s_settings_say_so(
    dintero, place, commit, diller, cause
):
    with override_settings(DILLER={**settings.DILLER, **diller}):
        with commit():
            order = place({MUG: 1})
            status(order, "Being processed")
            event(order, "Settled")
    (entry,) = receipt_rows()
    assert entry.source == cause and entry.state == State.SENT
    assert list(receipts_at_dintero()) == [order.number]


def test_paid_orders_reach_a_faulty_dintero_exactly_once(dintero, place, commit):
    orders = [place({ESPRESSO: 1 + n % 3, MUG: 1} if n % 2 else {ESPRESSO: 1}) for n in range(30)]
    with dintero.inject(seed=3, error_rate=0.1, timeout_rate=0.1, drop_rate=0.1):
        with commit():
            for order in orders:
                event(order, "Settled")
        for _round in range(outbox.max_attempts()):
            OutboxEntry.objects.filter(state=State.FAILED).update(next_attempt_at=timezone.now())
            outbox.drain()
    assert set(receipt_rows().values_list("state", flat=True)) == {State.SENT}
    sent = receipts_at_dintero()
    assert sorted(sent) == sorted(order.number for order in orders)
    for order in orders:
        assert sent[order.number]["net_amount"] == minor(order.total_incl_tax)
    faults = [r for r in dintero.requests_for("aid_receipts_post") if r.fault or r.status != 200]
    assert faults  # the faults did happen


def test_nothing_is_queued_while_dintero_is_off(place, commit):
    order = paid(place, commit, {ESPRESSO: 1})
    assert not receipt_rows().exists()
    with commit():
        status(order, "Cancelled")
    assert not receipt_rows().exists()


def test_a_shop_without_diller_sends_receipts(dintero, place, commit, customer):
    with override_settings(DILLER={}):
        order = paid(place, commit, {MUG: 1}, user=customer)
    assert order.number in receipts_at_dintero()
    assert not OutboxEntry.objects.filter(kind=DillerKind.SEND_TRANSACTION).exists()


def test_a_return_is_a_receipt_of_its_own(dintero, place, commit):
    order = paid(place, commit, {ESPRESSO: 2, MUG: 1})
    espresso = order.lines.get(product__upc=ESPRESSO)
    with commit():
        refund = event(order, "Refunded", amount=D("129.00"), lines=[(espresso, 1)])
    back = receipt_rows(kind=Kind.RETURN).get()
    assert back.external_id == f"{order.number}-RET-pe{refund.pk}"
    assert back.depends_on == receipt_rows(kind=Kind.RECEIPT).get()
    assert back.state == State.SENT
    body = receipts_at_dintero()[back.external_id]
    (item,) = body["items"]
    assert item["quantity"] == -1 and item["is_return_item"] is True
    assert item["net_amount"] == -minor(espresso.unit_price_incl_tax)
    assert item["line_id"] == receipts_at_dintero()[order.number]["items"][0]["line_id"]
    assert {"key": ORIGINAL_RECEIPT, "value": order.number, "value_type": "string"} in body[
        "extra_info"
    ]


def test_a_shipping_event_return_is_a_receipt_of_its_lines(dintero, place, commit):
    order = paid(place, commit, {ESPRESSO: 2, MUG: 1})
    mug = order.lines.get(product__upc=MUG)
    returned, _ = ShippingEventType.objects.get_or_create(name="Returned")
    with override_settings(DILLER={**settings.DILLER, "RETURN_ON_SHIPPING_EVENTS": ["Returned"]}):
        with commit():
            shipped = EventHandler().handle_shipping_event(order, returned, [mug], [1])
    back = receipt_rows(kind=Kind.RETURN).get()
    assert back.external_id == f"{order.number}-RET-se{shipped.pk}" and back.state == State.SENT
    (item,) = receipts_at_dintero()[back.external_id]["items"]
    assert (item["quantity"], item["net_amount"]) == (-1, -minor(mug.line_price_incl_tax))


def test_cancelling_after_a_partial_return_returns_only_what_was_kept(dintero, place, commit):
    order = paid(place, commit, {ESPRESSO: 2, MUG: 1})
    espresso = order.lines.get(product__upc=ESPRESSO)
    with commit():
        event(order, "Refunded", amount=D("129.00"), lines=[(espresso, 1)])
    with commit():
        status(order, "Cancelled")
    with commit():
        status(order, "Cancelled")  # once is all it takes
    first, rest = receipt_rows(kind=Kind.RETURN).order_by("pk")
    assert rest.external_id == f"{order.number}-RET-orderstatus" and rest.depends_on == first
    assert rest.state == State.SENT
    sold = receipts_at_dintero()[order.number]
    returned = [receipts_at_dintero()[e.external_id] for e in (first, rest)]
    assert sum(r["net_amount"] for r in returned) == -sold["net_amount"]
    units = {}
    for body in returned:
        for item in body["items"]:
            units[item["line_id"]] = units.get(item["line_id"], 0) + item["quantity"]
    assert units == {item["line_id"]: -item["quantity"] for item in sold["items"]}


def test_a_refund_of_an_amount_without_lines_is_skipped_unless_it_is_everything(
    dintero, place, commit
):
    order = paid(place, commit, {ESPRESSO: 2})
    with commit():
        event(order, "Refunded", amount=D("10.00"))
    part = receipt_rows(kind=Kind.RETURN).get()
    assert part.state == State.FAILED  # a fresh event's line quantities may be on their way
    settled_long_ago()
    part.refresh_from_db()
    assert part.state == State.SKIPPED and "names no lines" in part.last_error
    with commit():
        event(order, "Refunded", amount=order.total_incl_tax)
    settled_long_ago()
    whole = receipt_rows(kind=Kind.RETURN).exclude(pk=part.pk).get()
    assert whole.state == State.SENT
    assert receipts_at_dintero()[whole.external_id]["net_amount"] == -minor(order.total_incl_tax)


def test_an_order_paid_before_dintero_was_on_gets_its_receipt_with_its_return(
    place, commit, django_capture_on_commit_callbacks
):
    order = paid(place, commit, {MUG: 1})
    with override_settings(DINTERO=DINTERO):
        with commit():
            status(order, "Cancelled")
        sale, back = receipt_rows().order_by("pk")
        assert (sale.kind, sale.source, back.depends_on) == (Kind.RECEIPT, PAID_BEFORE, sale)
        assert {sale.state, back.state} == {State.SENT}
        assert set(receipts_at_dintero()) == {order.number, back.external_id}


def test_an_order_cancelled_before_it_was_paid_has_no_receipt(dintero, place, commit):
    order = place({MUG: 1})
    with commit():
        status(order, "Cancelled")
    assert not receipt_rows().exists()


# The buyer -------------------------------------------------------------------------------------


@pytest.fixture
def member(customer):
    MemberLink.objects.create(
        user=customer, store_id=DILLER_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    return customer


def history(member_id, given, order_number=""):
    ConsentRecord.objects.create(
        store_id=DILLER_STORE_ID,
        member_id=member_id,
        consent=Consent.ORDER_HISTORY,
        given=given,
        source=Source.PAGE,
        order_number=order_number,
    )


@pytest.mark.parametrize(
    ("identify_by", "allowed", "named"),
    [("member", True, "member"), ("shop", True, "user"), ("member", False, None)],
)
def test_the_buyer_is_named_only_with_their_consent(
    place, commit, member, identify_by, allowed, named
):
    history(SEED_MEMBER_ID, allowed)
    with override_settings(DINTERO={**DINTERO, "CUSTOMER_ID": identify_by}):
        order = paid(place, commit, {MUG: 1}, user=member)
        body = receipts_at_dintero()[order.number]
    expected = {"member": SEED_MEMBER_ID, "user": str(member.pk), None: None}[named]
    assert body.get("customer_id") == expected
    entry = receipt_rows().get()
    assert entry.member_id == (SEED_MEMBER_ID if named == "member" else "")


def test_a_guest_who_joins_later_is_attached_to_their_receipts(dintero, place, commit):
    order = paid(place, commit, {MUG: 1})
    assert "customer_id" not in receipts_at_dintero()[order.number]
    with commit():  # the guest finished joining: the shop records their consents
        for consent in (Consent.GDPR, Consent.ORDER_HISTORY):
            ConsentRecord.objects.create(
                store_id=DILLER_STORE_ID,
                member_id="guest-member",
                consent=consent,
                given=True,
                source=Source.ACTIVATION,
                order_number=order.number,
            )
    attach = OutboxEntry.objects.get(kind=Kind.ATTACH)
    assert attach.state == State.SENT and attach.external_id == order.number
    assert attach.member_id == "guest-member"
    assert receipts_at_dintero()[order.number]["customer_id"] == "guest-member"


def test_a_guest_who_joins_without_sharing_history_stays_anonymous(dintero, place, commit):
    order = paid(place, commit, {MUG: 1})
    with commit():
        ConsentRecord.objects.create(
            store_id=DILLER_STORE_ID,
            member_id="guest-member",
            consent=Consent.GDPR,
            given=True,
            source=Source.ACTIVATION,
            order_number=order.number,
        )
    attach = OutboxEntry.objects.get(kind=Kind.ATTACH)
    assert attach.state == State.SKIPPED
    assert "customer_id" not in receipts_at_dintero()[order.number]


# The builders on their own ----------------------------------------------------------------------


def test_the_store_is_named_as_the_settings_say(dintero, place):
    order = place({MUG: 1})
    store = {"STORE_ID": "oslo-web", "STORE_NAME": "Kaffe Oslo", "ORGANIZATION_NUMBER": "987654321"}
    with override_settings(DINTERO={**DINTERO, **store}):
        body = dintero_receipts.receipt_for_order(order)
    assert body["store"] == {
        "id": "oslo-web",
        "name": "Kaffe Oslo",
        "organization_number": "987654321",
    }
    assert body["receipt_id"] == order.number


def test_a_receipt_of_a_return_from_its_lines(dintero, place):
    order = place({ESPRESSO: 2})
    line = order.lines.get()
    body = dintero_receipts.receipt_for_return(
        order, {str(line.pk): 2, "shipping": 1}, receipt_id="R-1"
    )
    assert body["net_amount"] == -minor(order.total_incl_tax)
    assert all(item["is_return_item"] for item in body["items"])


def test_a_return_of_an_order_that_is_gone_is_skipped(dintero, place, commit):
    order = paid(place, commit, {MUG: 1})
    number = order.number
    entry = OutboxEntry.objects.create(
        kind=Kind.RETURN, external_id=f"{number}-RET-x", order_number=number, store_id="webshop"
    )
    OutboxEntry.objects.filter(pk=entry.pk).update(order_number="no-such-order")
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SKIPPED and "no longer exists" in entry.last_error
