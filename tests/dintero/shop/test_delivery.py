"""The Dintero outbox handlers against the embedded sandbox: sent once, a duplicate answer is
received, outages and lost answers are retried, refusals are dead, a return is a receipt of
its own, a late customer is attached. The bodies come from a builder made of receipt facts
(the Oscar builders have tests of their own, in test_oscar_triggers.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from django_diller.dintero import delivery, queueing
from django_diller.dintero.api import DinteroUnavailable
from django_diller.dintero.api import models as wire
from django_diller.dintero.connection import get_client
from django_diller.dintero.kinds import Kind
from django_diller.dintero.receipts import (
    Customer,
    Payment,
    ReceiptLine,
    ReceiptOrder,
    StoreInfo,
    receipt,
)
from django_diller.dintero.sandbox import DUPLICATE_ANSWERS, SANDBOX_ACCOUNT_ID
from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.outbox import registry

from .helpers import created_receipts, receipts_at_dintero

pytestmark = pytest.mark.django_db
State = OutboxEntry.State
PLACED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def facts(number: str, customer: str | None = None) -> ReceiptOrder:
    line = ReceiptLine(
        key="1",
        line_id=1,
        item_id="7040110000012",
        description="Espresso",
        quantity=2,
        gross=Decimal("258.00"),
        tax=Decimal("51.60"),
        tax_rate=Decimal("0.25"),
    )
    order = ReceiptOrder(
        receipt_id=number,
        order_number=number,
        currency="NOK",
        purchased_at=PLACED,
        store=StoreInfo("webshop", name="Web shop"),
        lines=(line,),
        payments=(Payment("Card", Decimal("258.00")),),
        customer=Customer(customer) if customer else None,
    )
    return order


class Builders:
    """Builds receipts from facts, counting its calls; a return takes one espresso back."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.customer: str | None = None

    def receipt(self, entry: OutboxEntry) -> dict:
        self.calls.append(entry.external_id)
        return receipt(facts(entry.order_number, self.customer))

    def return_(self, entry: OutboxEntry) -> dict:
        self.calls.append(entry.external_id)
        whole = facts(entry.order_number)
        return receipt(whole.returned({"1": 1}, receipt_id=entry.external_id, at=PLACED))

    def attach(self, entry: OutboxEntry) -> dict:
        self.calls.append(entry.external_id)
        return {"customer_id": "member-7"}


@pytest.fixture
def builders(monkeypatch):
    found = Builders()
    monkeypatch.setitem(delivery.BUILDERS, Kind.RECEIPT, found.receipt)
    monkeypatch.setitem(delivery.BUILDERS, Kind.RETURN, found.return_)
    monkeypatch.setitem(delivery.BUILDERS, Kind.ATTACH, found.attach)
    return found


def due_now() -> None:
    OutboxEntry.objects.exclude(state__in=outbox.FINAL).update(next_attempt_at=timezone.now())


def deliver_all(rounds: int = 20) -> None:
    """Deliver until nothing is due, making the retries due at once (no waiting)."""
    for _ in range(rounds):
        due_now()
        if not outbox.drain():
            return


def test_the_handlers_are_registered_by_kind_with_labels():
    assert {kind for kind, _label in registry.kinds()} >= {k.value for k in Kind}
    assert registry.label(Kind.RECEIPT) == str(Kind.RECEIPT.label)
    assert registry.goes_after_dead(Kind.RETURN) and not registry.goes_after_dead(Kind.RECEIPT)


def test_a_receipt_is_built_once_sent_once_and_kept_as_sent(dintero, builders):
    entry = queueing.queue_receipt("100001", source="payment_event:1")
    assert outbox.drain() == 1
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.attempts == 1
    assert entry.payload["receipt_id"] == "100001" and entry.payload["gross_amount"] == 25800
    assert entry.response["receipt_id"] == "100001" and entry.response["id"]
    assert "received_before" not in entry.response
    assert outbox.drain() == 0  # never sent twice
    assert builders.calls == ["100001"] and created_receipts() == 1
    assert receipts_at_dintero()["100001"]["net_amount"] == 25800


@pytest.mark.parametrize("style", DUPLICATE_ANSWERS)
def test_a_receipt_dintero_already_has_counts_as_received(dintero, builders, style):
    dintero.duplicate_answer = style
    body = receipt(facts("100002"))
    get_client().create_receipts([wire.Receipt.model_validate(body)])  # sent before, elsewhere
    entry = queueing.queue_receipt("100002")
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.response["received_before"] is True
    assert list(receipts_at_dintero()) == ["100002"]


@pytest.mark.parametrize("fault", ["timeout_rate", "drop_rate"])
def test_a_lost_answer_is_sent_again_and_taken_as_received(dintero, builders, fault):
    entry = queueing.queue_receipt("100003")
    with dintero.inject(**{fault: 1.0, "max_faults": 1}):
        outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.FAILED and entry.next_attempt_at > timezone.now()
    assert "100003" in receipts_at_dintero()  # Dintero has it: only its answer was lost
    deliver_all()
    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == (State.SENT, 2)
    assert entry.response["received_before"] is True and builders.calls == ["100003"]
    assert list(receipts_at_dintero()) == ["100003"]


def test_an_outage_is_retried_later_with_backoff(dintero, builders):
    entry = queueing.queue_receipt("100004")
    dintero.fail_next(1, status=503)
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.FAILED and "HTTP 503" in entry.last_error
    assert outbox.claim_due() == []  # not before its time
    assert receipts_at_dintero() == {}
    deliver_all()
    entry.refresh_from_db()
    assert entry.state == State.SENT and "received_before" not in entry.response


def test_after_the_last_attempt_an_unreachable_dintero_leaves_the_entry_dead(dintero, builders):
    entry = queueing.queue_receipt("100005")
    with dintero.inject(error_rate=1.0):
        for _ in range(outbox.max_attempts()):
            due_now()
            outbox.drain()
    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == (State.DEAD, outbox.max_attempts())


def test_a_refusal_is_dead_at_once_and_staff_can_send_it_again(dintero, builders):
    entry = queueing.queue_receipt("100006")
    error = {"error": {"code": "invalid_receipt", "message": "store.id is unknown"}}
    dintero.override_response("aid_receipts_post", 400, error)
    outbox.drain()
    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == (State.DEAD, 1)
    assert "HTTP 400 (invalid_receipt)" in entry.last_error
    assert "unknown" not in entry.last_error  # Dintero's words may quote data: kept out
    assert outbox.retry(OutboxEntry.objects.filter(pk=entry.pk)) == 1
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and builders.calls == ["100006"]


def test_refused_credentials_are_dead_not_retried(dintero, builders):
    entry = queueing.queue_receipt("100007")
    dintero.override_response("token", 401, {"error": {"message": "bad client"}})
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.DEAD and "401" in entry.last_error


def test_the_classification_puts_outages_first():
    assert issubclass(DinteroUnavailable, registry.transient_errors())


def test_without_a_connection_an_entry_is_dead_with_the_reason(builders):
    with override_settings(DINTERO={}):
        entry = queueing.queue_receipt("100008")
        outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.DEAD and "not configured" in entry.last_error


def test_a_sandbox_without_debug_is_never_used(builders):
    with override_settings(DINTERO={"SANDBOX": True}, DEBUG=False):
        entry = queueing.queue_receipt("100009")
        outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.DEAD and "DEBUG is off" in entry.last_error


# Returns ---------------------------------------------------------------------------------------


def test_a_return_is_a_receipt_of_its_own_after_the_order_s(dintero, builders):
    sale = queueing.queue_receipt("100010")
    first = queueing.queue_return("100010", "pe1", source="payment_event:1")
    again = queueing.queue_return("100010", "pe1", source="payment_event:1")
    second = queueing.queue_return("100010", "pe2", source="payment_event:2")
    assert first.pk == again.pk and first.depends_on_id == sale.pk
    assert second.depends_on_id == first.pk
    assert first.external_id == "100010-RET-pe1"
    deliver_all()
    states = dict(OutboxEntry.objects.values_list("external_id", "state"))
    assert states == {
        "100010": State.SENT,
        "100010-RET-pe1": State.SENT,
        "100010-RET-pe2": State.SENT,
    }
    returned = receipts_at_dintero()["100010-RET-pe1"]
    assert returned["items"][0]["quantity"] == -1 and returned["net_amount"] == -12900
    assert returned["items"][0]["is_return_item"] is True


def test_a_return_waits_for_its_receipt_and_goes_even_when_that_is_dead(dintero, builders):
    sale = queueing.queue_receipt("100011")
    back = queueing.queue_return("100011", "pe1")
    OutboxEntry.objects.filter(pk=sale.pk).update(
        state=State.FAILED, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert [row.pk for row in outbox.claim_due(10)] == []  # the return waits
    OutboxEntry.objects.filter(pk=sale.pk).update(state=State.DEAD)
    outbox.drain()
    back.refresh_from_db()
    assert back.state == State.SENT and "100011-RET-pe1" in receipts_at_dintero()


def test_a_return_queued_with_its_lines_keeps_them_until_it_is_built(dintero, builders):
    entry = queueing.queue_return("100012", "x1", {"1": 1, "2": 0})
    assert entry.payload == {queueing.RETURNED: {"lines": {"1": 1}}}
    assert delivery.is_receipt(entry.payload) is False
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.payload["receipt_id"] == "100012-RET-x1"
    assert builders.calls == ["100012-RET-x1"]


def test_a_return_needs_a_key_and_positive_units():
    with pytest.raises(ValueError):
        queueing.return_id("100013", "")
    with pytest.raises(ValueError):
        queueing.queue_return("100013", "x1", {"1": -1})


# A customer named later ------------------------------------------------------------------------


def test_an_anonymous_receipt_is_given_its_customer_once(dintero, builders):
    sale = queueing.queue_receipt("100014")
    deliver_all()
    assert "customer_id" not in receipts_at_dintero()["100014"]
    (attach,) = queueing.queue_attach_for_order("100014", source="consent_record:1")
    assert queueing.queue_attach(sale).pk == attach.pk
    deliver_all()
    attach.refresh_from_db()
    assert attach.state == State.SENT and attach.response == {"receipt_id": "100014"}
    assert receipts_at_dintero()["100014"]["customer_id"] == "member-7"
    assert len(dintero.requests_for("aid_receipts_update_put")) == 1


def test_attaching_again_after_a_lost_answer_counts_as_received(dintero, builders):
    queueing.queue_receipt("100015")
    deliver_all()
    (attach,) = queueing.queue_attach_for_order("100015")
    with dintero.inject(drop_rate=1.0, max_faults=1, only_operations={"aid_receipts_update_put"}):
        outbox.drain()
    attach.refresh_from_db()
    assert attach.state == State.FAILED
    deliver_all()
    attach.refresh_from_db()
    assert attach.state == State.SENT and attach.response["received_before"] is True


def test_a_receipt_that_has_another_customer_is_not_taken_over(dintero, builders):
    queueing.queue_receipt("100016")
    deliver_all()
    account = dintero.state.accounts[SANDBOX_ACCOUNT_ID]
    stored = next(r for r in account.receipts.values() if r.receipt_id == "100016")
    stored.data["customer_id"] = "someone-else"
    (attach,) = queueing.queue_attach_for_order("100016")
    deliver_all()
    attach.refresh_from_db()
    assert attach.state == State.DEAD and "receipt_has_customer" in attach.last_error
    assert stored.data["customer_id"] == "someone-else"


def test_a_receipt_that_names_its_customer_needs_no_attach(dintero, builders):
    builders.customer = "member-7"
    queueing.queue_receipt("100017")
    deliver_all()
    (attach,) = queueing.queue_attach_for_order("100017")
    deliver_all()
    attach.refresh_from_db()
    assert attach.state == State.SKIPPED and "names its customer" in attach.last_error
    assert dintero.requests_for("aid_receipts_update_put") == []


# Many orders, a faulty Dintero -----------------------------------------------------------------


def test_a_thousand_orders_through_a_faulty_dintero_give_a_thousand_receipts(dintero, builders):
    numbers = [str(200000 + n) for n in range(1000)]
    for number in numbers:
        queueing.queue_receipt(number, source="payment_event")
        queueing.queue_receipt(number, source="order_status")  # a second trigger: the same row
    assert OutboxEntry.objects.count() == 1000
    started = time.monotonic()
    with dintero.inject(seed=7, error_rate=0.1, timeout_rate=0.1, drop_rate=0.1):
        rounds = 0
        while OutboxEntry.objects.exclude(state__in=outbox.FINAL).exists():
            rounds += 1
            assert rounds <= outbox.max_attempts()
            due_now()
            outbox.drain()
    assert time.monotonic() - started < 60
    states = set(OutboxEntry.objects.values_list("state", flat=True))
    assert states == {State.SENT}
    assert sorted(receipts_at_dintero()) == numbers
    faulted = [r for r in dintero.requests_for("aid_receipts_post") if r.fault or r.status != 200]
    assert len(faulted) > 200  # the faults did happen
    assert OutboxEntry.objects.filter(response__received_before=True).count() > 100
    assert len(builders.calls) == 1000  # each body built once, whatever the retries


def test_a_receipt_sent_for_a_customer_shows_on_their_receipts_page_at_once(dintero, builders):
    from django.core.cache import cache

    from django_diller.dintero import my_receipts

    builders.customer = "member-7"
    key = my_receipts.cache_key("list", "member-7")
    cache.set(key, ["what the page read before"])
    queueing.queue_receipt("100002", source="payment_event:1")
    assert outbox.drain() == 1
    assert cache.get(key) is None  # read again from Dintero on the next visit


def test_the_receipt_token_in_an_answer_is_hidden_from_staff():
    from django_diller.outbox.admin import masked

    answer = {"id": "r-1", "receipt_token": "eyJ-secret", "nested": [{"access_token": "x"}]}
    assert masked(answer) == {
        "id": "r-1",
        "receipt_token": "•••",
        "nested": [{"access_token": "•••"}],
    }
