"""Fault injection through the in-process transports (sync and async) and ``Sandbox.handle``."""

from __future__ import annotations

import asyncio
import base64
import time

import httpx2
import pytest

from django_diller.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    SEED_MEMBER_ID,
    SEED_MEMBER_POINTS,
    SEED_STORE_ID,
    AsyncSandboxTransport,
    Faults,
    SandboxConnectionDropped,
    SandboxTimedOut,
)

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"


def points(sb):
    return sb.state.stores[SEED_STORE_ID].members[SEED_MEMBER_ID].points


def buy(client, external_id="order-1", total=100):
    return client.post(f"{MEMBER}/transactions", json={"external_id": external_id, "total": total})


def test_error_is_503_problem_without_processing(sb, client):
    with sb.inject(error_rate=1.0):
        response = buy(client)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 503
    assert points(sb) == SEED_MEMBER_POINTS
    assert sb.requests_for("createTransaction")[0].fault == "error"
    assert buy(client).json()["is_ok"] is True  # restored after the block


def test_rate_limit_is_429_with_retry_after(sb, client):
    with sb.inject(rate_limit_rate=1.0, retry_after=7):
        response = buy(client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert points(sb) == SEED_MEMBER_POINTS


def test_timeout_raises_after_processing(sb, client):
    with sb.inject(timeout_rate=1.0), pytest.raises(httpx2.ReadTimeout):
        buy(client)
    assert points(sb) == SEED_MEMBER_POINTS + 100  # the worst case: it happened
    # The retry is recognised as a duplicate.
    assert buy(client).json()["is_ok"] is False


def test_drop_raises_after_processing(sb, client):
    with sb.inject(drop_rate=1.0), pytest.raises(httpx2.RemoteProtocolError):
        buy(client)
    assert points(sb) == SEED_MEMBER_POINTS + 100


def test_latency(sb, client):
    sb.faults.latency = 0.05
    started = time.perf_counter()
    client.get(STORE)
    assert time.perf_counter() - started >= 0.05


def test_only_operations(sb, client):
    with sb.inject(error_rate=1.0, only_operations={"getAll"}):
        assert client.get("/api/v2.0/stores").status_code == 503
        assert client.get(STORE).status_code == 200


def test_token_endpoint_is_spared_unless_named(sb, anon, token_for):
    with sb.inject(error_rate=1.0):
        assert token_for(anon)
    with sb.inject(error_rate=1.0, only_operations={"token"}):
        response = anon.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        )
        assert response.status_code == 503


def test_seeded_faults_are_repeatable(sb, client):
    def run():
        with sb.inject(error_rate=0.5, seed=42):
            return [client.get(STORE).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert {200, 503} == set(first)


def test_rates_mix(sb, client):
    with sb.inject(error_rate=0.25, rate_limit_rate=0.25, seed=3):
        codes = {client.get(STORE).status_code for _ in range(60)}
    assert codes == {200, 429, 503}


def test_inject_rejects_unknown_settings(sb):
    with pytest.raises(TypeError), sb.inject(error_rat=1.0):
        pass


def test_faults_defaults():
    faults = Faults()
    assert (faults.latency, faults.error_rate, faults.timeout_seconds) == (0.0, 0.0, 30.0)
    assert faults.draw("getAll") is None


def test_handle_raises_for_lost_answers(sb):
    basic = base64.b64encode(f"{SANDBOX_CLIENT_ID}:{SANDBOX_CLIENT_SECRET}".encode()).decode()
    token = sb.handle(
        "POST",
        "/connect/token",
        "",
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        b"grant_type=client_credentials&scope=api.retailer",
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with sb.inject(timeout_rate=1.0), pytest.raises(SandboxTimedOut) as timed_out:
        sb.handle("GET", STORE, "", headers, b"")
    assert timed_out.value.response.status == 200
    with sb.inject(drop_rate=1.0), pytest.raises(SandboxConnectionDropped):
        sb.handle("GET", STORE, "", headers, b"")


def test_async_transport(sb, client):
    token = client.headers["Authorization"]

    async def scenario():
        async with httpx2.AsyncClient(
            transport=AsyncSandboxTransport(sb),
            base_url=SANDBOX_PUBLIC_URL,
            headers={"Authorization": token},
        ) as http:
            ok = await http.get(MEMBER)
            assert ok.json()["id"] == SEED_MEMBER_ID
            sb.faults.latency = 0.05
            started = time.perf_counter()
            await http.get(STORE)
            assert time.perf_counter() - started >= 0.05
            sb.faults.latency = 0
            with sb.inject(drop_rate=1.0), pytest.raises(httpx2.RemoteProtocolError):
                await http.post(f"{MEMBER}/transactions", json={"external_id": "a-1", "total": 10})
            with sb.inject(timeout_rate=1.0), pytest.raises(httpx2.ReadTimeout):
                await http.get(STORE)
            with sb.inject(error_rate=1.0):
                assert (await http.get(STORE)).status_code == 503

    asyncio.run(scenario())
    assert points(sb) == SEED_MEMBER_POINTS + 10
