"""When and how long to wait before trying a request again."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

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


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form; dates are ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
