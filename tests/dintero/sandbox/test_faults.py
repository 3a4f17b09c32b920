"""Fault injection through the in-process transports (sync and async) and ``handle``."""

from __future__ import annotations

import asyncio
import time

import httpx2
import pytest

from django_diller.dintero.sandbox import (
    SANDBOX_PUBLIC_URL,
    AsyncDinteroSandboxTransport,
    SandboxConnectionDropped,
    SandboxHung,
    SandboxTimedOut,
)

from .conftest import AID, RECEIPTS, fetch_token, receipt, token_request


def count(sandbox):
    return len(sandbox.state.accounts[AID].receipts)


def create(client, receipt_id="r-1"):
    return client.post(RECEIPTS, json=[receipt(receipt_id)])


def test_fail_next_answers_the_status_then_works(empty, blank):
    empty.fail_next(2, status=502)
    first, second = create(blank), create(blank)
    assert [first.status_code, second.status_code] == [502, 502]
    assert first.headers["content-type"].startswith("application/json")
    assert first.json()["error"]["message"]
    assert count(empty) == 0  # not processed
    assert create(blank).status_code == 200
    assert count(empty) == 1
    assert [r.fault for r in empty.requests_for("aid_receipts_post")] == ["error", "error", None]


def test_error_status_must_be_a_server_error(empty):
    with pytest.raises(ValueError):
        empty.fail_next(1, status=404)
    with pytest.raises(ValueError):
        empty.faults.error_status = 400


def test_fail_next_is_done_after_its_count(empty, blank):
    empty.fail_next(1)
    assert create(blank, "r-1").status_code == 503
    with empty.inject(latency=0.0):  # changing the fault settings does not bring it back
        assert create(blank, "r-2").status_code == 200
    assert create(blank, "r-3").status_code == 200


def test_fail_next_spares_the_token_endpoint(empty, blank):
    empty.fail_next(1, status=500)
    assert token_request(blank).status_code == 200
    assert create(blank).status_code == 500


def test_error_rate_with_its_own_status(empty, blank):
    with empty.inject(error_rate=1.0, error_status=500):
        assert create(blank).status_code == 500
    assert create(blank).status_code == 200


def test_rate_limit_is_429_with_retry_after(empty, blank):
    with empty.inject(rate_limit_rate=1.0, retry_after=7):
        response = create(blank)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert count(empty) == 0
    assert create(blank).status_code == 200  # restored after the block


def test_timeout_raises_after_processing(empty, blank):
    with empty.inject(timeout_rate=1.0), pytest.raises(httpx2.ReadTimeout):
        create(blank)
    assert count(empty) == 1  # the worst case: it happened
    assert create(blank).json()["duplicates"] == 1  # the retry is recognised


def test_drop_raises_after_processing(empty, blank):
    with empty.inject(drop_rate=1.0), pytest.raises(httpx2.RemoteProtocolError):
        create(blank)
    assert count(empty) == 1


def test_hang_waits_out_the_read_timeout_unprocessed(empty, blank):
    started = time.perf_counter()
    with empty.inject(hang_rate=1.0), pytest.raises(httpx2.ReadTimeout):
        blank.post(RECEIPTS, json=[receipt("r-1")], timeout=0.1)
    assert time.perf_counter() - started >= 0.1
    assert count(empty) == 0
    assert empty.requests[-1].status == 0 and empty.requests[-1].fault == "hang"


def test_latency(empty, blank):
    empty.faults.latency = 0.05
    started = time.perf_counter()
    blank.get(f"{RECEIPTS}/search", params={"receipt_id": "x"})
    assert time.perf_counter() - started >= 0.05


def test_latency_longer_than_the_read_timeout(empty, blank):
    empty.faults.latency = 0.3
    with pytest.raises(httpx2.ReadTimeout):
        blank.post(RECEIPTS, json=[receipt("r-1")], timeout=0.05)
    assert count(empty) == 1


def test_only_operations(empty, blank):
    with empty.inject(error_rate=1.0, only_operations={"aid_receipts_rid_get"}):
        assert blank.get(f"{RECEIPTS}/search?receipt_id=x").status_code == 503
        assert create(blank).status_code == 200


def test_token_endpoint_is_spared_unless_named(empty, blank):
    with empty.inject(error_rate=1.0):
        assert token_request(blank).status_code == 200
    with empty.inject(error_rate=1.0, only_operations={"token"}):
        assert token_request(blank).status_code == 503


def test_seeded_faults_repeat(empty, blank):
    def run() -> list[int]:
        empty.faults.update(error_rate=0.5, seed=42)
        return [create(blank, f"r-{n}").status_code for n in range(12)]

    first = run()
    empty.reset()
    assert run() == first
    assert set(first) == {200, 503}


def test_reset_clears_faults_and_the_log(empty, blank):
    empty.fail_next(5)
    create(blank)
    empty.reset()
    assert empty.requests == []
    assert create(blank).status_code == 200


def test_handle_raises_transport_faults(empty, blank):
    token = fetch_token(blank)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = b'[{"receipt_id": "r-1", "store": {"id": "s"}, "purchase_at": "2025-03-01T10:00:00Z"}]'
    with empty.inject(timeout_rate=1.0), pytest.raises(SandboxTimedOut) as timed_out:
        empty.handle("POST", RECEIPTS, "", headers, body)
    assert timed_out.value.response.status == 200
    with empty.inject(drop_rate=1.0), pytest.raises(SandboxConnectionDropped):
        empty.handle("POST", RECEIPTS, "", headers, body)
    with empty.inject(hang_rate=1.0), pytest.raises(SandboxHung):
        empty.handle("POST", RECEIPTS, "", headers, body)
    assert count(empty) == 1  # processed once, then a duplicate, then not at all


def test_async_transport(empty, blank):
    token = fetch_token(blank)

    async def run() -> tuple[int, int]:
        async with httpx2.AsyncClient(
            transport=AsyncDinteroSandboxTransport(empty),
            base_url=SANDBOX_PUBLIC_URL,
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            ok = await client.post(RECEIPTS, json=[receipt("r-1")])
            with empty.inject(error_rate=1.0):
                failed = await client.post(RECEIPTS, json=[receipt("r-2")])
            with empty.inject(hang_rate=1.0), pytest.raises(httpx2.ReadTimeout):
                await client.post(RECEIPTS, json=[receipt("r-3")], timeout=0.05)
            return ok.status_code, failed.status_code

    assert asyncio.run(run()) == (200, 503)
    assert count(empty) == 1


def test_override_answers_what_the_contract_forbids(empty, blank):
    empty.override_response("aid_receipts_post", 200, raw=b"not json")
    response = create(blank)
    assert response.status_code == 200 and response.content == b"not json"
    assert count(empty) == 0
    assert create(blank).status_code == 200
