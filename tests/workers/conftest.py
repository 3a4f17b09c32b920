"""A real Celery worker delivering the outbox to the Diller sandbox over HTTP (PostgreSQL).

Each test gets its own redis-server (a free port, nothing saved), the sandbox served over HTTP
from the test process, and a Celery worker subprocess (prefork, embedded beat sweeping the
outbox every second) whose settings (``worker_settings.py``) point at the test database, that
Redis and that sandbox. The test process queues its tasks to the same Redis, and its own Diller
client talks to the same sandbox.

Needs PostgreSQL (the worker must see the rows the test commits) and ``redis-server``: skipped
without them, never under CI=true.
"""

from __future__ import annotations

import sys
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from django_diller.loyalty import connection as diller_connection
from django_diller.models import MemberLink, Source
from django_diller.sandbox import Sandbox, running_server
from django_diller.sandbox.seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SEED_DEPARTMENT_ID,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
)
from tests.support import IN_CI
from tests.workers.harness import CeleryWorker, RedisServer
from tests.workers.orders import PaidOrders


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture(autouse=True)
def _needs_postgresql_and_redis_server(django_db_blocker):
    with django_db_blocker.unblock():
        vendor = connection.vendor
    if vendor != "postgresql":
        _unavailable("worker tests run on PostgreSQL (DATABASE_URL=postgres://…)")
    if not RedisServer.available():
        _unavailable("redis-server is not installed")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox():
    return Sandbox(seed=True)


@pytest.fixture
def sandbox_url(sandbox):
    with running_server(sandbox) as url:
        yield url


@pytest.fixture
def diller_over_http(settings, sandbox_url):
    """The test process's own Diller client talks to the HTTP sandbox too."""
    settings.DILLER = {
        "SANDBOX": False,
        "BASE_URL": sandbox_url,
        "CLIENT_ID": SANDBOX_CLIENT_ID,
        "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "STORE_ID": SEED_STORE_ID,
        "DEPARTMENT_ID": SEED_DEPARTMENT_ID,
    }
    diller_connection.reset()
    yield sandbox_url
    diller_connection.reset()


def _forget_broker_connections(app) -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def celery_to_redis(redis_server):
    """Tasks the test process queues go to the test's Redis (not run eagerly)."""
    from example_shop.celery import app

    changed = {"broker_url": redis_server.url, "task_always_eager": False}
    saved = {name: app.conf[name] for name in changed}
    _forget_broker_connections(app)
    app.conf.update(changed)
    yield app
    _forget_broker_connections(app)
    app.conf.update(saved)


def database_url() -> str:
    """The test database pytest-django created, as a URL for the worker."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def worker_env(transactional_db, redis_server, sandbox_url) -> dict[str, str]:
    return {
        "WORKER_DATABASE_URL": database_url(),
        "WORKER_BROKER_URL": redis_server.url,
        "DILLER_BASE_URL": sandbox_url,
    }


@pytest.fixture
def make_worker(request, tmp_path, worker_env, celery_to_redis, diller_over_http):
    """``make_worker(concurrency=4)``: a started worker; stopped (and its log shown on failure)
    at the end of the test, before the database is flushed."""
    workers: list[CeleryWorker] = []

    def make(concurrency: int = 4, **env: str) -> CeleryWorker:
        worker = CeleryWorker(tmp_path, {**worker_env, **env}, concurrency=concurrency)
        workers.append(worker)
        worker.start()
        return worker

    yield make
    for worker in workers:
        worker.kill()  # nothing to hand back: the rows say what was done
    if _failed(request):
        for worker in workers:
            sys.stderr.write(f"\n----- {worker.log} (tail) -----\n{worker.log_tail(120)}\n")


@pytest.fixture
def worker(make_worker) -> CeleryWorker:
    return make_worker()


@pytest.fixture
def shop_member(transactional_db, diller_over_http):
    """The demo shop's catalogue and its customer, linked to the sandbox's demo member."""
    from django.contrib.auth import get_user_model

    call_command("load_demo_shop", stdout=StringIO())
    user = get_user_model().objects.get(email="customer@example.com")
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    return user


@pytest.fixture
def paid_orders(shop_member) -> PaidOrders:
    return PaidOrders(shop_member)
