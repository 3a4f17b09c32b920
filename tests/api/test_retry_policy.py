import random

from django_diller.api.retry import RetryPolicy, parse_retry_after


def test_backoff_grows_exponentially_with_full_jitter_and_a_ceiling():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=3.0, rng=random.Random(7))
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # the jitter spreads over the whole range


def test_retry_after_is_honoured():
    policy = RetryPolicy()
    assert policy.delay(1, retry_after=2.5) == 2.5


def test_attempts_and_total_time_are_both_bounded():
    policy = RetryPolicy(max_attempts=3, max_total=5.0)
    assert policy.allows(1, elapsed=0.0, delay=1.0)
    assert policy.allows(2, elapsed=3.0, delay=1.0)
    assert not policy.allows(3, elapsed=0.0, delay=0.0)  # three attempts made
    assert not policy.allows(1, elapsed=4.5, delay=1.0)  # the wait would cross the limit


def test_retry_after_header_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None
