"""Keeping a call within its :class:`~django_diller.api.retry.Deadline` on the wire.

httpx2 times each step of a request on its own (connect, write, each read), so a per-request
timeout alone would let a hanging Diller keep a shopper for connect + read seconds, per
attempt. Here every step is timed to what is left of the deadline when the step begins: the
request's timeouts are capped when it is built and tightened again, through httpcore's
``trace`` extension, as each step starts. The token fetch gets the same treatment, and waiting
for another process's token fetch stops when the deadline passes.
"""

from __future__ import annotations

from typing import Any

import httpx2

from .auth import TokenProvider
from .provider import Provider, Unavailable
from .retry import Deadline

# The least timeout a step is given: a deadline already passed still yields a timeout error
# from httpx2 (a zero timeout would make the socket non-blocking instead).
MIN_TIMEOUT = 0.001


def limit_request(
    request: httpx2.Request,
    timeout: httpx2.Timeout,
    deadline: Deadline,
    *,
    asynchronous: bool = False,
) -> None:
    """Time every step of ``request`` to the part of ``deadline`` left when it begins."""
    limits = timeout.as_dict()

    def tighten(event: str, info: dict[str, Any]) -> None:
        if event.endswith(".started"):
            left = max(deadline.remaining(), MIN_TIMEOUT)
            for step, value in limits.items():
                limits[step] = left if value is None else min(value, left)

    async def atighten(event: str, info: dict[str, Any]) -> None:
        tighten(event, info)

    tighten("request.started", {})
    # httpcore reads the timeouts from this very dict before each socket operation.
    request.extensions["timeout"] = limits
    request.extensions["trace"] = atighten if asynchronous else tighten


def too_late(
    operation_id: str,
    deadline: Deadline,
    *,
    lost_answer: bool,
    provider: Provider[Unavailable],
) -> Unavailable:
    """The error for a call whose deadline passed between its steps (``provider``'s)."""
    if lost_answer:
        return provider.timeout(
            f"no answer from {provider.name} within {deadline.seconds:g} s; the request may "
            "have been processed",
            operation=operation_id,
        )
    return provider.unavailable(
        f"{provider.name} did not answer within {deadline.seconds:g} s", operation=operation_id
    )


class TokensWithin(TokenProvider):
    """``provider``'s tokens for one call under ``deadline`` (sync).

    Shares the provider's store and lock; waiting for another process's fetch raises
    :class:`~django_diller.api.retry.DeadlinePassed` when the deadline passes, and a fetch of
    its own is timed to what is left.
    """

    def __init__(self, provider: TokenProvider, deadline: Deadline) -> None:
        self.__dict__.update(provider.__dict__)
        self.provider = provider
        self.deadline = deadline
        self.sleep = deadline.sleep
        self.fetch_count = 0

    def _client_kwargs(self) -> dict[str, Any]:
        def hook(request: httpx2.Request) -> None:
            limit_request(request, self.timeout, self.deadline)

        return {**super()._client_kwargs(), "event_hooks": {"request": [hook]}}

    def get(self, stale: str | None = None) -> str:
        try:
            return super().get(stale)
        finally:
            self.provider.fetch_count += self.fetch_count
            self.fetch_count = 0
