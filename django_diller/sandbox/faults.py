"""Fault injection: slow, failing, rate-limited, timed-out, hanging and dropped calls.

One uniform draw per request picks at most one fault, so each rate is the probability of its
fault (when the rates sum to at most 1) and ``seed`` makes a run repeatable.

* ``error``: 503 problem details, the request is NOT processed.
* ``rate_limit``: 429 problem details with ``Retry-After``, NOT processed.
* ``timeout``: processed (the effect happened), then the answer never arrives in time.
* ``drop``: processed, then the connection closes without an answer.
* ``hang``: accepted, then neither processed nor answered, as a Diller that takes connections
  but has stopped working. The HTTP server holds the connection until the client gives up
  (at most ``timeout_seconds``, then it closes it unanswered); in-process, the transport waits
  out the request's read timeout and raises ``httpx2.ReadTimeout``.

``latency`` delays every answer; in-process as on the wire, a client whose read timeout is
shorter gets ``httpx2.ReadTimeout`` when it runs out (the request was processed).

Faults skip the token endpoint unless ``only_operations`` names ``"token"``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Literal

FaultKind = Literal["error", "rate_limit", "timeout", "drop", "hang"]
TOKEN_OPERATION = "token"  # noqa: S105  (an operation name)
# The statuses an ``error`` fault may answer with where the status is chosen (ErrorStatusFaults).
ERROR_STATUSES = (500, 502, 503, 504)


@dataclass
class Faults:
    latency: float = 0.0  # seconds added before every answer
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: int = 1  # seconds, sent in Retry-After with a 429
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    hang_rate: float = 0.0
    seed: int | None = None
    only_operations: set[str] | None = None
    timeout_seconds: float = 30.0  # how long the real server holds a timeout or hang fault
    max_faults: int | None = None  # stop injecting after this many faults ("fail twice, then work")
    _injected: int = field(default=0, repr=False, compare=False)
    # The HTTP server draws from many threads: the generator and the count change together.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _rng: random.Random | None = field(default=None, repr=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name == "seed":  # (re)setting the seed restarts the sequence
            super().__setattr__("_rng", None)

    def applies_to(self, operation_id: str | None) -> bool:
        if operation_id is None:
            return False
        if self.only_operations is None:
            return operation_id != TOKEN_OPERATION
        return operation_id in self.only_operations

    def _random(self) -> random.Random:
        if self._rng is None:
            self._rng = random.Random(self.seed)
        return self._rng

    def draw(self, operation_id: str | None) -> FaultKind | None:
        """The fault (if any) for one request to ``operation_id``."""
        if not self.applies_to(operation_id):
            return None
        rates: list[tuple[FaultKind, float]] = [
            ("error", self.error_rate),
            ("rate_limit", self.rate_limit_rate),
            ("timeout", self.timeout_rate),
            ("drop", self.drop_rate),
            ("hang", self.hang_rate),
        ]
        if not any(rate > 0 for _, rate in rates):
            return None
        with self._lock:
            if self.max_faults is not None and self._injected >= self.max_faults:
                return None
            roll = self._random().random()
            threshold = 0.0
            for kind, rate in rates:
                threshold += max(0.0, rate)
                if roll < threshold:
                    self._injected += 1
                    return kind
            return None

    def latency_for(self, operation_id: str | None) -> float:
        return self.latency if self.latency > 0 and self.applies_to(operation_id) else 0.0

    def settings(self) -> dict[str, object]:
        """The public settings (for snapshots and restore)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def update(self, **settings: object) -> None:
        known = set(self.settings())
        unknown = set(settings) - known
        if unknown:
            raise TypeError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for name, value in settings.items():
            if name == "only_operations" and value is not None:
                value = set(value)  # type: ignore[call-overload]
            setattr(self, name, value)
        self._injected = 0


@dataclass
class ErrorStatusFaults(Faults):
    """:class:`Faults` whose ``error`` fault answers ``error_status`` (one of
    :data:`ERROR_STATUSES`, 503 unless told) rather than always 503: Dintero's and Coupontools'."""

    error_status: int = 503

    def __setattr__(self, name: str, value: object) -> None:
        if name == "error_status" and value not in ERROR_STATUSES:
            raise ValueError(f"error_status must be one of {ERROR_STATUSES}")
        super().__setattr__(name, value)
