"""Returns through a real Celery worker and the sandbox over HTTP: a cancelled order, a partial
return both ways (cancel and resend; Diller's partial refund), and the negative transaction
for an order Diller never received."""

from decimal import Decimal

import pytest
from django.db import transaction
from oscar.core.loading import get_class, get_model

from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from tests.workers.harness import wait_until
from tests.workers.orders import accepted_creates, sandbox_transactions, states

EventHandler = get_class("order.processing", "EventHandler")
PaymentEventType = get_model("order", "PaymentEventType")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
State = OutboxEntry.State
ESPRESSO = "7040110000012"
ESPRESSO_PRICE = Decimal("189.00")


def all_sent(count: int) -> None:
    wait_until(
        lambda: states() == {State.SENT: count},
        timeout=60,
        message=lambda: f"outbox: {list(OutboxEntry.objects.values_list('kind', 'state'))}",
    )


def refund_one_espresso(order) -> None:
    refunded, _ = PaymentEventType.objects.get_or_create(name="Refunded")
    espresso = order.lines.get(upc=ESPRESSO)
    with transaction.atomic():
        EventHandler().handle_payment_event(
            order, refunded, ESPRESSO_PRICE, lines=[espresso], line_quantities=[1]
        )


def points(sandbox) -> int:
    return sandbox.state.stores[SEED_STORE_ID].members[SEED_MEMBER_ID].points


def test_a_cancelled_order_is_cancelled_at_diller(paid_orders, worker, sandbox):
    before = points(sandbox)
    order = paid_orders.place_paid("100001")
    all_sent(1)
    assert points(sandbox) > before
    with transaction.atomic():
        EventHandler().handle_order_status_change(order, "Cancelled")
    all_sent(2)
    assert OutboxEntry.objects.get(kind=Kind.CANCEL_TRANSACTION).external_id == "100001"
    assert sandbox_transactions(sandbox)["100001"].is_cancelled
    assert points(sandbox) == before
    assert len(sandbox.requests_for("cancelTransaction")) == 1


def test_a_partial_return_cancels_and_resends_what_was_kept(paid_orders, worker, sandbox):
    order = paid_orders.place_paid("100001")
    all_sent(1)
    refund_one_espresso(order)
    all_sent(3)  # the purchase, its cancel, the remainder
    held = sandbox_transactions(sandbox)
    assert held["100001"].is_cancelled
    kept = held["100001-R1"]
    assert not kept.is_cancelled
    assert kept.total == order.total_incl_tax - ESPRESSO_PRICE  # 576.00 - 189.00
    quantities = {d["product"]["external_id"]: d["quantity"] for d in kept.request["details"]}
    assert quantities == {ESPRESSO: 1, "7040110000173": 1, "shipping": 1}
    assert accepted_creates(sandbox) == {"100001": 1, "100001-R1": 1}


def test_a_partial_return_can_go_through_the_refund_endpoint(
    paid_orders, worker, sandbox, settings
):
    settings.DILLER = {**settings.DILLER, "PARTIAL_RETURNS": "refund"}
    order = paid_orders.place_paid("100001")
    all_sent(1)
    after_purchase = points(sandbox)
    refund_one_espresso(order)
    all_sent(2)
    original = sandbox_transactions(sandbox)["100001"]
    (refund,) = original.refunds
    assert refund.total == ESPRESSO_PRICE and not original.is_cancelled
    assert refund.request["details"][0]["quantity"] == 1
    assert points(sandbox) < after_purchase


def test_a_return_of_an_order_diller_never_received_is_negative(
    paid_orders, worker, sandbox, settings
):
    installed = settings.DILLER
    settings.DILLER = {**installed, "SEND_ON_PAYMENT_EVENTS": []}  # paid "before the plugin"
    order = paid_orders.place_paid("100001")
    settings.DILLER = installed
    assert not OutboxEntry.objects.exists()
    before = points(sandbox)
    refund_one_espresso(order)
    all_sent(1)
    entry = OutboxEntry.objects.get()
    assert entry.kind == Kind.RETURN_TRANSACTION
    negative = sandbox_transactions(sandbox)[entry.external_id]
    assert negative.total == -ESPRESSO_PRICE
    (detail,) = negative.request["details"]
    assert detail["quantity"] == -1 and Decimal(str(detail["total_price"])) == -ESPRESSO_PRICE
    assert points(sandbox) < before
