"""Fixtures for the Dintero sandbox tests: a sandbox on a fake clock, and authenticated clients.

No Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from django_diller.dintero.sandbox import (
    SANDBOX_ACCOUNT_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    DinteroSandbox,
    DinteroSandboxTransport,
    audience_for,
    running_server,
)

AID = SANDBOX_ACCOUNT_ID
ACCOUNT = f"/v1/accounts/{AID}"
RECEIPTS = f"{ACCOUNT}/receipts"
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock: ``sb.clock = FakeClock(...)``, then ``clock.advance(minutes=6)``."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def token_request(
    client: httpx2.Client,
    aid: str = AID,
    *,
    auth: tuple[str, str] | None = (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
    body: Any = None,
) -> httpx2.Response:
    payload = (
        body
        if body is not None
        else {"grant_type": "client_credentials", "audience": audience_for(aid)}
    )
    return client.post(f"/v1/accounts/{aid}/auth/token", json=payload, auth=auth)


def fetch_token(client: httpx2.Client, aid: str = AID, **kwargs: Any) -> str:
    response = token_request(client, aid, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def receipt(receipt_id: str, **fields: Any) -> dict[str, Any]:
    """A receipt as a shop posts one (purchased at START unless told)."""
    body: dict[str, Any] = {
        "receipt_id": receipt_id,
        "store": {"id": "store-1", "name": "Test store"},
        "purchase_at": "2025-03-01T11:00:00Z",
        "currency": "NOK",
        "gross_amount": 10000,
        "net_amount": 10000,
        "items": [{"id": "sku-1", "line_id": 1, "quantity": 1, "gross_amount": 10000}],
    }
    body.update(fields)
    return body


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> DinteroSandbox:
    return DinteroSandbox(clock=clock)


@pytest.fixture
def empty(clock: FakeClock) -> DinteroSandbox:
    """A sandbox with the demo account but no receipts."""
    return DinteroSandbox(seed=False, clock=clock)


def _client(sandbox: DinteroSandbox, token: str | None = None) -> httpx2.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.Client(
        transport=DinteroSandboxTransport(sandbox), base_url=SANDBOX_PUBLIC_URL, headers=headers
    )


@pytest.fixture
def anon(sb: DinteroSandbox) -> Iterator[httpx2.Client]:
    """A client without a token."""
    with _client(sb) as client:
        yield client


@pytest.fixture
def client(sb: DinteroSandbox, anon: httpx2.Client) -> Iterator[httpx2.Client]:
    """A client holding a valid bearer token for the demo account."""
    with _client(sb, fetch_token(anon)) as authed:
        yield authed


@pytest.fixture
def blank(empty: DinteroSandbox) -> Iterator[httpx2.Client]:
    """A client holding a valid bearer token, on the sandbox without receipts."""
    with _client(empty) as anon_client, _client(empty, fetch_token(anon_client)) as authed:
        yield authed


@pytest.fixture
def server(sb: DinteroSandbox) -> Iterator[str]:
    """The sandbox on a real HTTP server (a thread on a free local port); its base URL."""
    with running_server(sb) as url:
        yield url


@pytest.fixture
def http(server: str) -> Iterator[httpx2.Client]:
    """A client holding a valid bearer token, over real sockets to :func:`server`."""
    with httpx2.Client(base_url=server, timeout=5.0) as client:
        client.headers["Authorization"] = f"Bearer {fetch_token(client)}"
        yield client
