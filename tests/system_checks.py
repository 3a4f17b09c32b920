"""The plugin's system checks run against a given DILLER dict, for the tests of its settings."""

from __future__ import annotations

from typing import Any

from django.core.checks import run_checks
from django.test import override_settings

# A complete configuration for the real Diller API, with the tokens in a shared cache.
REAL = {
    "BASE_URL": "https://api.prerelease.dillerapp.com",
    "CLIENT_ID": "store-uid",
    "CLIENT_SECRET": "api-key",
    "STORE_ID": "store-1",
    "DEPARTMENT_ID": "dept-1",
    "TOKEN_CACHE": "shared",
}
# A per-process cache, a cache that keeps nothing, and one the processes share.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/9",
    },
}


def diller_ids(*, debug: bool | None = None, deploy: bool = False, **diller: Any) -> list[str]:
    """The ids of the plugin's check messages with ``DILLER=diller`` and :data:`CACHES`, sorted;
    ``debug`` overrides ``DEBUG`` when given, ``deploy`` adds the deployment checks."""
    overrides: dict[str, Any] = {"DILLER": diller, "CACHES": CACHES}
    if debug is not None:
        overrides["DEBUG"] = debug
    with override_settings(**overrides):
        messages = run_checks(include_deployment_checks=deploy)
    return sorted({m.id for m in messages if m.id and m.id.startswith("diller.")})
