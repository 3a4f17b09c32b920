"""Another process of the shop, for tests/connection/test_breaker.py.

    python -m tests.connection.breaker_process BASE_URL REDIS_URL KEY_PREFIX CALLS

Configures Django with the Redis cache the test uses (its breaker and tokens), makes CALLS
shopper calls to the sandbox at BASE_URL and prints, as JSON, each call's outcome ("ok" or the
error's class name) and what the breaker logged.
"""

from __future__ import annotations

import json
import logging
import sys

DEADLINE = 0.5
FAILURES = 3
COOLDOWN = 60.0


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


def diller_settings(redis_url: str, prefix: str) -> dict:
    return {
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": prefix,
            }
        },
        "DILLER": {
            "REQUEST_DEADLINE": DEADLINE,
            "BREAKER_FAILURES": FAILURES,
            "BREAKER_COOLDOWN": COOLDOWN,
        },
    }


def main(base_url: str, redis_url: str, prefix: str, calls: int) -> dict:
    import django
    from django.conf import settings

    settings.configure(**diller_settings(redis_url, prefix))
    django.setup()

    from django_diller.api import ClientConfig, DillerClient, DillerError, Timeouts
    from django_diller.loyalty.breaker import shared_breaker
    from django_diller.sandbox.seed import (
        SANDBOX_CLIENT_ID,
        SANDBOX_CLIENT_SECRET,
        SEED_MEMBER_ID,
        SEED_STORE_ID,
    )
    from django_diller.token_cache import DjangoCacheTokenStore

    said = Lines()
    logging.getLogger("django_diller.api").addHandler(said)
    logging.getLogger("django_diller.api").setLevel(logging.INFO)
    config = ClientConfig(
        base_url=base_url,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        store_id=SEED_STORE_ID,
        timeouts=Timeouts(connect=5.0, read=10.0),
    )
    outcomes = []
    client = DillerClient(
        config,
        token_store=DjangoCacheTokenStore(),
        breaker=shared_breaker(base_url, SANDBOX_CLIENT_ID),
    )
    with client:
        shopper = client.with_deadline(DEADLINE)
        for _ in range(calls):
            try:
                shopper.get_member(SEED_MEMBER_ID)
            except DillerError as exc:
                outcomes.append(type(exc).__name__)
            else:
                outcomes.append("ok")
    breaker_lines = [line for line in said.lines if "calls while shoppers wait" in line]
    return {"outcomes": outcomes, "breaker_lines": breaker_lines}


if __name__ == "__main__":
    url, redis, key_prefix, count = sys.argv[1:5]
    sys.stdout.write(json.dumps(main(url, redis, key_prefix, int(count))) + "\n")
