"""The hang fault: Diller takes the connection and then does nothing, neither the work nor the
answer. In-process and over HTTP the client's own read timeout ends the wait."""

from __future__ import annotations

import time

import httpx2
import pytest

from django_diller.sandbox import SEED_MEMBER_ID, SEED_MEMBER_POINTS, SEED_STORE_ID, Sandbox
from django_diller.sandbox.app import NO_ANSWER, SandboxHung

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"

MARGIN = 1.5  # room for a busy machine


def points(sb: Sandbox) -> int:
    return sb.state.stores[SEED_STORE_ID].members[SEED_MEMBER_ID].points


def test_over_http_the_connection_is_held_until_the_client_gives_up(sb, http):
    sb.faults.update(hang_rate=1.0, only_operations={"createTransaction"})
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        http.post(f"{MEMBER}/transactions", json={"external_id": "o-1", "total": 10}, timeout=0.5)
    assert 0.5 - 0.1 <= time.monotonic() - started < 0.5 + MARGIN
    assert points(sb) == SEED_MEMBER_POINTS  # nothing was done
    ((logged,),) = [sb.requests_for("createTransaction")]
    assert (logged.status, logged.fault) == (NO_ANSWER, "hang")
    sb.faults.update(hang_rate=0.0)
    assert http.get(STORE).status_code == 200  # a new connection is answered


def test_over_http_a_hang_ends_unanswered_after_timeout_seconds(sb, http):
    sb.faults.update(hang_rate=1.0, timeout_seconds=0.3, only_operations={"get"})
    with pytest.raises(httpx2.RemoteProtocolError):  # closed without a word, never answered
        http.get(STORE, timeout=5.0)


def test_in_process_the_transport_waits_out_the_read_timeout(sb, client):
    sb.faults.update(hang_rate=1.0)
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        client.post(f"{MEMBER}/transactions", json={"external_id": "o-1", "total": 10}, timeout=0.3)
    assert 0.3 - 0.05 <= time.monotonic() - started < 0.3 + MARGIN
    assert points(sb) == SEED_MEMBER_POINTS


def test_in_process_latency_past_the_read_timeout_is_a_read_timeout(sb, client):
    sb.faults.update(latency=2.0, only_operations={"createTransaction"})
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        client.post(f"{MEMBER}/transactions", json={"external_id": "o-1", "total": 10}, timeout=0.3)
    assert time.monotonic() - started < 0.3 + MARGIN
    assert points(sb) == SEED_MEMBER_POINTS + 10  # done; only the answer came too late


def test_handle_raises_at_once_and_does_nothing(sb):
    sb.faults.update(hang_rate=1.0, only_operations={"token"})
    with pytest.raises(SandboxHung):
        sb.handle("POST", "/connect/token")
    assert sb.token_requests == 0
    assert [r.status for r in sb.requests_for("token")] == [NO_ANSWER]
