"""The outbox's Celery tasks: deliver one entry, sweep for entries whose task never ran.

A row is delivered by the task queued when it was committed; the periodic sweep queues the
rows whose task never ran (lost with the broker, worker killed) or whose retry time came.
Queuing a row twice is harmless: only one task can claim it. The task names are fixed
(``django_diller.tasks.*``) so that a beat schedule and queued messages survive a refactor.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from celery import shared_task
from celery.signals import task_prerun
from django.db import close_old_connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from ..commit_waiting import Waiting
from ..conf import app_settings
from . import engine as outbox
from . import worker  # noqa: F401  (warms and freezes a worker's main process before it forks)
from .models import OutboxEntry

logger = logging.getLogger("django_diller.outbox")
# The entries queued while a transaction is open, each with the callback that queues it.
WAITING: Waiting[int, None] = Waiting("_diller_outbox_waiting")
MAX_COUNTDOWN = timedelta(hours=1)  # longer waits are left to the sweep (broker visibility)


# Celery ships no type hints: its decorators leave the functions untyped.
@task_prerun.connect(dispatch_uid="django-diller-usable-connections")  # type: ignore[untyped-decorator]
def _usable_connections(sender: object = None, task: Any = None, **kwargs: object) -> None:
    """Before a task in a worker: drop a database connection that broke or outlived
    ``CONN_MAX_AGE``, as Django does around a request. With Celery's ``CELERY_DB_REUSE_MAX``
    and a ``CONN_MAX_AGE`` above 0, a worker then keeps one connection across its tasks instead
    of opening one per delivery (see README, "Running the worker")."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()


@shared_task(name="django_diller.tasks.deliver_outbox_entry", ignore_result=True)  # type: ignore[untyped-decorator]
def deliver_outbox_entry(entry_id: int) -> str | None:
    """Claim and send one outbox entry if it is still due; then queue what comes next: its
    own retry when it failed, what waited for it when it is done."""
    for entry in outbox.claim_due(entry_id=entry_id):
        outbox.deliver(entry)
        if entry.state == OutboxEntry.State.FAILED:
            _queue_retry(entry)
        elif entry.state in outbox.FINAL:  # what waits for a dead row is judged now too
            queue_outbox_entries(entry.dependents.values_list("pk", flat=True), at_commit=False)
        return entry.state
    return None


def _queue_retry(entry: OutboxEntry) -> None:
    wait = entry.next_attempt_at - timezone.now()
    if wait <= MAX_COUNTDOWN:
        outbox.mark_queued([entry.pk], entry.next_attempt_at)
        deliver_outbox_entry.apply_async((entry.pk,), countdown=max(0.0, wait.total_seconds()))


def sweep_grace() -> timedelta:
    return timedelta(seconds=float(app_settings.OUTBOX_SWEEP_GRACE))


@shared_task(name="django_diller.tasks.sweep_outbox", ignore_result=True)  # type: ignore[untyped-decorator]
def sweep_outbox(limit: int = 500) -> int:
    """Queue every due entry whose delivery task is not on its way (run it from Celery beat)."""
    ids = outbox.due_ids(limit=limit, grace=sweep_grace())
    queue_outbox_entries(ids, at_commit=False)
    return len(ids)


def queue_outbox_entries(entry_ids: Iterable[int], *, at_commit: bool = True) -> None:
    """Queue a delivery task per entry that may go now (after the current transaction
    commits); one that waits for another entry is queued when that one is sent.

    Entries queued while a transaction is open wait on its connection, each with the
    ``on_commit`` callback registered for it. The first of those callbacks to run queues every
    waiting entry (an order's reservation and transaction: one statement instead of one each);
    the others find nothing left. An entry whose callback a rollback discarded is dropped when
    the next entry is queued, as its callback was.
    """
    ids = list(entry_ids)
    if not ids:
        return
    connection = transaction.get_connection()
    if not at_commit or not connection.in_atomic_block:
        _queue_now(ids)
        return

    def queue_waiting() -> None:
        _queue_waiting(connection)

    transaction.on_commit(queue_waiting, using=connection.alias)
    for entry_id in ids:
        WAITING.add(connection, entry_id, None, queue_waiting)


def _queue_now(entry_ids: list[int]) -> None:
    _send_tasks(outbox.mark_ready_queued(entry_ids, timezone.now()))


def _send_tasks(entry_ids: list[int]) -> None:
    """A delivery task per entry, already marked as queued. With the broker down the entries
    stay in the outbox, and the sweep queues them once their task is late: nothing fails for
    it (the cause, an order say, is committed)."""
    for sent, entry_id in enumerate(entry_ids):
        try:
            deliver_outbox_entry.delay(entry_id)
        except OperationalError as exc:
            logger.warning(
                "diller outbox: %d delivery task(s) not queued (%s); the sweep queues them",
                len(entry_ids) - sent,
                type(exc).__name__,
            )
            return


def entries_to_mark(connection: Any) -> list[int]:
    """The entries waiting for the current transaction's commit that may be marked as queued
    now, inside it: those queued in the savepoint open now (one from outside it would lose its
    mark if the savepoint were rolled back). See :mod:`django_diller.contrib.oscar.order_commit`.
    """
    return WAITING.in_open_savepoint(connection)


def send_after_commit(connection: Any, entry_ids: list[int], ready: list[int]) -> None:
    """``entry_ids`` were marked inside the transaction (``ready``: those that may go): once it
    commits, only the tasks of ``ready`` are sent."""
    for entry_id in entry_ids:
        WAITING.pop(connection, entry_id)  # its callback, when it runs, finds nothing left
    if ready:
        transaction.on_commit(partial(_send_tasks, ready), using=connection.alias)


def _queue_waiting(connection: Any) -> None:
    ids = WAITING.take_all(connection)
    if ids:
        _queue_now(ids)
