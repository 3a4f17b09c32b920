"""1,000 paid orders reach Diller exactly once through faults, a killed worker and a lost broker.

The sandbox fails about 30 % of the calls (503s, 429s with Retry-After, answers that time out
and dropped connections, the last two AFTER the transaction was applied). Partway through, the
worker is SIGKILLed mid-delivery (its leased rows stay in flight, its prefetched tasks are lost)
and the broker's Redis is restarted empty (every queued task is lost); only the beat sweep can
find those rows again. In the end Diller holds each order once and every outbox row is sent.
"""

import time
from collections import Counter

import pytest

from django_diller.models import OutboxEntry
from django_diller.sandbox import Sandbox
from tests.workers.harness import wait_until
from tests.workers.orders import accepted_creates, sandbox_transactions, states

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SENT = OutboxEntry.State.SENT
ORDERS = 1000
FAULTS = {  # of every call (getMemberById and createTransaction), 30 % in all
    "error_rate": 0.10,  # 503, not processed
    "rate_limit_rate": 0.05,  # 429 + Retry-After: 1, not processed
    "retry_after": 1,
    "timeout_rate": 0.07,  # processed, the answer comes after the client gave up (0.3 s)
    "timeout_seconds": 0.6,
    "drop_rate": 0.08,  # processed, the connection closes without an answer
    "seed": 20240601,
}
WORKER = {  # see worker_settings.py
    "WORKER_READ_TIMEOUT": "0.3",
    "WORKER_SWEEP_SECONDS": "2",
    # Failed rows re-queue themselves; the sweep finds the tasks lost with the killed worker
    # and the restarted broker once they are this late.
    "WORKER_SWEEP_GRACE": "5",
    "WORKER_CONN_MAX_AGE": "60",
}


@pytest.fixture
def sandbox():
    """Without its OpenAPI checks (the delivery tests keep them): CPU this test needs elsewhere."""
    return Sandbox(seed=True, validate_requests=False, validate_responses=False)


def test_a_thousand_orders_through_faults_a_killed_worker_and_a_lost_broker(
    paid_orders, make_worker, sandbox, redis_server
):
    def progress() -> str:
        at_diller = len(sandbox_transactions(sandbox))
        return f"outbox {dict(states())}, {at_diller} of {ORDERS} orders at Diller"

    started = time.monotonic()
    sandbox.faults.update(**FAULTS)
    worker = make_worker(concurrency=8, **WORKER)
    numbers = [str(300000 + n) for n in range(ORDERS)]
    orders = paid_orders.place_many(numbers)  # placed, not paid yet
    first, second, third = orders[:400], orders[400:700], orders[700:]
    placed = time.monotonic()

    for order in first:  # settled and delivered at the same time
        paid_orders.settle(order)
    wait_until(
        lambda: states()[SENT] >= 100,
        timeout=60,
        message=lambda: f"the worker does not deliver: {progress()}",
    )
    worker.kill()  # mid-delivery: rows stay leased, prefetched tasks are gone
    at_kill = states()

    for order in second:  # queued in Redis while no worker runs …
        paid_orders.settle(order)
    redis_server.restart()  # … and lost with it
    worker.start()
    for order in third:
        paid_orders.settle(order)
    settled = time.monotonic()

    wait_until(
        lambda: states() == {SENT: ORDERS},
        timeout=300,
        interval=0.5,
        message=lambda: f"not all delivered: {progress()} (at the kill: {dict(at_kill)})",
    )
    delivered = time.monotonic()

    held = sandbox_transactions(sandbox)
    assert sorted(held) == numbers  # none missing, none foreign
    assert {str(t.total) for t in held.values()} == {"576.00"}
    accepted = accepted_creates(sandbox)
    assert sum(accepted.values()) == ORDERS and set(accepted) == set(numbers)
    assert set(accepted.values()) == {1}  # no transaction was applied twice
    # Answers were lost after Diller applied the transaction, and the resends were recognised.
    resent = OutboxEntry.objects.filter(response__received_before=True).count()
    assert resent > 0
    assert sorted(OutboxEntry.objects.values_list("external_id", flat=True)) == numbers

    faults = Counter(r.fault for r in sandbox.requests_for("createTransaction") if r.fault)
    attempts = Counter(OutboxEntry.objects.values_list("attempts", flat=True))
    print(  # noqa: T201  (shown with -s: how the run went)
        f"\n{ORDERS} orders placed in {placed - started:.1f} s, settled in"
        f" {settled - placed:.1f} s, all delivered {delivered - settled:.1f} s later;"
        f" outbox at the kill: {dict(at_kill)}; createTransaction faults: {dict(faults)};"
        f" attempts per row: {dict(sorted(attempts.items()))}; resends Diller already had:"
        f" {resent}"
    )
