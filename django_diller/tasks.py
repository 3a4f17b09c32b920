"""Celery tasks: thin wrappers over the services, retried while Diller is unavailable."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from celery import shared_task
from django.db import transaction

from .api import DillerUnavailable
from .services import outbox

# Diller down or rate limiting: try again later, with growing, jittered waits.
RETRY_WHILE_UNAVAILABLE = {
    "autoretry_for": (DillerUnavailable,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


# The outbox ---------------------------------------------------------------------------------
# A row is delivered by the task queued when it was committed; the periodic sweep queues the
# rows whose task never ran (lost with the broker, worker killed) or whose retry time came.
# Queuing a row twice is harmless: only one task can claim it.

SWEEP_GRACE = timedelta(seconds=15)  # a fresh row's own task normally runs within this


@shared_task(ignore_result=True)
def deliver_outbox_entry(entry_id: int) -> str | None:
    """Claim and send one outbox entry if it is still due; then queue what waited for it."""
    for entry in outbox.claim_due(entry_id=entry_id):
        outbox.deliver(entry)
        if entry.state in outbox.DONE:
            queue_outbox_entries(entry.dependents.values_list("pk", flat=True))
        return entry.state
    return None


@shared_task(ignore_result=True)
def sweep_outbox(limit: int = 500) -> int:
    """Queue every entry that is due and has no task on its way (run it from Celery beat)."""
    ids = outbox.due_ids(limit=limit, older_than=SWEEP_GRACE)
    queue_outbox_entries(ids, at_commit=False)
    return len(ids)


def queue_outbox_entries(entry_ids: Iterable[int], *, at_commit: bool = True) -> None:
    """Queue a delivery task per entry, after the current transaction commits."""
    ids = list(entry_ids)

    def send() -> None:
        for entry_id in ids:
            deliver_outbox_entry.delay(entry_id)

    if at_commit:
        transaction.on_commit(send)
    else:
        send()
