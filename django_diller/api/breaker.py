"""A circuit breaker for calls someone waits for, its state shared between processes.

When Diller stops answering, every page that asks it would make its shopper wait for the whole
deadline. The breaker counts failed calls in a row (Diller unavailable, no answer in time);
after ``failures`` of them it *opens*: calls are refused at once with :class:`CircuitOpen`,
without touching the network, for ``cooldown`` seconds. Then one call is let through as a probe
(*half-open*); if Diller answers it, the breaker closes, else it stays open another cool-down.

Any answer from Diller closes the breaker, a refusal or a 404 included: Diller is there.
Opening is logged once as a warning, closing once as info, whichever process does it.

A guarded call reads the breaker's state once, as it is let go (:meth:`CircuitBreaker.admit`,
one ``get_many``); when nothing was held then (no failure counted, not open), its success reads
nothing more. So a failure another process counts while the call is under way is left for the
next success to reset, and a breaker other processes open meanwhile is closed by the next call
that finds it held, nobody waits for, or probes, not by this one.

The state lives in a :class:`BreakerStore`: :class:`MemoryBreakerStore` for one process, or a
shared cache (``django_diller.loyalty.breaker.DjangoCacheBreakerStore``) so that the web
workers of a shop stop waiting together. Times in the store are seconds since the epoch.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .errors import DillerUnavailable

logger = logging.getLogger("django_diller.api")

BreakerState = Literal["closed", "open", "half-open"]


class CircuitOpen(DillerUnavailable):
    """Diller failed the last calls: this one was not sent. ``retry_after``: seconds until a
    probe may go."""


class BreakerStore(Protocol):
    """Where the breaker keeps its state; ``add`` and ``incr`` must be atomic when shared."""

    def get(self, key: str) -> Any: ...

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The keys that are set, with their values."""
        ...

    def add(self, key: str, value: Any, ttl: float | None = None) -> bool:
        """Set ``key`` unless it is set; whether it was. ``ttl`` None: until deleted."""
        ...

    def set(self, key: str, value: Any, ttl: float | None = None) -> None: ...

    def incr(self, key: str) -> int:
        """Add one to the number at ``key`` (0 when missing); the new number."""
        ...

    def delete(self, key: str) -> bool:
        """Whether the key was there (so that one caller of many learns it removed it)."""
        ...


class MemoryBreakerStore:
    """A per-process store: enough for scripts and tests, not shared between processes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._values: dict[str, tuple[Any, float | None]] = {}
        self._mutex = threading.Lock()
        self._clock = clock

    def _live(self, key: str) -> tuple[Any, float | None] | None:
        held = self._values.get(key)
        if held is not None and held[1] is not None and held[1] <= self._clock():
            del self._values[key]
            return None
        return held

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    def get(self, key: str) -> Any:
        with self._mutex:
            held = self._live(key)
            return None if held is None else held[0]

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        with self._mutex:
            return {key: held[0] for key in keys if (held := self._live(key)) is not None}

    def add(self, key: str, value: Any, ttl: float | None = None) -> bool:
        with self._mutex:
            if self._live(key) is not None:
                return False
            self._values[key] = (value, self._expiry(ttl))
            return True

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        with self._mutex:
            self._values[key] = (value, self._expiry(ttl))

    def incr(self, key: str) -> int:
        with self._mutex:
            held = self._live(key)
            number = (int(held[0]) if held else 0) + 1
            self._values[key] = (number, held[1] if held else None)
            return number

    def delete(self, key: str) -> bool:
        with self._mutex:
            return self._values.pop(key, None) is not None


def breaker_key(base_url: str, client_id: str) -> str:
    """The store key for a host and client id (hashed: keys may end up in cache dumps)."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}|{client_id}".encode()).hexdigest()[:24]
    return f"diller:breaker:{digest}"


@dataclass(frozen=True)
class BreakerSettings:
    failures: int = 5  # failed calls in a row that open the breaker
    cooldown: float = 30.0  # seconds it stays open before a probe may go
    probe_ttl: float = 30.0  # a probe that never reports back frees its place after this long


@dataclass(frozen=True)
class Admission:
    """A guarded call let go: whether it is the probe of a half-open breaker, and whether the
    breaker held nothing (no failure counted, not open) when it went."""

    probe: bool
    clear: bool


class CircuitBreaker:
    """Guards the calls someone waits for; see the module's description."""

    def __init__(
        self,
        store: BreakerStore,
        key: str,
        settings: BreakerSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings or BreakerSettings()
        self.clock = clock
        self.failures_key = f"{key}:failures"
        self.open_key = f"{key}:open"  # the time a probe may go; set while open or half-open
        self.probe_key = f"{key}:probe"

    def state(self) -> BreakerState:
        retry_at = self.store.get(self.open_key)
        if retry_at is None:
            return "closed"
        return "open" if self.clock() < float(retry_at) else "half-open"

    def admit(self, operation: str | None = None) -> Admission:
        """Let a call go, or raise :class:`CircuitOpen`. A probe of a half-open breaker
        (``probe``) must report with ``failed(probe=True)`` if it fails; ``succeeded`` takes
        the admission."""
        held = self.store.get_many([self.failures_key, self.open_key])
        retry_at = held.get(self.open_key)
        if retry_at is None:
            return Admission(probe=False, clear=held.get(self.failures_key) is None)
        wait = float(retry_at) - self.clock()
        if wait <= 0 and self.store.add(self.probe_key, 1, self.settings.probe_ttl):
            return Admission(probe=True, clear=False)
        raise CircuitOpen(
            "Diller did not answer the last calls; not waiting for it now",
            operation=operation,
            retry_after=max(0.0, wait),
        )

    def succeeded(self, admission: Admission | None = None) -> None:
        """Diller answered a call (any call: those nobody waits for too). ``admission``: the
        guarded call's, when it went (see the module's description)."""
        if admission is not None and admission.clear:
            return
        held = self.store.get_many([self.failures_key, self.open_key])
        if not held:
            return
        self.store.delete(self.failures_key)
        if self.open_key in held and self.store.delete(self.open_key):
            self.store.delete(self.probe_key)
            logger.info("diller answers again: calls while shoppers wait go to it again")

    def failed(self, *, probe: bool = False) -> None:
        """A guarded call found Diller unavailable or got no answer in time."""
        cooldown = self.settings.cooldown
        if probe and self.store.get(self.open_key) is not None:
            # Still down: another cool-down (the opening was announced already).
            self.store.set(self.open_key, self.clock() + cooldown)
            self.store.delete(self.probe_key)
            return
        count = self.store.incr(self.failures_key)
        if count >= self.settings.failures and self.store.add(
            self.open_key, self.clock() + cooldown
        ):
            logger.warning(
                "diller failed %d calls in a row: calls while shoppers wait stop going to it "
                "for %.0f s",
                count,
                cooldown,
            )
