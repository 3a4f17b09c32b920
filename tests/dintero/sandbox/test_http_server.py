"""The sandbox over a real HTTP server: real sockets, real timeouts, real dropped connections,
and the command line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx2
import pytest

from django_diller.dintero.sandbox import SANDBOX_ACCOUNT_ID, SEED_CUSTOMER_ID, DinteroSandbox
from django_diller.dintero.sandbox.__main__ import build, parser
from django_diller.dintero.sandbox.handlers import HANDLERS

from .conftest import AID, RECEIPTS, fetch_token, receipt


def count(sandbox: DinteroSandbox) -> int:
    return len(sandbox.state.accounts[AID].receipts)


def test_url_shape(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server)


def test_flow_over_http(sb, http):
    token = http.post(RECEIPTS, json=[receipt("r-1")], params={"token_expire_days": 3})
    assert token.status_code == 200
    answer = token.json()["receipts"][0]
    value = next(e["value"] for e in answer["extra_info"] if e["key"].endswith("token.value"))
    claimed = http.post(
        f"{RECEIPTS}/receipt-token", params={"token": value}, json={"customer_id": "c-1"}
    )
    assert claimed.json()["customer_id"] == "c-1"
    listed = http.get(f"{RECEIPTS}/customers/c-1").json()["receipts"]
    assert [r["id"] for r in listed] == [answer["id"]]
    seeded = http.get(f"{RECEIPTS}/customers/{SEED_CUSTOMER_ID}", params={"limit": 2}).json()
    assert len(seeded["receipts"]) == 2 and "starting_after" in seeded
    missing = http.put(f"{RECEIPTS}/all/nope", json={"customer_id": "c"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")
    unauthorized = http.get(f"{RECEIPTS}/customers/c-1", headers={"Authorization": "Bearer x"})
    assert unauthorized.status_code == 401


def test_token_endpoint_over_http(server):
    with httpx2.Client(base_url=server, timeout=5.0) as client:
        assert fetch_token(client).count(".") == 2
        bad = client.post(
            f"/v1/accounts/{AID}/auth/token",
            json={"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1"},
            auth=("demo-dintero", "demo-dintero-secret"),
        )
        assert bad.status_code == 400


def test_dropped_connection_is_a_real_protocol_error(sb, http):
    faults = sb.inject(drop_rate=1.0, only_operations={"aid_receipts_post"})
    with faults, pytest.raises(httpx2.RemoteProtocolError):
        http.post(RECEIPTS, json=[receipt("r-1")])
    assert count(sb) == 5  # four seeded, and this one
    assert http.get(f"{RECEIPTS}/search?receipt_id=r-1").status_code == 200  # recovers


def test_timeout_is_a_real_read_timeout(sb, http):
    sb.faults.timeout_seconds = 1.0
    faults = sb.inject(timeout_rate=1.0, only_operations={"aid_receipts_post"})
    with faults, pytest.raises(httpx2.ReadTimeout):
        http.post(RECEIPTS, json=[receipt("r-1")], timeout=0.2)
    assert count(sb) == 5


def test_hang_is_held_until_the_client_gives_up(sb, http):
    started = time.perf_counter()
    with sb.inject(hang_rate=1.0), pytest.raises(httpx2.ReadTimeout):
        http.post(RECEIPTS, json=[receipt("r-1")], timeout=0.2)
    assert time.perf_counter() - started < 5
    assert count(sb) == 4


def test_error_status_and_rate_limit_over_http(sb, http):
    sb.fail_next(1, status=504)
    assert http.get(f"{RECEIPTS}/search?receipt_id=x").status_code == 504
    assert http.get(f"{RECEIPTS}/search?receipt_id=x").status_code == 200
    with sb.inject(rate_limit_rate=1.0, retry_after=3):
        response = http.get(f"{RECEIPTS}/search?receipt_id=x")
        assert response.status_code == 429
        assert response.headers["retry-after"] == "3"


def test_latency_over_http(sb, http):
    sb.faults.latency = 0.1
    started = time.perf_counter()
    http.get(f"{RECEIPTS}/search?receipt_id=x")
    assert time.perf_counter() - started >= 0.1


def test_contract_error_becomes_500(http, monkeypatch):
    monkeypatch.setitem(HANDLERS, "aid_receipts_rid_get", lambda ctx: {"receipts": 1})
    response = http.get(f"{RECEIPTS}/search?receipt_id=x")
    assert response.status_code == 500
    assert "contract" in response.json()["error"]["message"]


def test_concurrent_creates_are_consistent(sb, server, http):
    authorization = http.headers["Authorization"]
    answers: list[dict] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with httpx2.Client(base_url=server, headers={"Authorization": authorization}) as client:
            for i in range(5):
                # Every worker posts the same five receipts, and five of its own.
                shared = client.post(RECEIPTS, json=[receipt(f"shared-{i}")]).json()
                own = client.post(RECEIPTS, json=[receipt(f"own-{n}-{i}")]).json()
                with lock:
                    answers.extend([shared, own])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(sb) == 4 + 5 + 8 * 5
    assert sum(a["duplicates"] for a in answers) == 7 * 5


def test_reset_endpoint(sb, http):
    http.post(RECEIPTS, json=[receipt("r-1")])
    assert http.post("/_sandbox/reset").json() == {"reset": True}
    assert count(sb) == 4
    assert http.get("/_sandbox/other").status_code == 404


def test_command_line_serves_until_interrupted():
    """``python -m django_diller.dintero.sandbox``: the seeded sandbox on the port asked for."""
    process = subprocess.Popen(
        [sys.executable, "-m", "django_diller.dintero.sandbox", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, line
        assert f"/v1/accounts/{SANDBOX_ACCOUNT_ID}/" in line
        with httpx2.Client(base_url=found.group(0), timeout=5.0) as client:
            client.headers["Authorization"] = f"Bearer {fetch_token(client)}"
            body = client.get(f"{RECEIPTS}/customers/{SEED_CUSTOMER_ID}").json()
            assert len(body["receipts"]) == 3
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def test_command_line_options_build_the_sandbox():
    args = parser().parse_args(
        [
            "--no-seed",
            "--duplicate-answer",
            "409",
            "--latency-ms",
            "250",
            "--drop-rate",
            "0.5",
            "--error-status",
            "502",
            "--fail-next",
            "2",
        ]
    )
    sandbox = build(args)
    assert sandbox.state.accounts[AID].receipts == {}
    assert sandbox.duplicate_answer == "409"
    assert sandbox.faults.latency == 0.25 and sandbox.faults.drop_rate == 0.5
    assert sandbox.faults.error_status == 502
    sandbox.faults.update(latency=0.0, drop_rate=0.0)  # fail_next is apart from the rates
    statuses = [sandbox.handle("GET", f"{RECEIPTS}/search").status for _ in range(3)]
    assert statuses[:2] == [502, 502] and statuses[2] == 401
