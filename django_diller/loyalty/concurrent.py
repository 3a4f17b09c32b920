"""Independent calls to an outside system, made side by side: the one thread helper.

A page that needs a member's coupons and stamp cards pays one round trip instead of two. Each
call knows what the caller's calls know (its deadline, whether a shopper waits: the context
variables of :data:`.waiting.CARRIED`), but nothing else of the caller's context: a thread
gets its own cache clients, as some cache backends need. The database connection a worker
thread may have opened (a database token cache) is closed when its call ends.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import connections

from .waiting import CARRIED

T = TypeVar("T")
MAX_THREADS = 8


def _in_worker(carried: list[tuple[contextvars.ContextVar[Any], Any]], call: Callable[[], T]) -> T:
    def run() -> T:
        for variable, value in carried:
            variable.set(value)
        return call()

    try:
        return contextvars.Context().run(run)
    finally:
        connections.close_all()


def side_by_side(*calls: Callable[[], Any], here: Callable[[], Any] | None = None) -> list[Any]:
    """The results of ``calls``, in order, made at the same time in worker threads.

    ``here``, when given, runs in the calling thread meanwhile (its result comes first): the
    caller's own connection and transaction stay with it. The first error of a call is
    raised once every call has ended.
    """
    if not calls:
        return [here()] if here is not None else []
    with ThreadPoolExecutor(
        max_workers=min(MAX_THREADS, len(calls)), thread_name_prefix="diller-call"
    ) as pool:
        carried = [(variable, variable.get()) for variable in CARRIED]
        futures = [pool.submit(_in_worker, carried, call) for call in calls]
        mine = [here()] if here is not None else []
        return mine + [future.result() for future in futures]
