"""Leasing due outbox rows to a worker, and recording an attempt's outcome under the lease.

On PostgreSQL the rows are locked (``FOR UPDATE SKIP LOCKED``), leased and returned by one
``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …``: one round trip, no
transaction to open and commit, no second read. Elsewhere (SQLite in the tests) the rows are
selected for update and leased in a transaction, and the rows read are the ones returned.
Either way a row another worker is leasing right now is skipped, never taken twice.

Both statements run once per delivery, and compiling an ORM query costs a worker more CPU
than the statement's round trip: the claim is compiled once per shape and the outcome's
``UPDATE`` is written here (:func:`save_if_leased`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import OutboxEntry

# Which rows are due at a time, and of these the one with an id (None: any).
DueRows = Callable[[datetime, int | None], QuerySet[OutboxEntry]]


def lease(
    due_rows: DueRows, *, limit: int, entry_id: int | None, now: datetime, until: datetime
) -> list[OutboxEntry]:
    """Lease up to ``limit`` of the rows due at ``now`` (in their order) until ``until``: in
    flight, and the leased rows as they are now stored."""
    db = router.db_for_write(OutboxEntry)
    if connections[db].vendor == "postgresql":
        statement = _statement(db, due_rows, limit, entry_id is not None)
        rows = OutboxEntry.objects.using(db).raw(
            statement.sql, statement.params(now, until, entry_id)
        )
        return list(rows)
    return _select_then_update(due_rows(now, entry_id).using(db), limit, now, until)


@dataclass(frozen=True)
class _Statement:
    """The claim's SQL for one shape of query, and where its values go."""

    sql: str
    template: tuple[Any, ...]  # the parameters, with the markers below where a value goes
    mark_time: datetime
    mark_id: int

    def params(self, now: datetime, until: datetime, entry_id: int | None) -> tuple[Any, ...]:
        fill = [
            now
            if isinstance(value, datetime) and value == self.mark_time
            else entry_id
            if type(value) is int and value == self.mark_id
            else value
            for value in self.template
        ]
        return (OutboxEntry.State.IN_FLIGHT.value, until, now, *fill)


# The claim's statements, compiled once per shape (query, database, limit, one row or any),
# with markers where the values go.
_STATEMENTS: dict[tuple[DueRows, str, int, bool], _Statement] = {}
_MARK_TIME = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
_MARK_ID = -(2**62) + 7


def _statement(db: str, due_rows: DueRows, limit: int, one: bool) -> _Statement:
    key = (due_rows, db, limit, one)
    if key not in _STATEMENTS:
        mark_time = _MARK_TIME if settings.USE_TZ else timezone.make_naive(_MARK_TIME, UTC)
        due = due_rows(mark_time, _MARK_ID if one else None)
        statement = _compile(db, due, limit, mark_time)
        if mark_time not in statement.template or (one and _MARK_ID not in statement.template):
            raise RuntimeError("the outbox claim's values were not found in its compiled query")
        _STATEMENTS[key] = statement
    return _STATEMENTS[key]


def _compile(db: str, due: QuerySet[OutboxEntry], limit: int, mark_time: datetime) -> _Statement:
    connection = connections[db]
    quote = connection.ops.quote_name
    meta = OutboxEntry._meta
    table = quote(meta.db_table)
    # The ORM writes the due rows' query (one source of truth for what is due); the lock is
    # added here because Django refuses to compile FOR UPDATE outside a transaction.
    rows = due.values("pk")[:limit]
    select, select_params = rows.query.get_compiler(using=db).as_sql()
    locked = connection.ops.for_update_sql(skip_locked=True, of=(table,))
    columns = ", ".join(quote(str(field.column)) for field in meta.concrete_fields)
    assignments = ", ".join(
        f"{quote(name)} = %s" for name in ("state", "leased_until", "updated_at")
    )
    # Names from the model's meta, quoted; every value is a parameter.
    sql = (
        f"UPDATE {table} SET {assignments} WHERE {quote(str(meta.pk.column))} IN"  # noqa: S608
        f" ({select} {locked}) RETURNING {columns}"
    )
    return _Statement(sql, tuple(select_params), mark_time, _MARK_ID)


def save_if_leased(
    entry: OutboxEntry, fields: tuple[str, ...], lease_held: datetime | None
) -> bool:
    """Save ``fields`` of the entry if it is still in flight under the lease ``lease_held``;
    whether it was. One ``UPDATE`` whose SQL is written here: the ORM's update compiles its
    query on every call, at a CPU cost above the statement's."""
    db = router.db_for_write(OutboxEntry)
    connection = connections[db]
    quote = connection.ops.quote_name
    meta = OutboxEntry._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    assignments, values = [], []
    for name in fields:
        field = by_name[name]
        assignments.append(f"{quote(str(field.column))} = %s")
        values.append(field.get_db_prep_save(getattr(entry, field.attname), connection))
    held = by_name["leased_until"]
    held_sql = quote(str(held.column)) + (" = %s" if lease_held is not None else " IS NULL")
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)}"  # noqa: S608
        f" WHERE {quote(str(meta.pk.column))} = %s AND {quote('state')} = %s AND {held_sql}"
    )
    values += [entry.pk, OutboxEntry.State.IN_FLIGHT.value]
    if lease_held is not None:
        values.append(held.get_db_prep_save(lease_held, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return bool(cursor.rowcount == 1)


def _select_then_update(
    due: QuerySet[OutboxEntry], limit: int, now: datetime, until: datetime
) -> list[OutboxEntry]:
    connection = connections[due.db]
    locking = {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}
    with transaction.atomic(using=due.db):
        rows = list(due.select_for_update(of=("self",), **locking)[:limit])
        OutboxEntry.objects.using(due.db).filter(pk__in=[row.pk for row in rows]).update(
            state=OutboxEntry.State.IN_FLIGHT, leased_until=until, updated_at=now
        )
    for row in rows:
        row.state, row.leased_until, row.updated_at = OutboxEntry.State.IN_FLIGHT, until, now
    return rows
