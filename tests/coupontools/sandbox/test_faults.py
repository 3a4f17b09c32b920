"""Fault injection through the in-process transports (sync and async) and ``handle``: errors
and rate limits as a proxy's HTML page, answers lost after processing, hangs, latency."""

from __future__ import annotations

import asyncio
import time

import httpx2
import pytest

from django_diller.coupontools.sandbox import (
    SANDBOX_PUBLIC_URL,
    SEED_VOUCHER_AMOUNT,
    AsyncCoupontoolsSandboxTransport,
    SandboxConnectionDropped,
    SandboxHung,
    SandboxTimedOut,
)

from .conftest import DATA, SHOP, UPDATE, look_up, ok, update


def lock(client):
    return client.post(UPDATE, data={"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"})


def locked(sb) -> bool:
    return sb.session(SEED_VOUCHER_AMOUNT).locked is not None


def test_fail_next_answers_an_html_page_then_works(sb, shop):
    sb.fail_next(2, status=502)
    first, second = lock(shop), lock(shop)
    assert [first.status_code, second.status_code] == [502, 502]
    assert first.headers["content-type"].startswith("text/html")
    assert not locked(sb)  # not processed
    assert ok(lock(shop).json())
    assert locked(sb)
    assert [r.fault for r in sb.requests_for("couponsession_update")] == ["error", "error", None]


def test_error_status_must_be_a_server_error(sb):
    with pytest.raises(ValueError):
        sb.fail_next(1, status=404)
    with pytest.raises(ValueError):
        sb.faults.error_status = 400


def test_error_rate_with_its_own_status(sb, shop):
    with sb.inject(error_rate=1.0, error_status=500):
        assert lock(shop).status_code == 500
    assert not locked(sb)
    assert ok(lock(shop).json())


def test_rate_limit_is_429_with_retry_after(sb, shop):
    with sb.inject(rate_limit_rate=1.0, retry_after=7):
        response = lock(shop)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert not locked(sb)


def test_timeout_raises_after_processing(sb, shop):
    with sb.inject(timeout_rate=1.0), pytest.raises(httpx2.ReadTimeout):
        lock(shop)
    assert locked(sb)  # the worst case: it happened
    assert lock(shop).json()["status"]["error_code"] == 517  # and a retry is refused


def test_drop_raises_after_processing(sb, shop):
    body = {"couponsession": SEED_VOUCHER_AMOUNT, "action": "validate", "money_spent": "5.000"}
    with sb.inject(drop_rate=1.0), pytest.raises(httpx2.RemoteProtocolError):
        shop.post(UPDATE, data=body)
    assert sb.session(SEED_VOUCHER_AMOUNT).validated is not None


def test_hang_waits_out_the_read_timeout_unprocessed(sb, shop):
    started = time.perf_counter()
    with sb.inject(hang_rate=1.0), pytest.raises(httpx2.ReadTimeout):
        shop.post(
            UPDATE, data={"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"}, timeout=0.1
        )
    assert time.perf_counter() - started >= 0.1
    assert not locked(sb)
    assert sb.requests[-1].status == 0 and sb.requests[-1].fault == "hang"


def test_latency(sb, shop):
    sb.faults.latency = 0.05
    started = time.perf_counter()
    look_up(shop, SEED_VOUCHER_AMOUNT)
    assert time.perf_counter() - started >= 0.05


def test_latency_longer_than_the_read_timeout(sb, shop):
    sb.faults.latency = 0.3
    with pytest.raises(httpx2.ReadTimeout):
        shop.post(
            UPDATE, data={"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"}, timeout=0.05
        )
    assert locked(sb)


def test_only_operations(sb, shop):
    with sb.inject(error_rate=1.0, only_operations={"couponsession_update"}):
        assert ok(look_up(shop, SEED_VOUCHER_AMOUNT))
        assert lock(shop).status_code == 503


def test_seeded_faults_repeat(sb, shop):
    def run() -> list[int]:
        sb.faults.update(error_rate=0.5, seed=42)
        return [shop.post(DATA, data={"couponsession": "x1"}).status_code for _ in range(12)]

    first = run()
    sb.reset()
    assert run() == first
    assert set(first) == {200, 503}


def test_max_faults_fails_twice_then_works(sb, shop):
    sb.faults.update(error_rate=1.0, max_faults=2)
    assert [lock(shop).status_code for _ in range(3)] == [503, 503, 200]


def test_reset_clears_faults_and_the_log(sb, shop):
    sb.fail_next(5)
    sb.faults.latency = 1.0
    lock(shop)
    sb.reset()
    assert sb.requests == []
    assert sb.faults.latency == 0.0
    assert ok(lock(shop).json())


def test_handle_raises_transport_faults(sb):
    headers = {**SHOP, "Content-Type": "application/x-www-form-urlencoded"}
    body = f"couponsession={SEED_VOUCHER_AMOUNT}&action=lock".encode()
    with sb.inject(timeout_rate=1.0), pytest.raises(SandboxTimedOut) as timed_out:
        sb.handle("POST", UPDATE, "", headers, body)
    assert timed_out.value.response.json()["status"] == {"status": "OK"}
    with sb.inject(drop_rate=1.0), pytest.raises(SandboxConnectionDropped) as dropped:
        sb.handle("POST", UPDATE, "", headers, body)
    assert dropped.value.response.json()["status"]["error_code"] == 517
    with sb.inject(hang_rate=1.0), pytest.raises(SandboxHung):
        sb.handle("POST", UPDATE, "", headers, body.replace(b"=lock", b"=unlock"))
    assert locked(sb)  # locked once, refused once, and the unlock never processed


def test_async_transport(sb):
    async def run() -> tuple[dict, int]:
        async with httpx2.AsyncClient(
            transport=AsyncCoupontoolsSandboxTransport(sb),
            base_url=SANDBOX_PUBLIC_URL,
            headers=SHOP,
        ) as client:
            body = {"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"}
            done = (await client.post(UPDATE, data=body)).json()
            with sb.inject(error_rate=1.0):
                failed = await client.post(UPDATE, data={**body, "action": "unlock"})
            with sb.inject(hang_rate=1.0), pytest.raises(httpx2.ReadTimeout):
                await client.post(UPDATE, data={**body, "action": "unlock"}, timeout=0.05)
            return done, failed.status_code

    done, failed = asyncio.run(run())
    assert ok(done) and failed == 503
    assert locked(sb)


def test_override_answers_what_the_contract_forbids(sb, shop):
    sb.override_response("couponsession_update", 200, raw=b"not json")
    response = lock(shop)
    assert response.status_code == 200 and response.content == b"not json"
    assert not locked(sb)
    sb.override_response("couponsession_data", 200, {"status": "OK"}, times=2)
    assert shop.post(DATA, data={"couponsession": "x1"}).json() == {"status": "OK"}
    assert shop.post(DATA, data={"couponsession": "x1"}).json() == {"status": "OK"}
    assert update(shop, SEED_VOUCHER_AMOUNT, "lock") == {
        "status": {"status": "OK"},
        "action": "lock",
        "session": SEED_VOUCHER_AMOUNT,
    }
