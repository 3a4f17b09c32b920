"""A real Celery worker sends paid orders' transactions to Diller (the sandbox over HTTP)."""

from decimal import Decimal

import pytest

from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.sandbox.seed import SEED_MEMBER_ID
from tests.workers.harness import wait_until
from tests.workers.orders import accepted_creates, enqueue_paid, sandbox_transactions, states

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SENT = OutboxEntry.State.SENT


def test_a_paid_order_reaches_diller_once_with_its_totals(paid_orders, worker, sandbox):
    order = paid_orders.place("100001")
    assert not OutboxEntry.objects.exists()  # placed, not paid: nothing to send yet
    paid_orders.settle(order)
    (entry,) = OutboxEntry.objects.all()
    assert (entry.kind, entry.external_id) == (Kind.SEND_TRANSACTION, "100001")

    wait_until(
        lambda: OutboxEntry.objects.get(pk=entry.pk).state == SENT,
        timeout=30,
        message=lambda: f"the entry is not sent: {OutboxEntry.objects.values().get(pk=entry.pk)}",
    )
    held = sandbox_transactions(sandbox)
    assert list(held) == ["100001"]
    sent = held["100001"]
    assert sent.member_id == SEED_MEMBER_ID
    assert order.total_incl_tax == Decimal("576.00")  # espresso 2 x 189, mug 149, shipping 49
    assert sent.total == order.total_incl_tax
    lines = {d["product"]["external_id"]: d for d in sent.request["details"]}
    assert {
        key: (line["quantity"], Decimal(str(line["total_price"]))) for key, line in lines.items()
    } == {
        "7040110000012": (2, Decimal("378.00")),
        "7040110000173": (1, Decimal("149.00")),
        "shipping": (1, Decimal("49.00")),
    }
    assert accepted_creates(sandbox) == {"100001": 1}
    row = OutboxEntry.objects.get(pk=entry.pk)
    assert row.attempts == 1 and row.response["is_ok"] is True
    assert row.payload["external_id"] == "100001"


def test_a_directly_queued_entry_is_delivered(worker, sandbox):
    entry = enqueue_paid("100001", Decimal("249.00"))

    wait_until(
        lambda: OutboxEntry.objects.get(pk=entry.pk).state == SENT,
        timeout=30,
        message=lambda: f"the entry is not sent: {OutboxEntry.objects.values().get(pk=entry.pk)}",
    )
    assert sandbox_transactions(sandbox)["100001"].total == Decimal("249.00")
    assert accepted_creates(sandbox) == {"100001": 1}


def test_a_task_lost_with_the_broker_is_queued_again_by_the_sweep(worker, sandbox, redis_server):
    worker.kill()
    enqueue_paid("100002", Decimal("99.00"))  # its task waits in Redis …
    redis_server.restart()  # … and is gone
    worker.start()

    wait_until(
        lambda: states() == {SENT: 1},
        timeout=60,
        message=lambda: f"outbox states: {dict(states())}",
    )
    assert accepted_creates(sandbox) == {"100002": 1}
