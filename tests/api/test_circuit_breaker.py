"""The circuit breaker in the client: after failures in a row, calls someone waits for are
refused at once, without a request; one probe after the cool-down; any answer closes it."""

from __future__ import annotations

import logging

import pytest

from django_diller.api import DillerClient, DillerNotFound, DillerUnavailable
from django_diller.api.breaker import (
    BreakerSettings,
    CircuitBreaker,
    CircuitOpen,
    MemoryBreakerStore,
    breaker_key,
)
from django_diller.sandbox import SEED_MEMBER_ID, SandboxTransport

from .conftest import BASE_URL, make_config

FAILURES, COOLDOWN = 3, 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock) -> CircuitBreaker:
    settings = BreakerSettings(failures=FAILURES, cooldown=COOLDOWN, probe_ttl=5.0)
    store = MemoryBreakerStore(clock=clock)
    return CircuitBreaker(store, breaker_key(BASE_URL, "shop"), settings, clock=clock)


@pytest.fixture
def background(sandbox, breaker):
    """A client nobody waits for, reporting to the breaker."""
    client = DillerClient(make_config(), transport=SandboxTransport(sandbox), breaker=breaker)
    with client:
        yield client


@pytest.fixture
def shopper(background) -> DillerClient:
    """The same client for calls someone waits for."""
    return background.with_deadline(2.0)


@pytest.fixture
def logged(caplog) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="django_diller.api")
    return caplog


def breaker_lines(logged: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """What the breaker said: (level, message) of each line."""
    return [
        (record.levelname, record.getMessage())
        for record in logged.records
        if "calls while shoppers wait" in record.getMessage()
    ]


def fail(shopper: DillerClient, times: int) -> None:
    for _ in range(times):
        with pytest.raises(DillerUnavailable):
            shopper.get_member(SEED_MEMBER_ID)


def test_failures_in_a_row_open_it_and_then_nothing_is_sent(shopper, sandbox, breaker, logged):
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES - 1)
        assert breaker.state() == "closed"
        fail(shopper, 1)
    assert breaker.state() == "open"
    sent = len(sandbox.requests)
    with pytest.raises(CircuitOpen) as refused:
        shopper.get_member(SEED_MEMBER_ID)  # Diller is fine again, but nobody asks it yet
    assert len(sandbox.requests) == sent  # refused without a request: nothing to wait for
    assert refused.value.retry_after == COOLDOWN
    assert SEED_MEMBER_ID not in str(refused.value)
    ((level, message),) = breaker_lines(logged)  # said once
    assert level == "WARNING" and f"{FAILURES} calls in a row" in message


def test_an_answer_of_any_kind_resets_the_count(shopper, sandbox, breaker):
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES - 1)
    with pytest.raises(DillerNotFound):  # an answer, if not a happy one
        shopper.get_member("no-such-member")
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES - 1)
    assert breaker.state() == "closed"


def test_after_the_cooldown_one_probe_goes_and_its_answer_closes_it(
    shopper, sandbox, breaker, clock, logged
):
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES)
    clock.now += COOLDOWN - 1
    with pytest.raises(CircuitOpen):
        shopper.get_member(SEED_MEMBER_ID)
    clock.now += 1
    assert breaker.state() == "half-open"
    assert shopper.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert breaker.state() == "closed"
    assert shopper.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert [level for level, _ in breaker_lines(logged)] == ["WARNING", "INFO"]


def test_a_failed_probe_keeps_it_open_another_cooldown_without_saying_so_again(
    shopper, sandbox, breaker, clock, logged
):
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES)
        clock.now += COOLDOWN
        fail(shopper, 1)  # the probe
        sent = len(sandbox.requests)
        with pytest.raises(CircuitOpen):
            shopper.get_member(SEED_MEMBER_ID)
        assert len(sandbox.requests) == sent
    assert breaker.state() == "open"
    clock.now += COOLDOWN
    assert shopper.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert [level for level, _ in breaker_lines(logged)] == ["WARNING", "INFO"]


def test_only_one_probe_at_a_time(shopper, sandbox, breaker, clock):
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES)
    clock.now += COOLDOWN
    assert breaker.admit("getMemberById").probe is True  # a probe on its way, in another thread
    with pytest.raises(CircuitOpen):
        shopper.get_member(SEED_MEMBER_ID)
    clock.now += 5.0  # that probe never reported back: its place is free again
    assert shopper.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert breaker.state() == "closed"


def test_calls_nobody_waits_for_go_through_an_open_breaker_and_close_it(
    shopper, background, sandbox, breaker, logged
):
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES)
        sent = len(sandbox.requests)
        with pytest.raises(DillerUnavailable) as failed:
            background.get_member(SEED_MEMBER_ID)  # tried, with its own retries
        assert not isinstance(failed.value, CircuitOpen)
        assert len(sandbox.requests) > sent
    assert breaker.state() == "open"  # its failures are not counted: nobody waited
    assert background.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert breaker.state() == "closed"
    assert shopper.get_member(SEED_MEMBER_ID).id == SEED_MEMBER_ID
    assert [level for level, _ in breaker_lines(logged)] == ["WARNING", "INFO"]


def test_the_state_is_the_stores_so_clients_sharing_a_store_share_it(sandbox, breaker):
    key = breaker_key(BASE_URL, "shop")
    other = CircuitBreaker(breaker.store, key, breaker.settings, clock=breaker.clock)
    transport = SandboxTransport(sandbox)
    with DillerClient(make_config(), transport=transport, breaker=breaker) as first:
        with sandbox.inject(error_rate=1.0):
            fail(first.with_deadline(2.0), FAILURES)
    with DillerClient(make_config(), transport=transport, breaker=other) as second:
        with pytest.raises(CircuitOpen):
            second.with_deadline(2.0).get_member(SEED_MEMBER_ID)


class CountingStore(MemoryBreakerStore):
    """The breaker's shared store, counting reads (each a round trip with Redis)."""

    def __init__(self, clock) -> None:
        super().__init__(clock=clock)
        self.reads = 0

    def get(self, key):
        self.reads += 1
        return super().get(key)

    def get_many(self, keys):
        self.reads += 1
        return super().get_many(keys)


def test_a_call_to_a_healthy_diller_reads_the_breaker_once(sandbox, clock):
    store = CountingStore(clock)
    breaker = CircuitBreaker(store, breaker_key(BASE_URL, "shop"), clock=clock)
    with DillerClient(make_config(), transport=SandboxTransport(sandbox), breaker=breaker) as c:
        shopper = c.with_deadline(2.0)
        for _ in range(5):
            shopper.get_segments()
    assert store.reads == 5


def test_a_success_resets_the_failures_counted_before_it_went(shopper, sandbox, breaker):
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES - 1)
    shopper.get_segments()  # failures were held when it went: its success resets them
    with sandbox.inject(error_rate=1.0):
        fail(shopper, FAILURES - 1)
        assert breaker.state() == "closed"
        fail(shopper, 1)
    assert breaker.state() == "open"


def test_a_breaker_opened_during_a_clear_call_is_closed_by_the_next_call_that_looks(
    shopper, background, sandbox, breaker, clock, monkeypatch
):
    """The success of a call that found nothing held reads nothing more: it does not close a
    breaker other processes opened while it ran. A call nobody waits for does."""
    real_attempts = type(shopper)._attempts

    def opened_meanwhile(self, *args, **kwargs):
        breaker.store.set(breaker.open_key, clock() + COOLDOWN)  # another process opens it
        return real_attempts(self, *args, **kwargs)

    monkeypatch.setattr(type(shopper), "_attempts", opened_meanwhile)
    shopper.get_segments()
    assert breaker.state() == "open"
    monkeypatch.setattr(type(shopper), "_attempts", real_attempts)
    background.get_segments()
    assert breaker.state() == "closed"
