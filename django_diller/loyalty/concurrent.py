"""Independent calls to an outside system, made side by side: the one thread helper.

A page that needs a member's coupons and stamp cards pays one round trip instead of two. Each
call knows what the caller's calls know (its deadline, whether a shopper waits: the context
variables of :data:`.waiting.CARRIED`), but nothing else of the caller's context: a thread
gets its own cache clients, as some cache backends need. The database connection a worker
thread may have opened (a database token cache) is closed when its call ends.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

from django.db import connections

from .waiting import CARRIED

T = TypeVar("T")


def _in_worker(carried: list[tuple[contextvars.ContextVar[Any], Any]], call: Callable[[], T]) -> T:
    def run() -> T:
        for variable, value in carried:
            variable.set(value)
        return call()

    try:
        return contextvars.Context().run(run)
    finally:
        connections.close_all()


# One pool for the process: starting threads for every page's calls cost more than the calls to
# a nearby Diller did. A forked child (prefork workers, a preloading server) makes its own.
POOL_THREADS = 32
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    pid = os.getpid()
    if _pool is None or _pool_pid != pid:
        with _pool_lock:
            if _pool is None or _pool_pid != pid:
                _pool = ThreadPoolExecutor(
                    max_workers=POOL_THREADS, thread_name_prefix="diller-call"
                )
                _pool_pid = pid
    return _pool


def _new_lock_in_child() -> None:
    global _pool_lock
    _pool_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


def side_by_side(*calls: Callable[[], Any], here: Callable[[], Any] | None = None) -> list[Any]:
    """The results of ``calls``, in order, made at the same time.

    ``here``, when given, runs in the calling thread meanwhile (its result comes first): the
    caller's own connection and transaction stay with it. Otherwise the first call runs there,
    the others in the process's worker threads. The first error of a call is raised once every
    call has ended.
    """
    if here is None:
        if not calls:
            return []
        here, calls = calls[0], calls[1:]
    futures = []
    if calls:
        pool = _shared_pool()
        carried = [(variable, variable.get()) for variable in CARRIED]
        futures = [pool.submit(_in_worker, carried, call) for call in calls]
    try:
        mine = here()
    finally:
        wait(futures)  # every call ends before anything is returned or raised
    return [mine] + [future.result() for future in futures]
