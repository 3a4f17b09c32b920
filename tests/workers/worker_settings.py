"""Settings of the Celery worker the worker tests start (``tests/workers/harness.py``).

The example shop's base settings, pointed by environment variables at what the test set up: the
test database, the test's own Redis as broker, and the Diller sandbox served over HTTP. The
outbox retries within a second or two (instead of minutes) and the beat sweeps every second.

    WORKER_DATABASE_URL   postgres://… of the test database (required)
    WORKER_BROKER_URL     redis://127.0.0.1:<port>/0 (required)
    DILLER_BASE_URL       http://127.0.0.1:<port> of the sandbox (required)
    WORKER_SWEEP_SECONDS  how often beat runs ``sweep_outbox`` [1.0]
    WORKER_SWEEP_LIMIT    the most rows one sweep queues [500, the task's default]
    WORKER_READ_TIMEOUT   the Diller client's read timeout, seconds [1.0]
    WORKER_CONN_MAX_AGE   Django's CONN_MAX_AGE for the worker's database connections [600]
    WORKER_DB_REUSE_MAX   Celery's CELERY_DB_REUSE_MAX: tasks a connection serves before Celery
                          closes it (0: closed after every task) [1000]; with the one above,
                          the settings the README recommends for a shop's worker
    WORKER_SWEEP_GRACE    DILLER['OUTBOX_SWEEP_GRACE']: how late a queued task may be before
                          the sweep queues another [15]
"""

import os

from example_shop.settings.base import *  # noqa: F403
from example_shop.settings.base import env, postgres_from_url

DEBUG = False
DATABASES = {
    "default": {
        **postgres_from_url(os.environ["WORKER_DATABASE_URL"]),
        "ATOMIC_REQUESTS": True,  # the shop's, as its web processes have it (diller.W012)
        "CONN_MAX_AGE": float(env("WORKER_CONN_MAX_AGE", "600")),
    }
}

# Tokens per process: the broker's Redis is restarted by the tests, the cache must not go with it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_DB_REUSE_MAX = int(env("WORKER_DB_REUSE_MAX", "1000")) or None
CELERY_BROKER_URL = os.environ["WORKER_BROKER_URL"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "django_diller.tasks.sweep_outbox",
        "schedule": float(env("WORKER_SWEEP_SECONDS", "1.0")),
        "kwargs": {"limit": int(env("WORKER_SWEEP_LIMIT", "500"))},
    },
}

DILLER = {
    "SANDBOX": False,
    "BASE_URL": os.environ["DILLER_BASE_URL"],
    "CLIENT_ID": env("DILLER_CLIENT_ID", "sandbox-client"),
    "CLIENT_SECRET": env("DILLER_CLIENT_SECRET", "sandbox-secret"),
    "STORE_ID": env("DILLER_STORE_ID", "demo-store"),
    "DEPARTMENT_ID": env("DILLER_DEPARTMENT_ID", "dept-webshop"),
    "CONNECT_TIMEOUT": 1.0,
    "READ_TIMEOUT": float(env("WORKER_READ_TIMEOUT", "1.0")),
    "RETRY_TOTAL": 5.0,
    "OUTBOX_BACKOFF": float(env("WORKER_OUTBOX_BACKOFF", "0.2")),
    "OUTBOX_BACKOFF_MAX": float(env("WORKER_OUTBOX_BACKOFF_MAX", "2.0")),
    "OUTBOX_LEASE": float(env("WORKER_OUTBOX_LEASE", "5.0")),
    "OUTBOX_MAX_ATTEMPTS": int(env("WORKER_OUTBOX_MAX_ATTEMPTS", "1000")),
    "OUTBOX_SWEEP_GRACE": float(env("WORKER_SWEEP_GRACE", "15")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simple"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django_diller": {"level": env("WORKER_DILLER_LOG_LEVEL", "WARNING")}},
}

# The harness waits for this file: the worker is consuming (whatever its log level).
_READY_FILE = env("WORKER_READY_FILE")
if _READY_FILE:
    from celery.signals import worker_ready

    @worker_ready.connect(weak=False)
    def _announce_ready(**kwargs) -> None:
        with open(_READY_FILE, "w") as ready:
            ready.write(str(os.getpid()))
