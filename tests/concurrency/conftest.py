"""Concurrency tests need PostgreSQL (``make test`` runs them with DATABASE_URL set)."""

import pytest
from django.db import connection

from tests.support import IN_CI


@pytest.fixture(autouse=True)
def _postgresql_only(django_db_blocker):
    with django_db_blocker.unblock():
        vendor = connection.vendor
    if vendor != "postgresql":
        message = "concurrency tests run on PostgreSQL (DATABASE_URL=postgres://…)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
