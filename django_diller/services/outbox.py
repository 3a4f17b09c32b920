"""The transaction outbox: enqueue in the caller's transaction, claim, deliver, retry, give up.

Delivery itself is a handler per kind (:data:`HANDLERS`), registered by the module that knows
how to send it. The outcome decides the row's next state:

* the handler returns Diller's answer → ``sent``;
* Diller is unavailable, or the answer was lost (timeout) → ``failed``, tried again after an
  exponential, jittered backoff; after ``MAX_ATTEMPTS`` → ``dead``;
* Diller refused or rejected it (it will not work by repeating) → ``dead`` with the reason.

A handler must be idempotent on the row's ``external_id``: after a lost answer, the row is sent
again, and Diller's duplicate answer for an ``external_id`` it already has counts as received.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..api import DillerError, DillerTimeout, DillerUnavailable
from ..models import OutboxEntry

logger = logging.getLogger("django_diller.outbox")

MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
LEASE = timedelta(minutes=5)  # a worker that dies mid-send frees its row after this long

Handler = Callable[[OutboxEntry], Any]
HANDLERS: dict[str, Handler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return decorate


def enqueue(
    kind: str,
    external_id: str,
    *,
    order_number: str,
    store_id: str,
    member_id: str = "",
    payload: dict | None = None,
) -> OutboxEntry:
    """The row for this effect, created once (call it inside the transaction of the cause)."""
    entry, _created = OutboxEntry.objects.get_or_create(
        kind=kind,
        external_id=external_id,
        defaults={
            "order_number": str(order_number),
            "store_id": store_id,
            "member_id": member_id,
            "payload": payload or {},
        },
    )
    return entry


_rng = random.Random()


def backoff(attempts: int, rng: random.Random = _rng) -> timedelta:
    """Full jitter over an exponential ceiling: after 1 attempt up to 30 s, then 60 s, …"""
    ceiling = min(BACKOFF_MAX, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=rng.uniform(0, ceiling.total_seconds()))


def claim_due(limit: int = 50, entry_id: int | None = None) -> list[OutboxEntry]:
    """Lease due rows to this worker: pending or failed ones whose time has come, and in-flight
    ones whose lease ran out. Rows another worker is claiming right now are skipped."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxEntry.objects.filter(
            next_attempt_at__lte=now,
            state__in=[OutboxEntry.State.PENDING, OutboxEntry.State.FAILED],
        ) | OutboxEntry.objects.filter(state=OutboxEntry.State.IN_FLIGHT, leased_until__lt=now)
        if entry_id is not None:
            due = due.filter(pk=entry_id)
        locking = (
            {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}
        )
        rows = list(due.order_by("next_attempt_at").select_for_update(**locking)[:limit])
        ids = [row.pk for row in rows]
        OutboxEntry.objects.filter(pk__in=ids).update(
            state=OutboxEntry.State.IN_FLIGHT, leased_until=now + LEASE, updated_at=now
        )
    return list(OutboxEntry.objects.filter(pk__in=ids).order_by("next_attempt_at"))


def deliver(entry: OutboxEntry) -> OutboxEntry:
    """Send one claimed row with its kind's handler and record the outcome."""
    handler = HANDLERS.get(entry.kind)
    entry.attempts += 1
    now = timezone.now()
    try:
        if handler is None:
            raise LookupError(f"no outbox handler for {entry.kind!r}")
        answer = handler(entry)
    except (DillerUnavailable, DillerTimeout) as exc:
        _failed(entry, str(exc), now)
    except DillerError as exc:
        _dead(entry, str(exc))
    except Exception as exc:  # a bug: keep the row, visibly, for staff
        logger.exception("diller outbox handler failed for %s", entry)
        _dead(entry, f"{type(exc).__name__}: {exc}")
    else:
        entry.state = OutboxEntry.State.SENT
        entry.response = answer if isinstance(answer, dict | list) else None
        entry.sent_at = now
        entry.last_error = ""
    entry.leased_until = None
    entry.save()
    return entry


def _failed(entry: OutboxEntry, error: str, now) -> None:
    if entry.attempts >= MAX_ATTEMPTS:
        _dead(entry, error)
        return
    entry.state = OutboxEntry.State.FAILED
    entry.last_error = error[:500]
    entry.next_attempt_at = now + backoff(entry.attempts)


def _dead(entry: OutboxEntry, error: str) -> None:
    entry.state = OutboxEntry.State.DEAD
    entry.last_error = error[:500]
    logger.warning("diller outbox entry %s is dead after %d attempts", entry.pk, entry.attempts)


def retry(entries) -> int:
    """Staff: send these again as soon as a worker is free (dead ones get a fresh count)."""
    return entries.exclude(state=OutboxEntry.State.SENT).update(
        state=OutboxEntry.State.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        leased_until=None,
    )


def drain(limit: int = 50) -> int:
    """Claim and deliver due rows until none are left; how many were delivered."""
    done = 0
    while rows := claim_due(limit):
        for row in rows:
            deliver(row)
            done += 1
    return done
