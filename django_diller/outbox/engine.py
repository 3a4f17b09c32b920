"""The outbox engine: enqueue in the caller's transaction, claim, deliver, retry, give up.

Delivery is a handler per kind (:mod:`.registry`), registered by the provider that knows how
to send it. The engine builds an entry's payload once (the handler's ``build_payload``),
stores it, and sends it with the handler's ``send``; the outcome decides the row's next state:

* ``send`` returns the answer → ``sent``;
* it raises an error its provider registered as transient (an outage, a lost answer), or one
  of the shop's own infrastructure (:data:`TRANSIENT_ERRORS`) → ``failed``, tried again after
  an exponential, jittered backoff; after ``OUTBOX_MAX_ATTEMPTS`` → ``dead``;
* it raises an error registered as permanent (a refusal that repeating will not change) →
  ``dead`` with the reason; any other exception is a bug → ``dead``, logged.

* the handler raises :class:`Skip` → ``skipped``: there is nothing to send (the buyer is not a
  member who accepted the terms, the transaction to correct was never sent);
* the handler raises :class:`NotReady` → ``failed`` and tried again later, like an outage (a
  guest's membership is still being registered);
* the handler raises :class:`NotYet` → ``failed`` and tried again later, but dead after the
  fewer attempts it names (Diller does not know the transaction a cancel is for, yet).

A row with ``depends_on`` is claimed only once that row is sent, skipped or dead: a cancel
never overtakes its transaction, a remainder never overtakes the cancel it replaces, and a
transaction waits for the reservation queued with its order. When the row it waits for is
dead, a row never waits for ever (staff would not see it): it goes ahead if it can do without
(what waits for a handler registered as a ``courtesy``, such as a reservation; kinds
registered ``after_dead``, such as a cancel, which asks Diller whether the transaction
arrived after all), and is otherwise ``dead`` at once, its ``last_error`` naming the dead row
to send again first.

A handler must be idempotent on the row's ``external_id``: after a lost answer, the row is sent
again, and a duplicate answer for an ``external_id`` the other side already has counts as
received. After the outcome is recorded, the handler's ``announce`` tells whoever listens.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..conf import app_settings
from ..inserts import column_of, insert_new, one_statement
from . import leasing, registry
from .models import OutboxEntry

logger = logging.getLogger("django_diller.outbox")


def max_attempts() -> int:
    return int(app_settings.OUTBOX_MAX_ATTEMPTS)


def lease() -> timedelta:
    """A worker that dies mid-send frees its row after this long."""
    return timedelta(seconds=float(app_settings.OUTBOX_LEASE))


DONE = (OutboxEntry.State.SENT, OutboxEntry.State.SKIPPED)
# Once the row an entry waits for is in one of these states, the entry is claimed and judged.
FINAL = (*DONE, OutboxEntry.State.DEAD)


# The shop's own infrastructure failing for a moment (the cache holding the tokens, a socket):
# like an outage, tried again later rather than given up as a bug.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError,)
try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    TRANSIENT_ERRORS += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # redis is optional
    pass


def _retried() -> tuple[type[BaseException], ...]:
    """What leaves an entry to be tried again: not ready yet, the shop's infrastructure, and
    what the providers registered as transient."""
    return (NotReady, *TRANSIENT_ERRORS, *registry.transient_errors())


class Skip(Exception):
    """Nothing to send for this row; the message says why (never personal data)."""


class NotReady(Exception):
    """The row cannot be sent yet; it is tried again later."""


class NotYet(Exception):
    """Diller cannot do it now and might later: tried again like an outage, but given up
    (``dead``, with this message) after ``limit`` attempts in all."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class Blocked(Exception):
    """The row waits for a dead row and cannot go without it; it is dead with this message."""


def enqueue(kind: str, external_id: str, **fields: Any) -> OutboxEntry:
    """The row for this effect, created once (call it inside the transaction of the cause);
    ``fields`` as :func:`enqueue_new` takes them."""
    return enqueue_new(kind, external_id, **fields)[0]


def enqueue_new(
    kind: str,
    external_id: str,
    *,
    order_number: str,
    store_id: str,
    member_id: str = "",
    payload: dict[str, Any] | None = None,
    source: str = "",
    depends_on: OutboxEntry | None = None,
) -> tuple[OutboxEntry, bool]:
    """The row for this effect, created once, and whether it is new.

    One statement when the row is new (see :mod:`django_diller.inserts`); the row already
    there otherwise.
    """
    entry = OutboxEntry(
        kind=kind,
        external_id=external_id,
        order_number=str(order_number),
        store_id=store_id,
        member_id=member_id,
        payload=payload or {},
        source=source[:80],
        depends_on=depends_on,
    )
    if insert_new(entry, ["kind", "external_id"]):
        return entry, True
    return OutboxEntry.objects.get(kind=kind, external_id=external_id), False


_rng = random.Random()


def backoff(attempts: int, rng: random.Random = _rng) -> timedelta:
    """Full jitter over an exponential ceiling: after 1 attempt up to 30 s, then 60 s, …"""
    base, largest = float(app_settings.OUTBOX_BACKOFF), float(app_settings.OUTBOX_BACKOFF_MAX)
    ceiling = min(largest, base * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=rng.uniform(0, ceiling))


def _due(now: datetime) -> QuerySet[OutboxEntry]:
    """Rows a worker may take at ``now``: their time has come (or their lease ran out) and
    what they wait for is done."""
    waiting = Q(
        next_attempt_at__lte=now,
        state__in=[OutboxEntry.State.PENDING, OutboxEntry.State.FAILED],
    )
    abandoned = Q(state=OutboxEntry.State.IN_FLIGHT, leased_until__lt=now)
    # After a dead row, its dependants are claimed too, and ``deliver`` judges them: they
    # must not wait for ever, unseen.
    free = Q(depends_on__isnull=True) | Q(depends_on__state__in=FINAL)
    return OutboxEntry.objects.filter((waiting | abandoned) & free)


def due_ids(limit: int = 500, grace: timedelta = timedelta(0)) -> list[int]:
    """Ids of due rows whose delivery task, if one was queued, is more than ``grace`` late
    (lost with the broker, or its worker died): the rows the sweep must queue again."""
    now = timezone.now()
    no_task_coming = Q(task_due_at__isnull=True) | Q(task_due_at__lt=now - grace)
    rows = _due(now).filter(no_task_coming).order_by("next_attempt_at")
    return list(rows.values_list("pk", flat=True)[:limit])


def mark_queued(entry_ids: list[int], due_at: datetime) -> None:
    """Remember when the delivery tasks just queued for these rows should run."""
    OutboxEntry.objects.filter(pk__in=entry_ids).update(task_due_at=due_at)


def mark_ready_queued(entry_ids: list[int], due_at: datetime) -> list[int]:
    """Of these rows, the ones that may go now, marked as queued (see :func:`mark_queued`);
    their ids.

    A row that waits for another row still on its way is left: that row's task queues it once
    it is sent (or dead), and the sweep would find it too. A task queued for it now would only
    find it waiting (an order's transaction waits for its reservation, queued a moment later).

    One statement (``UPDATE … RETURNING``) on PostgreSQL and SQLite, or for a single row. The
    ids come back in the order given, each once.
    """
    ready = OutboxEntry.objects.filter(Q(depends_on__isnull=True) | Q(depends_on__state__in=FINAL))
    if len(entry_ids) == 1:
        marked = ready.filter(pk=entry_ids[0]).update(task_due_at=due_at)
        return list(entry_ids) if marked else []
    alias = router.db_for_write(OutboxEntry)
    if one_statement(connections[alias]):
        return _mark_ready_returning(alias, entry_ids, due_at)
    found = set(ready.filter(pk__in=entry_ids).values_list("pk", flat=True))
    ids = [entry_id for entry_id in dict.fromkeys(entry_ids) if entry_id in found]
    if ids:
        mark_queued(ids, due_at)
    return ids


def _mark_ready_returning(alias: str, entry_ids: list[int], due_at: datetime) -> list[int]:
    """:func:`mark_ready_queued` for several rows as one ``UPDATE … RETURNING``."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = OutboxEntry._meta
    table = quote(meta.db_table)
    pk = quote(column_of(meta.pk))
    waits_for = quote(column_of(meta.get_field("depends_on")))
    state = quote(column_of(meta.get_field("state")))
    due = quote(column_of(meta.get_field("task_due_at")))
    ids = list(dict.fromkeys(entry_ids))
    sql = (
        f"UPDATE {table} SET {due} = %s "  # noqa: S608 (the model's names)
        f"WHERE {pk} IN ({', '.join(['%s'] * len(ids))}) AND ({waits_for} IS NULL OR "
        f"{waits_for} IN (SELECT {pk} FROM {table} WHERE {state} IN "
        f"({', '.join(['%s'] * len(FINAL))}))) RETURNING {pk}"
    )
    value = meta.get_field("task_due_at").get_db_prep_save(due_at, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, *ids, *(final.value for final in FINAL)])
        marked = {row[0] for row in cursor.fetchall()}
    return [entry_id for entry_id in ids if entry_id in marked]


def claim_due(limit: int = 50, entry_id: int | None = None) -> list[OutboxEntry]:
    """Lease due rows to this worker: pending or failed ones whose time has come, and in-flight
    ones whose lease ran out. Rows another worker is claiming right now are skipped."""
    now = timezone.now()
    rows = leasing.lease(_claimable, limit=limit, entry_id=entry_id, now=now, until=now + lease())
    return sorted(rows, key=lambda row: row.next_attempt_at)


def _claimable(now: datetime, entry_id: int | None) -> QuerySet[OutboxEntry]:
    """The due rows a claim takes first (of them the one with ``entry_id``, if given)."""
    due = _due(now)
    if entry_id is not None:
        due = due.filter(pk=entry_id)
    return due.order_by("next_attempt_at")


def deliver(entry: OutboxEntry) -> OutboxEntry:
    """Send one claimed row with its kind's handler and record the outcome.

    The outcome is written only while this worker's lease still holds: if the send outlived
    the lease and another worker took the row, that worker's outcome stands (the duplicate
    answer made its send harmless) and this one is dropped, unannounced.
    """
    handler = registry.handler_for(entry.kind)
    lease_held = entry.leased_until
    entry.attempts += 1
    now = timezone.now()
    try:
        if handler is None:
            raise LookupError(f"no outbox handler for {entry.kind!r}")
        _check_dependency(entry)
        with handler.sending(entry):
            _build_payload(handler, entry)
            answer = handler.send(entry)
    except Skip as exc:
        entry.state = OutboxEntry.State.SKIPPED
        entry.last_error = str(exc)[:500]
    except Blocked as exc:
        _dead(entry, str(exc))
    except NotYet as exc:
        _failed(entry, str(exc), now, limit=exc.limit)
    except _retried() as exc:
        _failed(
            entry, f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc), now
        )
    except registry.permanent_errors() as exc:
        _dead(entry, _for_staff(exc))
    except Exception as exc:  # a bug: keep the row, visibly, for staff
        logger.exception("outbox handler failed for %s", entry)
        _dead(entry, f"{type(exc).__name__}: {exc}")
    else:
        entry.state = OutboxEntry.State.SENT
        entry.response = answer if isinstance(answer, dict | list) else None
        entry.sent_at = now
        entry.last_error = ""
    entry.leased_until = None
    if not _record(entry, lease_held):
        logger.warning("outbox entry %s: lease lost during the send; not recorded", entry.pk)
        entry.refresh_from_db()
        return entry
    if (announcer := registry.announcer_for(entry.kind)) is not None:
        announcer.announce(entry)
    return entry


def _build_payload(handler: registry.Handler, entry: OutboxEntry) -> None:
    """Build the entry's payload on its first attempt and store it: every retry sends it
    unchanged, and what was sent is what staff see."""
    if entry.payload:
        return
    payload = handler.build_payload(entry)
    if payload:
        entry.payload = payload
        entry.save(update_fields=["payload", "member_id", "updated_at"])


def _check_dependency(entry: OutboxEntry) -> None:
    """May the entry go after the row it waits for? Raises :class:`NotReady` if that row is
    back in the queue (staff retried it since the claim), :class:`Blocked` if it is dead and
    the entry cannot do without it."""
    dependency = entry.depends_on
    if dependency is None or dependency.state in DONE:
        return
    if dependency.state != OutboxEntry.State.DEAD:
        raise NotReady(f"Waits for entry #{dependency.pk}, which is not sent yet.")
    if registry.is_courtesy(dependency.kind) or registry.goes_after_dead(entry.kind):
        return
    raise Blocked(
        f"Not sent: it waits for entry #{dependency.pk} ({dependency.kind} "
        f"{dependency.external_id}), which is dead. Send that one again first, then this one."
    )


# What an attempt changes on its row.
OUTCOME_FIELDS = (
    "state",
    "attempts",
    "next_attempt_at",
    "leased_until",
    "last_error",
    "response",
    "sent_at",
    "member_id",
    "task_due_at",
    "updated_at",
)


def _record(entry: OutboxEntry, lease_held: datetime | None) -> bool:
    """Save the outcome if the row is still ours (in flight under the lease we were given)."""
    entry.updated_at = timezone.now()
    return leasing.save_if_leased(entry, OUTCOME_FIELDS, lease_held)


def _for_staff(error: BaseException) -> str:
    """What the entry keeps of a permanent error for staff: the error's own account for staff
    where it has one (a refusal's reason, which its message leaves out of logs)."""
    for_staff = getattr(error, "for_staff", None)
    return for_staff() if callable(for_staff) else str(error)


def _failed(entry: OutboxEntry, error: str, now: datetime, limit: int | None = None) -> None:
    """Try again after a backoff; dead after ``OUTBOX_MAX_ATTEMPTS`` (or ``limit``, if fewer)."""
    if limit is not None and entry.attempts >= min(limit, max_attempts()):
        _dead(entry, f"Gave up after {entry.attempts} attempt(s). {error}")
        return
    if entry.attempts >= max_attempts():
        _dead(entry, error)
        return
    entry.state = OutboxEntry.State.FAILED
    entry.last_error = error[:500]
    entry.next_attempt_at = now + backoff(entry.attempts)


def _dead(entry: OutboxEntry, error: str) -> None:
    entry.state = OutboxEntry.State.DEAD
    entry.last_error = error[:500]
    logger.warning("diller outbox entry %s is dead after %d attempts", entry.pk, entry.attempts)


def retry(entries: QuerySet[OutboxEntry]) -> int:
    """Staff: send these again as soon as a worker is free (dead ones get a fresh count)."""
    return entries.exclude(state__in=DONE).update(
        state=OutboxEntry.State.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        leased_until=None,
    )


def drain(limit: int | None = None) -> int:
    """Claim and deliver due rows until none are left (or ``limit`` were delivered); how many
    were delivered. One row is claimed at a time, so no lease waits behind other sends."""
    done = 0
    while (limit is None or done < limit) and (rows := claim_due(1)):
        deliver(rows[0])
        done += 1
    return done
