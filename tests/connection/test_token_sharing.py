"""Tokens are shared between processes: 1,000 calls from 4 processes, one token per lifetime."""

import pytest

from tests.connection.token_stampede import run
from tests.support import redis_url_or_skip

pytestmark = pytest.mark.slow


def test_four_processes_share_one_token():
    result = run(processes=4, calls=1000, redis_url=redis_url_or_skip())
    assert result.failures == 0
    assert result.calls == 1000
    assert result.token_fetches == 1


def test_a_short_lived_token_is_fetched_once_per_lifetime():
    result = run(
        processes=4,
        calls=3000,
        token_lifetime=2.0,
        refresh_margin=0.5,
        redis_url=redis_url_or_skip(),
    )
    assert result.failures == 0
    assert 1 <= result.token_fetches <= result.most_fetches_allowed
    if result.seconds > 3:
        assert result.token_fetches >= 2  # it did renew once the token expired
