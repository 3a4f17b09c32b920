"""The sandbox over a real HTTP server: real sockets, real timeouts, real dropped connections,
the vouchers page, and the command line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx2
import pytest

from django_diller.coupontools.sandbox import (
    DEFAULT_PORT,
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHERS,
)
from django_diller.coupontools.sandbox.__main__ import build, parser
from django_diller.coupontools.sandbox.handlers import HANDLERS

from .conftest import DATA, SHOP, UPDATE, error_code, look_up, ok, update


def test_url_shape(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server)
    assert DEFAULT_PORT == 8767


def test_flow_over_http(sb, http):
    assert ok(look_up(http, SEED_VOUCHER_AMOUNT))
    assert ok(update(http, SEED_VOUCHER_AMOUNT, "lock"))
    assert ok(update(http, SEED_VOUCHER_AMOUNT, "validate", money_spent="250.000"))
    answer = update(http, SEED_VOUCHER_AMOUNT, "validate", money_spent="250.000")
    assert error_code(answer) == 514
    json_answer = http.post(DATA, json={"couponsession": SEED_VOUCHER_AMOUNT}).json()
    assert json_answer["data"]["status"]["validation_value"] == "250.000"
    with httpx2.Client(base_url=str(http.base_url), timeout=5.0) as anon:
        assert error_code(look_up(anon, SEED_VOUCHER_AMOUNT)) == 1000


def test_dropped_connection_is_a_real_protocol_error(sb, http):
    faults = sb.inject(drop_rate=1.0, only_operations={"couponsession_update"})
    with faults, pytest.raises(httpx2.RemoteProtocolError):
        update(http, SEED_VOUCHER_AMOUNT, "lock")
    assert sb.session(SEED_VOUCHER_AMOUNT).locked is not None
    assert ok(look_up(http, SEED_VOUCHER_AMOUNT))  # recovers


def test_timeout_is_a_real_read_timeout(sb, http):
    sb.faults.timeout_seconds = 1.0
    faults = sb.inject(timeout_rate=1.0, only_operations={"couponsession_update"})
    with faults, pytest.raises(httpx2.ReadTimeout):
        http.post(
            UPDATE, data={"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"}, timeout=0.2
        )
    assert sb.session(SEED_VOUCHER_AMOUNT).locked is not None


def test_hang_is_held_until_the_client_gives_up(sb, http):
    started = time.perf_counter()
    with sb.inject(hang_rate=1.0), pytest.raises(httpx2.ReadTimeout):
        http.post(
            UPDATE, data={"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"}, timeout=0.2
        )
    assert time.perf_counter() - started < 5
    assert sb.session(SEED_VOUCHER_AMOUNT).locked is None


def test_error_status_and_rate_limit_over_http(sb, http):
    sb.fail_next(1, status=504)
    failed = http.post(DATA, data={"couponsession": "x1"})
    assert failed.status_code == 504 and failed.headers["content-type"].startswith("text/html")
    assert http.post(DATA, data={"couponsession": "x1"}).status_code == 200
    with sb.inject(rate_limit_rate=1.0, retry_after=3):
        limited = http.post(DATA, data={"couponsession": "x1"})
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "3"


def test_latency_over_http(sb, http):
    sb.faults.latency = 0.1
    started = time.perf_counter()
    look_up(http, SEED_VOUCHER_AMOUNT)
    assert time.perf_counter() - started >= 0.1


def test_contract_error_becomes_500(sb, server, monkeypatch):
    monkeypatch.setitem(HANDLERS, "couponsession_data", lambda ctx: {"status": {"status": "OK"}})
    with httpx2.Client(base_url=server, headers=SHOP, timeout=5.0) as client:
        response = client.post(DATA, data={"couponsession": SEED_VOUCHER_AMOUNT})
    assert response.status_code == 500
    assert "contract" in response.json()["status"]["message"]
    assert response.json()["status"]["status"] == "ERROR"


def test_vouchers_page(sb, http):
    update(http, SEED_VOUCHER_AMOUNT, "validate", money_spent="99.000")
    page = http.get("/_sandbox/vouchers")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    for voucher in SEED_VOUCHERS:
        assert voucher.session in text
        assert voucher.url in text
    row = re.search(rf"<tr><td><code>{SEED_VOUCHER_AMOUNT}</code>.*?</tr>", text)
    assert row and 'class="validated"' in row.group(0) and "99.000 spent" in row.group(0)
    locked = re.search(rf"<tr><td><code>{SEED_VOUCHER_LOCKED}</code>.*?</tr>", text)
    assert locked and "by demo-till" in locked.group(0)


def test_vouchers_page_escapes(sb, http):
    sb.state.company = "<script>x</script>"
    assert "<script>x" not in http.get("/_sandbox/vouchers").text


def test_sessions_as_json(sb, http):
    rows = {row["session"]: row for row in http.get("/_sandbox/sessions").json()}
    assert set(rows) == {v.session for v in SEED_VOUCHERS}
    assert rows[SEED_VOUCHER_VALIDATED]["state"] == "validated"
    assert rows[SEED_VOUCHER_VALIDATED]["money_spent"] == "349.000"
    assert rows[SEED_VOUCHER_LOCKED]["locked_by"] == "demo-till"


def test_reset_endpoint(sb, http):
    update(http, SEED_VOUCHER_AMOUNT, "void")
    assert http.post("/_sandbox/reset").json() == {"reset": True}
    assert sb.session(SEED_VOUCHER_AMOUNT).voided is None
    assert http.get("/_sandbox/other").status_code == 404
    assert http.get("/_sandbox/reset").status_code == 404


def test_command_line_serves_until_interrupted():
    """``python -m django_diller.coupontools.sandbox``: the seeded sandbox on the port asked for."""
    process = subprocess.Popen(
        [sys.executable, "-m", "django_diller.coupontools.sandbox", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, line
        assert "/_sandbox/vouchers" in line
        with httpx2.Client(base_url=found.group(0), headers=SHOP, timeout=5.0) as client:
            assert ok(look_up(client, SEED_VOUCHER_AMOUNT))
            assert SEED_VOUCHER_AMOUNT in client.get("/_sandbox/vouchers").text
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
            "--latency-ms",
            "250",
            "--drop-rate",
            "0.5",
            "--error-status",
            "502",
            "--fail-next",
            "2",
            "--error-http-status",
            "mapped",
            "--locks",
            "flag",
        ]
    )
    sandbox = build(args)
    assert sandbox.state.sessions == {}
    assert sandbox.options.error_http_status == "mapped" and sandbox.options.locks == "flag"
    assert sandbox.faults.latency == 0.25 and sandbox.faults.drop_rate == 0.5
    assert sandbox.faults.error_status == 502
    sandbox.faults.update(latency=0.0, drop_rate=0.0)  # fail_next is apart from the rates
    statuses = [sandbox.handle("POST", DATA).status for _ in range(3)]
    assert statuses == [502, 502, 401]  # then no credentials: 1000, mapped to 401
