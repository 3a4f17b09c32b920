"""Entries queued before the voucher's key named them are renamed by the migration, so that a
validation or unlock queued after the upgrade finds its lock, and staff never read the id."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from django_diller.coupontools import queueing
from django_diller.coupontools.kinds import Kind
from django_diller.outbox.models import OutboxEntry

pytestmark = pytest.mark.django_db

SESSION = "demo50kr7hq2xk"
migration = import_module("django_diller.coupontools.migrations.0002_voucher_keys_in_outbox_ids")


class SchemaEditor:
    connection = connection


def old_entry(kind: str, external_id: str, payload: dict) -> OutboxEntry:
    return OutboxEntry.objects.create(
        kind=kind, external_id=external_id, order_number="A:1", store_id="", payload=payload
    )


def test_the_migration_renames_the_old_ids_and_leaves_the_rest():
    lock = old_entry(Kind.LOCK, f"A:1:{SESSION}:lock", {"session": SESSION})
    renamed = old_entry(
        Kind.UNLOCK, f"A:1:{queueing.voucher_key(SESSION)}:unlock", {"session": SESSION}
    )
    diller = old_entry("send_transaction", f"A:1:{SESSION}:lock", {"session": SESSION})
    migration.rename(apps, SchemaEditor())
    lock.refresh_from_db()
    assert lock.external_id == f"A:1:{queueing.voucher_key(SESSION)}:lock"
    assert queueing.lock_entry("A:1", SESSION) == lock
    assert OutboxEntry.objects.get(pk=renamed.pk).external_id == renamed.external_id
    assert OutboxEntry.objects.get(pk=diller.pk).external_id == diller.external_id
    migration.rename(apps, SchemaEditor())  # again: nothing changes
    assert OutboxEntry.objects.get(pk=lock.pk).external_id == lock.external_id
