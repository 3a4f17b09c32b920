"""Local services for tests: skipped on a machine without them, required when CI=true."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def redis_url_or_skip() -> str:
    """The test Redis URL; a missing Redis skips the test, or fails it under CI."""
    if _reachable(REDIS_URL):
        return REDIS_URL
    if IN_CI:
        pytest.fail(f"Redis is required in CI and does not answer at {REDIS_URL}")
    pytest.skip("Redis is not running")
