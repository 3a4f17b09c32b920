"""Two workers claiming at the same moment never get the same outbox row (PostgreSQL)."""

import threading

import pytest
from django.db import close_old_connections

from django_diller.loyalty.kinds import Kind
from django_diller.outbox import engine as outbox

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_workers_claim_disjoint_rows():
    for n in range(200):
        outbox.enqueue(Kind.SEND_TRANSACTION, str(n), order_number=str(n), store_id="s")
    start = threading.Barrier(4)
    claimed: list[list[int]] = []

    def worker():
        try:
            start.wait()
            mine = []
            while rows := outbox.claim_due(limit=7):
                mine += [row.pk for row in rows]
            claimed.append(mine)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [pk for mine in claimed for pk in mine]
    assert len(every) == len(set(every)) == 200  # every row once, none twice
