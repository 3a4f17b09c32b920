"""The shared clients of one outside system (Diller, Coupontools, Dintero), and its embedded
sandbox.

A client holds a connection pool, so each process builds one per connection settings and keeps
it: :meth:`SharedClients.get` builds it on first use (outside the lock: building may read the
settings and the cache), and when two threads build at once the second one's is closed and the
first one's kept. :meth:`SharedClients.reset` closes them all and forgets the sandbox (tests,
and a change of the provider's settings, which :meth:`SharedClients.forget_on_change` wires up).
Every provider's clients verify servers with the process's one TLS context
(:func:`django_diller.api.tls.shared_tls_context`); :func:`warm_up` builds it ahead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

from django.core.signals import setting_changed


class Closable(Protocol):
    def close(self) -> None: ...


ClientT = TypeVar("ClientT", bound=Closable)
SandboxT = TypeVar("SandboxT")


class SharedClients(Generic[ClientT, SandboxT]):
    """One outside system's clients, one per settings key, and its embedded sandbox."""

    def __init__(self, new_sandbox: Callable[[], SandboxT]) -> None:
        self._lock = threading.Lock()
        self._clients: dict[Hashable, ClientT] = {}
        self._sandbox: SandboxT | None = None
        self._new_sandbox = new_sandbox

    def sandbox(self) -> SandboxT:
        """The process's in-process sandbox, made (seeded) on first use."""
        with self._lock:
            if self._sandbox is None:
                self._sandbox = self._new_sandbox()
            return self._sandbox

    def get(self, key: Hashable, build: Callable[[], ClientT]) -> ClientT:
        """The client kept for ``key``, built with ``build()`` the first time."""
        with self._lock:
            client = self._clients.get(key)
        if client is not None:
            return client
        client = build()
        with self._lock:
            kept = self._clients.setdefault(key, client)
        if kept is not client:  # another thread built one first
            client.close()
        return kept

    def reset(self) -> None:
        """Close and forget the clients, and forget the sandbox."""
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
            self._sandbox = None
        for client in clients:
            client.close()

    def forget_on_change(
        self,
        settings: frozenset[str],
        dispatch_uid: str,
        reset: Callable[[], None] | None = None,
    ) -> None:
        """Reset (with :meth:`reset`, or ``reset`` when given: one that forgets more) whenever
        one of ``settings`` changes (``override_settings`` in tests)."""
        forget_all = reset or self.reset

        def forget(setting: str, **kwargs: object) -> None:
            if setting in settings:
                forget_all()

        setting_changed.connect(forget, weak=False, dispatch_uid=dispatch_uid)


def warm_up() -> None:
    """Build what every client of the process shares before any is made: the HTTP transport's
    modules (httpcore2, h11) and the TLS context. A Celery worker calls it in its main process
    before it forks its pool, so the children share them. Nothing connects."""
    import httpx2

    from .api.tls import shared_tls_context

    httpx2.Client(verify=shared_tls_context()).close()
