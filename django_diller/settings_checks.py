"""What the system checks of every provider's settings dict share: its unknown keys, and an
embedded sandbox switched on where it must not be or without its packages."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

# What an embedded sandbox needs (the extra ``[sandbox]``): it checks itself against its contract.
SANDBOX_MODULES = ("openapi_schema_validator", "jsonschema", "yaml")


def unknown_keys(
    name: str, raw: dict[str, Any], known: Iterable[str], *, id: str
) -> list[CheckMessage]:
    """A warning for each key of the setting ``name`` (the dict ``raw``) that is not ``known``."""
    keys = sorted(known)
    return [
        Warning(f"{name} has an unknown key {key!r}.", hint="Known keys: " + ", ".join(keys), id=id)
        for key in raw
        if key not in keys
    ]


def sandbox_problems(
    *,
    name: str,
    provider: str,
    on: bool,
    without_debug: bool,
    why: str,
    credentials: str,
    debug_id: str,
    missing_id: str,
) -> list[CheckMessage]:
    """An embedded sandbox (``name['SANDBOX']``) on while ``DEBUG`` is off (unless test settings
    allowed it with ``SANDBOX_WITHOUT_DEBUG``), or on without its packages.

    ``why``: what is not real about it; ``credentials``: the keys a real account sets.
    """
    if not on:
        return []
    problems: list[CheckMessage] = []
    if not settings.DEBUG and not without_debug:
        problems.append(
            Error(
                f"The embedded {provider} sandbox is on while DEBUG is off.",
                hint=f"The sandbox is for development: {why}. Set {name}['SANDBOX'] = False and "
                f"{credentials}; only test settings may set {name}['SANDBOX_WITHOUT_DEBUG'].",
                id=debug_id,
            )
        )
    return problems + missing_sandbox_packages(name=name, provider=provider, id=missing_id)


def missing_sandbox_packages(*, name: str, provider: str, id: str) -> list[CheckMessage]:
    """The error for a sandbox that is on without the ``[sandbox]`` extra (its first page would
    fail)."""
    missing = [module for module in SANDBOX_MODULES if find_spec(module) is None]
    if not missing:
        return []
    return [
        Error(
            f"The embedded {provider} sandbox is on but its packages are not installed "
            f"(missing: {', '.join(missing)}).",
            hint=f"Install django-diller[sandbox], or set {name}['SANDBOX'] = False.",
            id=id,
        )
    ]
