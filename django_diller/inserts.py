"""A row inserted unless its unique key is taken: the first order's claim, a basket's first
snapshot, an effect queued once in the outbox.

These run inside the transaction of a page or an order, where a duplicate must not spoil the
transaction. PostgreSQL and SQLite say it in one statement (``INSERT … ON CONFLICT DO NOTHING
RETURNING``), with no error in the database's log; other databases get a savepoint around a
plain insert.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

ONE_STATEMENT_VENDORS = ("postgresql", "sqlite")


def insert_new(obj: Model, conflict_fields: Sequence[str]) -> bool:
    """Insert ``obj`` as a new row unless a row with the same ``conflict_fields`` (a unique
    constraint of its model, exactly) exists; whether it was inserted.

    When inserted, ``obj`` has its primary key and ``pre_save``/``post_save`` were sent, as
    ``obj.save()`` does. Another constraint's violation raises, as an insert does.
    """
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    if not one_statement(connection):
        try:
            with transaction.atomic(using=alias):
                obj.save(force_insert=True, using=alias)
        except IntegrityError:
            return False
        return True
    meta = model._meta
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    fields = [f for f in meta.concrete_fields if not (f.primary_key and obj.pk is None)]
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column_of(f)) for f in fields)
    conflict = ", ".join(quote(column_of(meta.get_field(name))) for name in conflict_fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 (the model's names)
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(column_of(meta.pk))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = alias
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias
    )
    return True


def one_statement(connection: BaseDatabaseWrapper) -> bool:
    """Whether the database says ``… RETURNING`` (and ``ON CONFLICT``): PostgreSQL, and SQLite
    from 3.35 (Django takes SQLite from 3.31)."""
    return (
        connection.vendor in ONE_STATEMENT_VENDORS
        and connection.features.can_return_columns_from_insert
    )


def column_of(field: object) -> str:
    """The database column of a concrete model field (``_meta.pk`` included)."""
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{field!r} is not a concrete field")
    return column
