"""Fixtures for the Coupontools sandbox tests: a sandbox on a clock the test sets, and clients
holding the web shop's and the till's credentials.

No Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from django_diller.coupontools.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    SANDBOX_TILL_CLIENT_ID,
    SANDBOX_TILL_CLIENT_SECRET,
    CoupontoolsSandbox,
    CoupontoolsSandboxTransport,
    SandboxClock,
    running_server,
)

DATA = "/v3/couponsession/data"
UPDATE = "/v3/couponsession/update"
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SHOP = {"X-Client-Id": SANDBOX_CLIENT_ID, "X-Client-Secret": SANDBOX_CLIENT_SECRET}
TILL = {"X-Client-Id": SANDBOX_TILL_CLIENT_ID, "X-Client-Secret": SANDBOX_TILL_CLIENT_SECRET}


def look_up(client: httpx2.Client, session: str, **kwargs: Any) -> dict[str, Any]:
    """The look-up's answer for ``session`` (sent as form fields)."""
    response = client.post(DATA, data={"couponsession": session}, **kwargs)
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def update(client: httpx2.Client, session: str, action: str, **fields: str) -> dict[str, Any]:
    """The update's answer for ``action`` on ``session`` (sent as form fields)."""
    response = client.post(UPDATE, data={"couponsession": session, "action": action, **fields})
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def ok(answer: dict[str, Any]) -> bool:
    return answer["status"]["status"] == "OK"


def error_code(answer: dict[str, Any]) -> int:
    status = answer["status"]
    assert status["status"] != "OK", answer
    assert status["message"]
    return int(status["error_code"])


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START)


@pytest.fixture
def sb(clock: SandboxClock) -> CoupontoolsSandbox:
    return CoupontoolsSandbox(clock=clock)


@pytest.fixture
def empty(clock: SandboxClock) -> CoupontoolsSandbox:
    """A sandbox with the demo company, its clients and campaigns, but no sessions."""
    return CoupontoolsSandbox(seed=False, clock=clock)


def make_client(sandbox: CoupontoolsSandbox, headers: dict[str, str] | None) -> httpx2.Client:
    return httpx2.Client(
        transport=CoupontoolsSandboxTransport(sandbox),
        base_url=SANDBOX_PUBLIC_URL,
        headers=headers or {},
    )


@pytest.fixture
def shop(sb: CoupontoolsSandbox) -> Iterator[httpx2.Client]:
    """The web shop's API client."""
    with make_client(sb, SHOP) as client:
        yield client


@pytest.fixture
def till(sb: CoupontoolsSandbox) -> Iterator[httpx2.Client]:
    """The till's API client: another client of the same company."""
    with make_client(sb, TILL) as client:
        yield client


@pytest.fixture
def anon(sb: CoupontoolsSandbox) -> Iterator[httpx2.Client]:
    """A client without credentials."""
    with make_client(sb, None) as client:
        yield client


@pytest.fixture
def server(sb: CoupontoolsSandbox) -> Iterator[str]:
    """The sandbox on a real HTTP server (a thread on a free local port); its base URL."""
    with running_server(sb) as url:
        yield url


@pytest.fixture
def http(server: str) -> Iterator[httpx2.Client]:
    """The web shop's client over real sockets to :func:`server`."""
    with httpx2.Client(base_url=server, headers=SHOP, timeout=5.0) as client:
        yield client
