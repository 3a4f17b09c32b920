"""Fixtures for the sandbox tests: a sandbox on a fake clock, and an authenticated client.

No Django, no database: these run with ``-p no:django`` or under pytest-django alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx2
import pytest

from django_diller.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
    Sandbox,
    SandboxTransport,
    running_server,
)

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock: ``sb.clock = FakeClock(...)``, then ``clock.advance(minutes=6)``."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def fetch_token(client: httpx2.Client) -> str:
    response = client.post(
        "/connect/token",
        data={"grant_type": "client_credentials", "scope": "api.retailer"},
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Sandbox:
    return Sandbox(clock=clock)


@pytest.fixture
def anon(sb: Sandbox) -> Iterator[httpx2.Client]:
    """A client without a token."""
    with httpx2.Client(transport=SandboxTransport(sb), base_url=SANDBOX_PUBLIC_URL) as client:
        yield client


@pytest.fixture
def client(sb: Sandbox, anon: httpx2.Client) -> Iterator[httpx2.Client]:
    """A client holding a valid bearer token."""
    token = fetch_token(anon)
    with httpx2.Client(
        transport=SandboxTransport(sb),
        base_url=SANDBOX_PUBLIC_URL,
        headers={"Authorization": f"Bearer {token}"},
    ) as authed:
        yield authed


@pytest.fixture
def register(client: httpx2.Client):
    """``register("98765432", email=...)``: a new member with GDPR consent unless told otherwise."""

    def _register(number: str, **fields: object) -> dict:
        body = {
            "phone": {"country_code": "+47", "number": number},
            "consent": {"gdpr_accepted": True},
            **fields,
        }
        response = client.post(f"{STORE}/members", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return _register


@pytest.fixture
def token_for():
    """``token_for(client)``: fetch a token through any client (in-process or over HTTP)."""
    return fetch_token


@pytest.fixture
def server(sb: Sandbox) -> Iterator[str]:
    """The sandbox on a real HTTP server (a thread on a free local port); its base URL."""
    with running_server(sb) as url:
        yield url


@pytest.fixture
def http(server: str, token_for) -> Iterator[httpx2.Client]:
    """A client holding a valid bearer token, over real sockets to :func:`server`."""
    with httpx2.Client(base_url=server, timeout=5.0) as client:
        client.headers["Authorization"] = f"Bearer {token_for(client)}"
        yield client
