"""When and how long to wait before trying a request again, and when to stop trying."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    ``max_attempts`` counts the first try. No retry starts once ``max_total`` seconds have passed
    since the first try, or when its wait would cross that limit. A ``Retry-After`` from Diller
    is honoured as the wait (when it fits in the limit).
    """

    max_attempts: int = 3
    backoff_base: float = 0.25
    backoff_max: float = 4.0
    max_total: float = 20.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return self.rng.uniform(0, ceiling)

    def allows(self, attempt: int, elapsed: float, delay: float) -> bool:
        """May attempt number ``attempt + 1`` start after waiting ``delay`` more seconds?"""
        return attempt < self.max_attempts and elapsed + delay <= self.max_total


NO_RETRY = RetryPolicy(max_attempts=1)

# A retry is worth starting only with at least this much of a deadline left.
MIN_ATTEMPT_SECONDS = 0.1


class DeadlinePassed(Exception):
    """A call's deadline passed between two of its steps (no request is on its way)."""


@dataclass
class Deadline:
    """The time one call may take in all, retries and the token fetch included.

    Started when created. Someone waits for such a call (a shopper on a page), so its time is
    spent once: a retry starts only if it fits in what is left, and each network step is timed
    to what is left when it begins.
    """

    seconds: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    started: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        return self.seconds - (self.clock() - self.started)

    def check(self) -> float:
        """The seconds left; raises :class:`DeadlinePassed` when none are."""
        left = self.remaining()
        if left <= 0:
            raise DeadlinePassed
        return left

    def sleep(self, seconds: float) -> None:
        """Wait, unless the deadline would pass meanwhile (then raise at once)."""
        if seconds >= self.remaining():
            raise DeadlinePassed
        time.sleep(seconds)

    def bound(self, policy: RetryPolicy) -> RetryPolicy:
        """``policy`` with its time limit cut so that no retry starts too late to finish."""
        budget = max(0.0, self.remaining() - MIN_ATTEMPT_SECONDS)
        return replace(policy, max_total=min(policy.max_total, budget))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form; dates are ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
