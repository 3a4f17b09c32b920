"""What waits for a placed order's commit, written as the order's transaction's last statements.

Placing a member's order leaves work for the commit: the carrier offers' use to count (see
:mod:`.offer_usage`) and the outbox entries to mark as queued before their delivery tasks are
sent (see :mod:`django_diller.outbox.tasks`). Run after the commit, each is a transaction of its
own, and a commit that writes is a flush to disk. Run here, as the order's last statements, the
commit writes them with the order, and after it only the tasks are sent.

They run in a savepoint: should one fail (a lock timeout, a serialization failure), the order is
untouched and everything is left to run after the commit, as it would without this. Only what
was queued in the savepoint open now is taken, so a rollback of it takes nothing from elsewhere.
Outside a transaction (no ``ATOMIC_REQUESTS``: Oscar commits the order in a block of its own)
there is nothing left to do: all of it ran at that commit. A shop whose database router writes
the offers or the outbox elsewhere than the order's transaction keeps it all for after the
commit: a savepoint here could not cover a failure there.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, router, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from ...outbox import engine as outbox
from ...outbox import tasks as outbox_tasks
from ...outbox.models import OutboxEntry
from . import offer_usage

logger = logging.getLogger("django_diller.oscar")


def write_before_commit() -> None:
    """Count the offers' uses and mark the outbox's entries now, inside the current transaction;
    call it as the transaction's last step."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block or not _writes_here(connection.alias):
        return
    uses = offer_usage.uses_to_count(connection)
    entries = outbox_tasks.entries_to_mark(connection)
    if not (uses or entries):
        return
    try:
        with transaction.atomic(using=connection.alias):
            offer_usage.count_now(connection, uses)
            ready = outbox.mark_ready_queued(entries, timezone.now()) if entries else []
    except DatabaseError as exc:
        logger.warning(
            "diller: the order's offer uses and outbox marks are left for after its commit (%s)",
            type(exc).__name__,
        )
        return
    offer_usage.forget(connection, uses)
    outbox_tasks.send_after_commit(connection, entries, ready)


def _writes_here(alias: str) -> bool:
    """Whether the offers and the outbox are written on the order's connection ``alias``."""
    offer = get_model("offer", "ConditionalOffer")
    return router.db_for_write(offer) == alias and router.db_for_write(OutboxEntry) == alias
