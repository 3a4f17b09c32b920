"""How many outbox transactions per second does one Celery worker send to Diller?

Serves the Diller sandbox over HTTP with a fixed latency, starts a redis-server of its own and
one Celery worker (``--pool prefork --concurrency N``, no beat; ``--pool threads`` for Celery's
thread pool) with the worker tests' settings, on a throwaway PostgreSQL database it creates and
drops (``diller_bench``). For each concurrency
it writes ``--rows`` ``send_transaction`` rows with ready payloads (so each row is one
createTransaction call), queues their tasks at once and times until every row is ``sent``.
The ceiling a worker can reach is concurrency / latency. RSS is the sum over the worker's
processes (main, pool children), sampled from /proc while it works; it counts the pages the
children share with the parent once per process. PSS (/proc/<pid>/smaps_rollup) shares them out.

    [WORKER_CONN_MAX_AGE=600 WORKER_DB_REUSE_MAX=1000] \
    .venv/bin/python benchmarks/outbox_throughput.py [--rows 1000] [--latency 0.02]
        [--concurrency 1 4 8] [--pool prefork|threads]
        [--database-url postgres://postgres@127.0.0.1:5432/diller_bench]

Without the two variables the worker opens a database connection per task (Celery's default);
with them it keeps one, as the README recommends.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.postgres import fresh_database

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/diller_bench"


@dataclass(frozen=True)
class Result:
    concurrency: int
    rows: int
    seconds: float
    latency: float
    rss_bytes: int
    pss_bytes: int
    conn_max_age: float

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def ceiling(self) -> float:
        return self.concurrency / self.latency if self.latency else float("inf")


def _setup_django(database_url: str, broker_url: str, sandbox_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.workers.worker_settings",
            "WORKER_DATABASE_URL": database_url,
            "WORKER_BROKER_URL": broker_url,
            "DILLER_BASE_URL": sandbox_url,
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _one_run(sandbox, worker_factory, rows: int, concurrency: int, latency: float) -> Result:
    from django.db import transaction

    from django_diller.models import OutboxEntry
    from django_diller.outbox import tasks
    from tests.workers.orders import SEND, ready_payload

    OutboxEntry.objects.all().delete()
    sandbox.reset()
    sandbox.faults.update(latency=latency)
    with transaction.atomic():
        OutboxEntry.objects.bulk_create(
            OutboxEntry(
                kind=SEND,
                external_id=f"B{concurrency}-{n}",
                order_number=f"B{concurrency}-{n}",
                store_id="demo-store",
                member_id="member-demo",
                payload=ready_payload(f"B{concurrency}-{n}", Decimal("576.00")),
            )
            for n in range(rows)
        )
    worker = worker_factory(concurrency)
    worker.start()
    try:
        ids = list(OutboxEntry.objects.values_list("pk", flat=True))
        peak = [(worker.rss_bytes(), worker.pss_bytes())]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak.append((worker.rss_bytes(), worker.pss_bytes()))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        tasks.queue_outbox_entries(ids, at_commit=False)
        sent = OutboxEntry.objects.filter(state=OutboxEntry.State.SENT)
        while sent.count() < rows:
            if time.perf_counter() - started > 600:
                raise RuntimeError(f"only {sent.count()} of {rows} sent after 600 s")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    finally:
        worker.kill()
    created = sandbox.requests_for("createTransaction")
    if len(created) != rows:
        raise RuntimeError(f"{len(created)} createTransaction calls for {rows} rows")
    return Result(
        concurrency,
        rows,
        seconds,
        latency,
        max(rss for rss, _pss in peak),
        max(pss for _rss, pss in peak),
        float(os.environ.get("WORKER_CONN_MAX_AGE", "0")),
    )


def run(
    rows: int = 1000,
    latency: float = 0.02,
    concurrencies: tuple[int, ...] = (1, 4, 8),
    database_url: str = DEFAULT_DATABASE_URL,
    pool: str = "prefork",
) -> list[Result]:
    from django_diller.sandbox import Sandbox, running_server
    from tests.workers.harness import CeleryWorker, RedisServer

    # Like Diller, not like a contract test: the sandbox's OpenAPI checks cost CPU on this machine.
    sandbox = Sandbox(seed=True, validate_requests=False, validate_responses=False)
    results = []
    with (
        fresh_database(database_url),
        tempfile.TemporaryDirectory() as directory,
        running_server(sandbox) as url,
    ):
        redis = RedisServer(Path(directory))
        redis.start()
        try:
            _setup_django(database_url, redis.url, url)
            from example_shop.celery import app

            app.conf.update(broker_url=redis.url, task_always_eager=False)
            env = {
                "WORKER_DATABASE_URL": database_url,
                "WORKER_BROKER_URL": redis.url,
                "DILLER_BASE_URL": url,
                "WORKER_CONN_MAX_AGE": os.environ.get("WORKER_CONN_MAX_AGE", "0"),
                "WORKER_DB_REUSE_MAX": os.environ.get("WORKER_DB_REUSE_MAX", "0"),
            }

            def worker_factory(concurrency: int) -> CeleryWorker:
                return CeleryWorker(
                    Path(directory), env, concurrency=concurrency, pool=pool, beat=False
                )

            for concurrency in concurrencies:
                results.append(_one_run(sandbox, worker_factory, rows, concurrency, latency))
        finally:
            redis.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads"])
    args = parser.parse_args()
    results = run(args.rows, args.latency, tuple(args.concurrency), args.database_url, args.pool)
    print(
        f"{args.rows} rows, {args.pool} pool, Diller latency {args.latency * 1000:.0f} ms,"
        f" CONN_MAX_AGE {results[0].conn_max_age:g},"
        f" CELERY_DB_REUSE_MAX {os.environ.get('WORKER_DB_REUSE_MAX', '0')}"
    )
    print(
        "| Concurrency | Sent per second | Ceiling (concurrency / latency) | Of ceiling |", end=""
    )
    print(" Worker RSS | Worker PSS |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.concurrency} | {r.per_second:.0f} | {r.ceiling:.0f} |"
            f" {r.per_second / r.ceiling:.0%} | {r.rss_bytes / 2**20:.0f} MiB |"
            f" {r.pss_bytes / 2**20:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
