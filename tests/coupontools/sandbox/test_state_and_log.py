"""The seed, reset, options kept across it, the settable clock, and the request log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from django_diller.coupontools.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_TILL_CLIENT_ID,
    SEED_VALIDATED_MONEY_SPENT,
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHERS,
    Campaign,
    CouponSession,
    CoupontoolsSandbox,
    SandboxClock,
    SessionOptions,
    WireNames,
)

from .conftest import DATA, START, look_up, ok, update


def test_seed_has_a_voucher_in_every_state(sb):
    states = {v.session: sb.session(v.session).state(START) for v in SEED_VOUCHERS}
    assert states == {v.session: v.state for v in SEED_VOUCHERS}
    assert set(states.values()) == {"claimed", "locked", "validated", "voided", "expired"}
    assert len({v.session for v in SEED_VOUCHERS}) == len(SEED_VOUCHERS)
    assert sb.session(SEED_VOUCHER_VALIDATED).money_spent == SEED_VALIDATED_MONEY_SPENT
    assert sb.session(SEED_VOUCHER_LOCKED).locked_by == SANDBOX_TILL_CLIENT_ID
    assert set(sb.state.clients) == {SANDBOX_CLIENT_ID, SANDBOX_TILL_CLIENT_ID}


def test_seeded_values_as_the_shop_reads_them():
    values = {v.value for v in SEED_VOUCHERS}
    assert {"50", "10%", "", "100.00", "50,00"} <= values


def test_without_seed_the_company_is_there_but_no_sessions(empty):
    assert empty.state.sessions == {}
    assert SANDBOX_CLIENT_ID in empty.state.clients
    assert len(empty.state.campaigns) == 4


def test_reset_back_to_the_seed_keeping_options_and_clock(sb, shop, clock):
    sb.options.error_http_status = "mapped"
    sb.options.names = WireNames(action="do")
    sb.add_client("kiosk", "kiosk-secret")
    clock.advance(days=1)
    update(shop, SEED_VOUCHER_AMOUNT, "void")
    sb.reset()
    assert sb.session(SEED_VOUCHER_AMOUNT).voided is None
    assert "kiosk" not in sb.state.clients
    assert sb.options == SessionOptions(error_http_status="mapped", names=WireNames(action="do"))
    assert sb.clock() == START + timedelta(days=1)


def test_options_refuse_unknown_values():
    options = SessionOptions()
    for name, value in [
        ("error_http_status", 404),
        ("locks", "mine"),
        ("relock", "maybe"),
        ("session_case", "upper"),
        ("names", {"action": "do"}),
    ]:
        with pytest.raises(ValueError):
            setattr(options, name, value)
    with pytest.raises(ValueError):
        WireNames(action="")


def test_add_session(sb, shop):
    campaign = Campaign("cam_1", "newcmp", "New")
    sb.add_session(
        CouponSession(
            "newsession01", campaign, "1", START, START, value="25", custom={"custom2": "x"}
        )
    )
    answer = look_up(shop, "newsession01")
    assert answer["data"]["status"]["value"] == "25"
    assert answer["data"]["user"]["custom2"] == "x"
    assert answer["session_url"] == "https://digicpn.com/p/newcmp/newsession01"
    with pytest.raises(ValueError):
        sb.add_session(CouponSession("newsession01", campaign, "2", START, START))
    sb.reset()
    with pytest.raises(KeyError):
        sb.session("newsession01")


def test_a_session_without_expiry_never_expires(sb, clock):
    session = sb.session(SEED_VOUCHER_AMOUNT)
    session.expiration = None
    clock.advance(days=10_000)
    assert session.state(clock()) == "claimed"


def test_clock_set_advance_resume():
    clock = SandboxClock()
    real = datetime.now(UTC)
    assert abs(clock() - real) < timedelta(seconds=5)
    clock.advance(days=2)
    assert abs(clock() - real - timedelta(days=2)) < timedelta(seconds=5)
    clock.set(datetime(2030, 1, 1, 8, 0))
    assert clock() == datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    clock.advance(minutes=90)
    assert clock() == datetime(2030, 1, 1, 9, 30, tzinfo=UTC)
    clock.resume()
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)


def test_seed_follows_the_clock_at_seed_time(clock):
    clock.set(datetime(2031, 6, 1, tzinfo=UTC))
    sandbox = CoupontoolsSandbox(clock=clock)
    assert sandbox.session(SEED_VOUCHER_AMOUNT).state(clock()) == "claimed"
    assert sandbox.session(SEED_VOUCHER_AMOUNT).expiration == datetime(2032, 5, 31, tzinfo=UTC)


def test_request_log_has_times_operations_and_parameters(sb, shop, clock):
    clock.advance(seconds=30)
    look_up(shop, SEED_VOUCHER_AMOUNT)
    clock.advance(seconds=30)
    update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent="12.000")
    shop.post("/v3/nowhere")
    data, validate, unknown = sb.requests
    assert (data.operation_id, data.method, data.status) == ("couponsession_data", "POST", 200)
    assert data.json == {"couponsession": SEED_VOUCHER_AMOUNT}
    assert data.at == START.replace(second=30)
    assert validate.at == START.replace(minute=1)
    assert validate.json == {
        "couponsession": SEED_VOUCHER_AMOUNT,
        "action": "validate",
        "money_spent": "12.000",
    }
    assert ok(validate.response_json)
    assert unknown.operation_id is None and unknown.status == 404
    assert [r.status for r in sb.requests_for("couponsession_update")] == [200]
    assert sb.auth.granted == 2  # the unknown route was not authenticated


def test_the_log_keeps_no_credentials(sb, shop):
    look_up(shop, SEED_VOUCHER_AMOUNT)
    logged = repr(sb.requests)
    assert "demo-coupontools-secret" not in logged


def test_sandboxes_are_independent(clock, shop):
    other = CoupontoolsSandbox(clock=clock)
    update(shop, SEED_VOUCHER_AMOUNT, "void")
    assert other.session(SEED_VOUCHER_AMOUNT).voided is None
    assert other.handle("POST", DATA).status == 200
