"""A call someone waits for takes at most its deadline, retries and the token fetch included.

Against the sandbox served over HTTP, so that real sockets time out: a Diller that accepts
connections and never answers (the hang fault), or answers too late (latency).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from django_diller.api import (
    AsyncDillerClient,
    DillerClient,
    DillerTimeout,
    DillerUnavailable,
    MemoryTokenStore,
    RetryPolicy,
    Timeouts,
)
from django_diller.api.retry import Deadline, DeadlinePassed
from django_diller.sandbox import SEED_MEMBER_ID, SandboxTransport, running_server

from .conftest import make_config

# A behaviour test, not a benchmark: generous room above the deadline for a busy machine.
MARGIN = 1.5
# Timeouts far longer than any deadline here: what ends a call early is the deadline.
LONG = Timeouts(connect=5.0, read=10.0)


@pytest.fixture
def url(sandbox) -> Iterator[str]:
    with running_server(sandbox) as base_url:
        yield base_url


@pytest.fixture
def http_client(url) -> Iterator[DillerClient]:
    """A client of the served sandbox, its token already fetched."""
    with DillerClient(make_config(url, timeouts=LONG)) as diller:
        diller.get_store()
        yield diller


def timed(call) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        call()
    except Exception as exc:
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def test_a_hanging_diller_costs_the_deadline_not_the_timeouts(http_client, sandbox):
    sandbox.faults.update(hang_rate=1.0)
    shopper = http_client.with_deadline(1.0)
    error, seconds = timed(lambda: shopper.get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerTimeout)
    assert 0.9 <= seconds < 1.0 + MARGIN
    # The request reached Diller and was never answered; no time was left for a retry.
    assert [r.status for r in sandbox.requests_for("getMemberById")] == [0]


def test_an_answer_later_than_the_deadline_is_not_waited_for(http_client, sandbox):
    sandbox.faults.update(latency=1.5)
    error, seconds = timed(lambda: http_client.with_deadline(0.5).get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerTimeout)
    assert seconds < 0.5 + MARGIN
    # Without a deadline (background work) the same call waits for the answer.
    assert http_client.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID


def test_retries_happen_within_the_deadline(http_client, sandbox):
    sandbox.faults.update(error_rate=1.0)
    shopper = http_client.with_deadline(2.0)
    error, seconds = timed(lambda: shopper.get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerUnavailable) and error.status == 503
    assert seconds < 2.0
    assert len(sandbox.requests_for("getMemberById")) == 3  # every attempt the policy allows


def test_a_retry_that_would_end_after_the_deadline_is_not_started(http_client, sandbox):
    sandbox.faults.update(rate_limit_rate=1.0, retry_after=3)
    error, seconds = timed(lambda: http_client.with_deadline(2.0).get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerUnavailable) and error.status == 429
    assert seconds < 1.0  # no waiting for a Retry-After that does not fit
    assert len(sandbox.requests_for("getMemberById")) == 1


def test_a_hanging_token_endpoint_costs_the_deadline(url, sandbox):
    sandbox.faults.update(hang_rate=1.0, only_operations={"token"})
    with DillerClient(make_config(url, timeouts=LONG)) as fresh:
        error, seconds = timed(lambda: fresh.with_deadline(1.0).get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerUnavailable) and not isinstance(error, DillerTimeout)
    assert seconds < 1.0 + MARGIN
    assert sandbox.requests_for("getMemberById") == []  # nothing was sent without a token


def test_the_token_fetch_spends_the_same_deadline_as_the_call(url, sandbox):
    # Each answer alone fits in the deadline; the token's and the call's together do not.
    sandbox.faults.update(latency=1.5, only_operations={"token", "getMemberById"})
    with DillerClient(make_config(url, timeouts=LONG)) as fresh:
        error, seconds = timed(lambda: fresh.with_deadline(2.0).get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerTimeout)
    assert 2.0 - 0.1 <= seconds < 2.0 + 1.0  # not 1.5 + 1.5, nor 1.5 + a full read timeout


def test_waiting_for_another_process_fetching_the_token_stops_at_the_deadline(sandbox):
    store = MemoryTokenStore()
    config = make_config(timeouts=LONG)  # the lock wait follows the timeouts: 20 s here
    with DillerClient(config, token_store=store, transport=SandboxTransport(sandbox)) as client:
        assert store.try_lock(client.tokens.lock_key, ttl=60)  # held by "another process"
        error, seconds = timed(lambda: client.with_deadline(0.5).get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerUnavailable) and not isinstance(error, DillerTimeout)
    assert seconds < 0.5 + MARGIN
    assert sandbox.token_requests == 0


def test_the_async_client_keeps_its_deadline_too(url, sandbox):
    async def call() -> tuple[BaseException | None, float]:
        async with AsyncDillerClient(make_config(url, timeouts=LONG)) as client:
            await client.get_store()
            sandbox.faults.update(hang_rate=1.0)
            started = time.monotonic()
            try:
                await client.with_deadline(1.0).get_member(SEED_MEMBER_ID)
            except Exception as exc:
                return exc, time.monotonic() - started
            return None, time.monotonic() - started

    error, seconds = asyncio.run(call())
    assert isinstance(error, DillerTimeout)
    assert seconds < 1.0 + MARGIN


def test_a_client_without_a_deadline_keeps_its_own_timeouts(url, sandbox):
    config = make_config(url, timeouts=Timeouts(connect=1.0, read=0.5), retry=RetryPolicy(1))
    with DillerClient(config) as client:
        client.get_store()
        sandbox.faults.update(hang_rate=1.0)
        error, seconds = timed(lambda: client.get_member(SEED_MEMBER_ID))
    assert isinstance(error, DillerTimeout)
    assert 0.5 - 0.1 <= seconds < 0.5 + MARGIN


# The deadline itself ---------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_deadline_counts_down_from_when_it_was_made():
    clock = Clock()
    deadline = Deadline(3.0, clock=clock)
    clock.now += 1.0
    assert deadline.remaining() == 2.0
    assert deadline.check() == 2.0
    clock.now += 2.0
    with pytest.raises(DeadlinePassed):
        deadline.check()


def test_a_deadline_cuts_the_retry_budget_and_refuses_a_sleep_past_it(sleeps):
    clock = Clock()
    deadline = Deadline(1.0, clock=clock)
    policy = deadline.bound(RetryPolicy(max_total=20.0))
    assert policy.max_total < 1.0
    assert not policy.allows(1, elapsed=0.5, delay=0.5)  # would end at the deadline
    assert policy.allows(1, elapsed=0.1, delay=0.2)
    deadline.sleep(0.5)
    assert sleeps == [0.5]
    with pytest.raises(DeadlinePassed):
        deadline.sleep(1.0)
