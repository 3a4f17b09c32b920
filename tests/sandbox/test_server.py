"""The sandbox over a real HTTP server: real sockets, real timeouts, real dropped connections."""

from __future__ import annotations

import threading
import time

import httpx2
import pytest

from django_diller.sandbox import (
    SEED_MEMBER_ID,
    SEED_MEMBER_POINTS,
    SEED_STORE_ID,
    Sandbox,
)
from django_diller.sandbox.handlers import HANDLERS

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"


def points(sb: Sandbox) -> int:
    return sb.state.stores[SEED_STORE_ID].members[SEED_MEMBER_ID].points


def test_url_shape(server):
    assert server.startswith("http://127.0.0.1:")


def test_flow_over_http(sb, http):
    found = http.get(f"{STORE}/members/search", params={"phone": "+47 912 34 567"}).json()
    assert [m["id"] for m in found] == [SEED_MEMBER_ID]
    result = http.post(f"{MEMBER}/transactions", json={"external_id": "o-1", "total": 99.9})
    assert result.json()["is_ok"] is True
    assert points(sb) == SEED_MEMBER_POINTS + 99
    problem = http.get(f"{STORE}/members/ghost")
    assert problem.status_code == 404
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert http.get("/api/v2.0/stores", headers={"Authorization": "Bearer x"}).status_code == 401


def test_dropped_connection_is_a_real_protocol_error(sb, http):
    faults = sb.inject(drop_rate=1.0, only_operations={"createTransaction"})
    with faults, pytest.raises(httpx2.RemoteProtocolError):
        http.post(f"{MEMBER}/transactions", json={"external_id": "o-1", "total": 10})
    assert points(sb) == SEED_MEMBER_POINTS + 10
    assert http.get(STORE).status_code == 200  # the client recovers on a new connection


def test_timeout_is_a_real_read_timeout(sb, http):
    sb.faults.timeout_seconds = 1.0
    faults = sb.inject(timeout_rate=1.0, only_operations={"createTransaction"})
    with faults, pytest.raises(httpx2.ReadTimeout):
        http.post(f"{MEMBER}/transactions", json={"external_id": "o-1", "total": 10}, timeout=0.2)
    assert points(sb) == SEED_MEMBER_POINTS + 10


def test_error_and_rate_limit_over_http(sb, http):
    with sb.inject(error_rate=1.0):
        assert http.get(STORE).status_code == 503
    with sb.inject(rate_limit_rate=1.0, retry_after=3):
        response = http.get(STORE)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "3"


def test_latency_over_http(sb, http):
    sb.faults.latency = 0.1
    started = time.perf_counter()
    http.get(STORE)
    assert time.perf_counter() - started >= 0.1


def test_contract_error_becomes_500(http, monkeypatch):
    monkeypatch.setitem(HANDLERS, "get", lambda ctx: {"store_name": 1})
    response = http.get(STORE)
    assert response.status_code == 500
    assert "contract" in response.json()["detail"]


def test_concurrent_transactions_are_consistent(sb, server, http):
    token = http.headers["Authorization"]

    def worker(n: int) -> None:
        with httpx2.Client(base_url=server, headers={"Authorization": token}) as client:
            for i in range(5):
                body = {"external_id": f"t{n}-{i}", "total": 10}
                assert client.post(f"{MEMBER}/transactions", json=body).json()["is_ok"]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert points(sb) == SEED_MEMBER_POINTS + 8 * 5 * 10
    assert len(sb.state.stores[SEED_STORE_ID].transactions) == 40


def test_messages_endpoint(sb, http):
    http.post(f"{MEMBER}/login-otp")
    messages = http.get("/_sandbox/messages").json()
    assert messages[-1]["kind"] == "login_otp"
    assert messages[-1]["code"] == sb.last_otp(SEED_MEMBER_ID)
    assert http.get("/_sandbox/messages", params={"to": "+4700000000"}).json() == []
    assert http.post("/_sandbox/reset").json()["is_ok"] is True
    assert sb.messages == []
