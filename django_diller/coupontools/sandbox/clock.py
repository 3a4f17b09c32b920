"""A clock the sandbox can be given and that people can set: real time, moved by an offset,
or stopped at a moment (``clock.set(...)``, ``clock.advance(days=400)``, ``clock.resume()``).

Expiry is read against it: advancing it a year expires the demo vouchers.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from django_diller.sandbox import codec


class SandboxClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._stopped: datetime | None = None
        if start is not None:
            self.set(start)

    def __call__(self) -> datetime:
        with self._lock:
            if self._stopped is not None:
                return self._stopped
            return codec.utc_now() + self._offset

    def set(self, moment: datetime) -> None:
        """Stop the clock at ``moment`` (a naive one is UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        with self._lock:
            self._stopped = moment

    def advance(self, **delta: float) -> None:
        """Move the clock on (``days=``, ``hours=``, ``minutes=``, ``seconds=``)."""
        step = timedelta(**delta)
        with self._lock:
            if self._stopped is not None:
                self._stopped += step
            else:
                self._offset += step

    def resume(self) -> None:
        """Back to real time."""
        with self._lock:
            self._stopped = None
            self._offset = timedelta(0)


__all__ = ["SandboxClock"]
