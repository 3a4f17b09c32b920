"""Many processes, one token: the run behind the token-sharing tests and the benchmark.

Starts the Diller sandbox as a real HTTP server, then N processes that each build their own
DillerClient with tokens in a shared Django cache on Redis, wait at a barrier, and make their
calls at once; counts how often the token endpoint was reached. Used by
``tests/connection/test_token_sharing.py`` and ``benchmarks/token_stampede.py``.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from dataclasses import dataclass

from django_diller.sandbox import Sandbox, running_server
from django_diller.sandbox.seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SEED_STORE_ID,
)


@dataclass(frozen=True)
class StampedeResult:
    processes: int
    calls: int
    failures: int
    token_fetches: int
    seconds: float
    token_lifetime: float
    refresh_margin: float

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    @property
    def most_fetches_allowed(self) -> int:
        """One fetch per (lifetime - margin) of run time, plus the first."""
        usable = max(self.token_lifetime - self.refresh_margin, 0.001)
        return int(self.seconds // usable) + 1


def _worker(base_url, redis_url, prefix, calls, margin, barrier, results) -> None:
    import django
    from django.conf import settings

    settings.configure(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": prefix,
            }
        }
    )
    django.setup()
    from django_diller.api import ClientConfig, DillerClient, DillerError
    from django_diller.token_cache import DjangoCacheTokenStore

    config = ClientConfig(
        base_url=base_url,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        store_id=SEED_STORE_ID,
        token_refresh_margin=margin,
    )
    failures = 0
    with DillerClient(config, token_store=DjangoCacheTokenStore()) as client:
        barrier.wait()
        for _ in range(calls):
            try:
                client.get_store()
            except DillerError:
                failures += 1
    results.put(failures)


def run(
    processes: int = 4,
    calls: int = 1000,
    token_lifetime: float = 3600,
    refresh_margin: float = 60.0,
    redis_url: str = "redis://127.0.0.1:6379/15",
) -> StampedeResult:
    context = multiprocessing.get_context("spawn")
    sandbox = Sandbox(seed=True, validate_requests=False, validate_responses=False)
    sandbox.token_lifetime = token_lifetime
    prefix = f"stampede-{uuid.uuid4().hex[:8]}"  # a fresh token cache for every run
    per_process = calls // processes
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    with running_server(sandbox) as base_url:
        workers = [
            context.Process(
                target=_worker,
                args=(base_url, redis_url, prefix, per_process, refresh_margin, barrier, results),
            )
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        barrier.wait(timeout=120)
        started = time.perf_counter()
        failures = sum(results.get(timeout=600) for _ in workers)
        seconds = time.perf_counter() - started
        for worker in workers:
            worker.join(timeout=30)
    return StampedeResult(
        processes=processes,
        calls=per_process * processes,
        failures=failures,
        token_fetches=sandbox.token_requests,
        seconds=seconds,
        token_lifetime=token_lifetime,
        refresh_margin=refresh_margin,
    )
