"""How many SQL statements one delivery costs the worker (PostgreSQL: the claim is one)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.outbox import tasks
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from tests.workers.orders import SEND, ready_payload

pytestmark = pytest.mark.django_db

SANDBOX = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "STORE_ID": SEED_STORE_ID}

# Claim (1), the send handler's own (refused reservations, coupon claims, reservations: 3),
# the outcome (1), what waits for the row (1).
STATEMENTS_PER_DELIVERY = 6


def ready(number):
    return outbox.enqueue(
        SEND,
        number,
        order_number=number,
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        payload=ready_payload(number, Decimal("100.00")),
    )


def test_a_claim_returns_the_rows_leased_as_stored():
    entries = [ready(f"L{n}") for n in range(3)]
    claimed = outbox.claim_due(limit=2)
    assert [row.pk for row in claimed] == [entry.pk for entry in entries[:2]]
    for row in claimed:
        stored = OutboxEntry.objects.get(pk=row.pk)
        assert (row.state, row.leased_until, row.updated_at) == (
            OutboxEntry.State.IN_FLIGHT,
            stored.leased_until,
            stored.updated_at,
        )
        assert stored.state == OutboxEntry.State.IN_FLIGHT
    assert outbox.claim_due(entry_id=entries[0].pk) == []  # leased: not due again
    assert [row.pk for row in outbox.claim_due(entry_id=entries[2].pk)] == [entries[2].pk]


def test_an_outcome_is_not_recorded_once_the_lease_is_someone_elses():
    entry = ready("L9")
    (row,) = outbox.claim_due(entry_id=entry.pk)
    OutboxEntry.objects.filter(pk=entry.pk).update(leased_until=None, state="pending")
    assert outbox._record(row, row.leased_until) is False


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@override_settings(DILLER=SANDBOX)
def test_one_delivery_costs_at_most_six_statements_on_postgresql():
    tasks.deliver_outbox_entry(ready("W1").pk)  # the client's token, fetched once
    entry = ready("S1")
    with CaptureQueriesContext(connection) as queries:
        assert tasks.deliver_outbox_entry(entry.pk) == OutboxEntry.State.SENT
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) <= STATEMENTS_PER_DELIVERY, statements
    assert sum("FOR UPDATE" in sql for sql in statements) == 1  # claimed and leased in one
