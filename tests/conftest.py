"""Shared pytest configuration (pytest-django reads its settings from pyproject.toml)."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_caches_and_clients():
    """Every test starts with empty caches, fresh Diller clients and a fresh embedded sandbox.

    The database is rolled back after each test, but the cache (which holds the saved Diller
    set-up and the tokens) and the process-wide clients are not: reset them too.
    """
    from django.core.cache import caches

    from django_diller.coupontools import connection as coupontools_connection
    from django_diller.dintero import connection as dintero_connection
    from django_diller.discountapi.active import forget_rules
    from django_diller.loyalty import connection

    for cache in caches.all():
        cache.clear()
    connection.reset()
    dintero_connection.reset()
    coupontools_connection.reset()
    forget_rules()
    yield
    connection.reset()
    dintero_connection.reset()
    coupontools_connection.reset()
    forget_rules()
