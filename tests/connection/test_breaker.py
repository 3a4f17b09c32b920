"""A hanging Diller does not hang the shop: pages wait at most the deadline, and once Diller
has failed enough calls in a row, no process of the shop waits for it (the breaker, shared
through the cache) until it answers again. Background work is not held back."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.signals import request_finished, request_started
from django.test import override_settings
from django.urls import reverse

from django_diller.api import DillerUnavailable
from django_diller.api.breaker import CircuitOpen
from django_diller.loyalty.connection import embedded_sandbox, get_client
from django_diller.loyalty.waiting import background_calls, call_deadline, shopper_waiting
from django_diller.models import MemberLink, Source
from django_diller.sandbox import Sandbox, running_server
from django_diller.sandbox.seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
)
from tests.support import redis_url_or_skip

from . import breaker_process

MARGIN = 1.5  # room above a deadline for a busy machine: a behaviour test, not a benchmark
UNAVAILABLE = "The loyalty club can&#x27;t be reached right now."
REPOSITORY = Path(__file__).resolve().parents[2]


def diller(**values) -> dict:
    return {**settings.DILLER, **values}


def breaker_lines(caplog) -> list[str]:
    return [
        f"{r.levelname} {r.getMessage()}"
        for r in caplog.records
        if "calls while shoppers wait" in r.getMessage()
    ]


# Who waits -----------------------------------------------------------------------------------


def test_calls_are_bounded_unless_nobody_waits_for_them():
    assert call_deadline() == 4.0  # the default: code that does not say stays quick
    with background_calls():
        assert call_deadline() is None
        with shopper_waiting(deadline=1.5):
            assert call_deadline() == 1.5
        assert get_client(SEED_STORE_ID).deadline is None
        assert get_client(SEED_STORE_ID, background=False).deadline == 4.0
    assert get_client(SEED_STORE_ID, background=True).deadline is None
    with override_settings(DILLER=diller(REQUEST_DEADLINE=2.5)):
        assert get_client(SEED_STORE_ID).deadline == 2.5
    assert get_client(SEED_STORE_ID).breaker is not None
    with override_settings(DILLER=diller(BREAKER_FAILURES=0)):
        assert get_client(SEED_STORE_ID).breaker is None  # turned off


@pytest.mark.django_db  # Django closes old database connections as a request starts
def test_inside_a_web_request_someone_waits_even_for_background_work():
    try:
        request_started.send(sender=None, environ={})
        with background_calls():  # an outbox delivery run at once (Celery eager)
            assert call_deadline() == 4.0
    finally:
        request_finished.send(sender=None)
    with background_calls():
        assert call_deadline() is None


def test_a_celery_workers_tasks_are_background_work():
    from django_diller.tasks import sweep_outbox

    task_prerun.send(sender=sweep_outbox, task_id="t-1", task=sweep_outbox, args=(), kwargs={})
    try:
        assert call_deadline() is None
    finally:
        task_postrun.send(sender=sweep_outbox, task_id="t-1", task=sweep_outbox)
    assert call_deadline() == 4.0


@pytest.mark.parametrize(
    "change",
    [
        {"REQUEST_DEADLINE": 0},
        {"REQUEST_DEADLINE": "4"},
        {"BREAKER_COOLDOWN": -1},
        {"BREAKER_FAILURES": -1},
        {"BREAKER_FAILURES": 2.5},
    ],
)
def test_the_checks_refuse_a_deadline_or_breaker_setting_that_cannot_work(change):
    with override_settings(DILLER=diller(**change)):
        assert "diller.E006" in {m.id for m in run_checks()}
    with override_settings(DILLER=diller(BREAKER_FAILURES=0)):  # the breaker off: allowed
        assert "diller.E006" not in {m.id for m in run_checks()}


# Member pages --------------------------------------------------------------------------------


@pytest.fixture
def member(db):
    user = get_user_model().objects.create_user(username="ola", password="pw-ola-123")
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    return user


@pytest.fixture
def shopper(client, member):
    client.force_login(member)
    return client


def my_page(shopper) -> tuple[str, float]:
    started = time.monotonic()
    response = shopper.get(reverse("diller:me"))
    assert response.status_code == 200
    return response.content.decode(), time.monotonic() - started


@override_settings(DILLER=diller(REQUEST_DEADLINE=1.0))
def test_a_member_page_waits_for_a_hanging_diller_at_most_the_deadline(shopper):
    assert UNAVAILABLE not in my_page(shopper)[0]
    embedded_sandbox().faults.update(hang_rate=1.0)
    html, seconds = my_page(shopper)
    assert UNAVAILABLE in html
    assert seconds < 1.0 + MARGIN


@override_settings(DILLER=diller(REQUEST_DEADLINE=3.0, BREAKER_FAILURES=2))
def test_with_the_breaker_open_member_pages_answer_at_once_and_say_so(shopper, caplog):
    caplog.set_level(logging.INFO, logger="django_diller.api")
    sandbox = embedded_sandbox()
    my_page(shopper)  # the store's details are cached now
    sandbox.faults.update(error_rate=1.0)
    assert UNAVAILABLE in my_page(shopper)[0]  # its calls failed: the breaker opens
    sandbox.faults.update(error_rate=0.0, hang_rate=1.0)
    sent = len(sandbox.requests)
    html, seconds = my_page(shopper)
    assert UNAVAILABLE in html
    assert seconds < 1.0  # far less than the deadline: nobody asked Diller
    assert len(sandbox.requests) == sent
    assert [line.split()[0] for line in breaker_lines(caplog)] == ["WARNING"]  # said once


@override_settings(DILLER=diller(BREAKER_FAILURES=2))
def test_background_work_goes_through_an_open_breaker_and_its_answer_closes_it(caplog):
    caplog.set_level(logging.INFO, logger="django_diller.api")
    sandbox = embedded_sandbox()
    with sandbox.inject(error_rate=1.0):
        for _ in range(2):
            with pytest.raises(DillerUnavailable):
                get_client(SEED_STORE_ID).get_member(SEED_MEMBER_ID)
    with pytest.raises(CircuitOpen):
        get_client(SEED_STORE_ID).get_member(SEED_MEMBER_ID)
    with background_calls():
        assert get_client(SEED_STORE_ID).get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert get_client(SEED_STORE_ID).get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert [line.split()[0] for line in breaker_lines(caplog)] == ["WARNING", "INFO"]


# Across processes ----------------------------------------------------------------------------


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the test Redis; its keys are removed afterwards."""
    url = redis_url_or_skip()
    prefix = f"diller-breaker-test-{uuid.uuid4().hex[:12]}"
    yield url, prefix
    connection = redis.Redis.from_url(url)
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)


def other_process(base_url: str, redis_url: str, prefix: str, calls: int) -> dict:
    """Shopper calls made by another process of the shop (see breaker_process)."""
    command = [sys.executable, "-m", "tests.connection.breaker_process"]
    done = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [*command, base_url, redis_url, prefix, str(calls)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.redis
def test_the_breaker_is_shared_between_processes_through_the_cache(redis_prefix, caplog):
    redis_url, prefix = redis_prefix
    caplog.set_level(logging.INFO, logger="django_diller.api")
    sandbox = Sandbox(seed=True)
    sandbox.faults.update(hang_rate=1.0)  # Diller takes connections and never answers
    with running_server(sandbox) as url:
        shared = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
        this_process = override_settings(
            CACHES={**settings.CACHES, "shared": shared},
            DILLER=diller(
                SANDBOX=False,
                BASE_URL=url,
                CLIENT_ID=SANDBOX_CLIENT_ID,
                CLIENT_SECRET=SANDBOX_CLIENT_SECRET,
                STORE_ID=SEED_STORE_ID,
                TOKEN_CACHE="shared",
                REQUEST_DEADLINE=breaker_process.DEADLINE,
                BREAKER_FAILURES=breaker_process.FAILURES,
                BREAKER_COOLDOWN=breaker_process.COOLDOWN,
            ),
        )
        # Another process finds Diller hanging: each call costs it the deadline, until the
        # breaker opens; then its next call is refused at once.
        failures = breaker_process.FAILURES
        seen = other_process(url, redis_url, prefix, failures + 1)
        assert seen["outcomes"] == ["DillerTimeout"] * failures + ["CircuitOpen"]
        assert len(seen["breaker_lines"]) == 1 and seen["breaker_lines"][0].startswith("WARN")
        with this_process:
            # This process has not failed a call itself, and does not wait either.
            shopper = get_client(SEED_STORE_ID)
            sent = len(sandbox.requests)
            started = time.monotonic()
            with pytest.raises(CircuitOpen):
                shopper.get_member(SEED_MEMBER_ID)
            # refused from the shared state, not after a deadline (under one, on a busy machine)
            assert time.monotonic() - started < breaker_process.DEADLINE
            assert len(sandbox.requests) == sent
            # Diller is back: background work finds out, and closes the breaker for all.
            sandbox.faults.update(hang_rate=0.0)
            background = get_client(SEED_STORE_ID, background=True)
            assert background.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
        assert other_process(url, redis_url, prefix, 1)["outcomes"] == ["ok"]
    assert [line.split()[0] for line in breaker_lines(caplog)] == ["INFO"]  # said here, once
