"""The look-up (``POST /v3/couponsession/data``): the session's answer in the guide's shape, the
seeded vouchers, and every error it gives (200, 300, 513, 1000), as form fields and as JSON."""

from __future__ import annotations

import pytest

from django_diller.coupontools.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SEED_CUSTOM_VALUE_FIELD,
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_CUSTOM,
    SEED_VOUCHER_EXPIRED,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_MIXED_CASE,
    SEED_VOUCHER_PERCENT,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHER_VOIDED,
    SEED_VOUCHERS,
)

from .conftest import DATA, START, error_code, look_up, make_client, ok


def test_a_claimed_voucher_in_the_guides_shape(shop):
    answer = look_up(shop, SEED_VOUCHER_AMOUNT)
    assert ok(answer)
    assert answer["action"] == "retrieve_all_session_data"
    assert answer["session"] == SEED_VOUCHER_AMOUNT
    assert answer["campaign"] == "cam_7000101"
    assert answer["session_url"] == f"https://digicpn.com/p/gk50kr/{SEED_VOUCHER_AMOUNT}"
    status = answer["data"]["status"]
    assert status["claimed"] == "1"
    assert status["claim_date_utc"] == "2025-02-22 12:00:00"
    assert (status["validated"], status["validation_date_utc"]) == ("0", "")
    assert (status["locked"], status["voided"]) == ("0", "0")
    assert status["value"] == "50"
    assert status["expiration_date"] == "2026-03-01 12:00:00"
    assert answer["data"]["campaign"] == {
        "ID": "cam_7000101",
        "code": "gk50kr",
        "url": "https://digicpn.com/p/gk50kr",
        "status": "live",
        "coupon_tags": "",
    }


@pytest.mark.parametrize(
    ("session", "value", "flags"),
    [
        (SEED_VOUCHER_PERCENT, "10%", {}),
        (SEED_VOUCHER_MIXED_CASE, "50,00", {}),
        (SEED_VOUCHER_VALIDATED, "50", {"validated": "1"}),
        (SEED_VOUCHER_VOIDED, "50", {"voided": "1"}),
        (SEED_VOUCHER_LOCKED, "50", {"locked": "1"}),
    ],
)
def test_seeded_states(shop, session, value, flags):
    status = look_up(shop, session)["data"]["status"]
    assert status["value"] == value
    for name in ("validated", "voided", "locked"):
        assert status[name] == flags.get(name, "0")


def test_the_used_voucher_has_its_date_and_money_spent(shop):
    status = look_up(shop, SEED_VOUCHER_VALIDATED)["data"]["status"]
    assert status["validation_date_utc"] == "2025-02-27 12:00:00"
    assert status["validation_value"] == "349.000"


def test_the_expired_voucher_says_when(shop):
    status = look_up(shop, SEED_VOUCHER_EXPIRED)["data"]["status"]
    assert status["expiration_date"] == "2025-02-28 12:00:00"
    assert status["validated"] == "0"


def test_a_value_in_a_custom_field(shop):
    answer = look_up(shop, SEED_VOUCHER_CUSTOM)
    assert answer["data"]["status"]["value"] == ""
    assert answer["data"]["user"][SEED_CUSTOM_VALUE_FIELD] == "75,00"


def test_every_seeded_voucher_is_found(shop):
    for voucher in SEED_VOUCHERS:
        answer = look_up(shop, voucher.session)
        assert ok(answer) and answer["session_url"] == voucher.url


def test_the_look_up_changes_nothing(sb, shop):
    before = look_up(shop, SEED_VOUCHER_AMOUNT)
    assert look_up(shop, SEED_VOUCHER_AMOUNT) == before
    assert sb.session(SEED_VOUCHER_AMOUNT).state(START) == "claimed"


def test_json_body_too(shop):
    answer = shop.post(DATA, json={"couponsession": SEED_VOUCHER_AMOUNT}).json()
    assert ok(answer) and answer["session"] == SEED_VOUCHER_AMOUNT


# errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        {},
        {"data": {"couponsession": ""}},
        {"data": {"other": SEED_VOUCHER_AMOUNT}},
        {"json": {}},
        {"json": ["not", "an", "object"]},
        {"content": b"{broken", "headers": {"Content-Type": "application/json"}},
        {"content": b"couponsession=x", "headers": {"Content-Type": "text/plain"}},
    ],
)
def test_missing_parameter_is_200(shop, send):
    answer = shop.post(DATA, **send).json()
    assert error_code(answer) == 200
    assert answer["status"]["message"] == "Missing parameter: couponsession"


@pytest.mark.parametrize("session", ["demo 50kr", " demo50kr7hq2xk", "demo-50", "démo50", "a/b"])
def test_invalid_character_is_300(shop, session):
    answer = look_up(shop, session)
    assert error_code(answer) == 300
    assert answer["status"]["message"] == "Invalid character in parameter: couponsession"


def test_a_number_in_json_is_an_invalid_character(shop):
    assert error_code(shop.post(DATA, json={"couponsession": 12345}).json()) == 300


@pytest.mark.parametrize(
    "session", ["nosuchsession1", SEED_VOUCHER_AMOUNT.upper(), "Demo50kr7hq2xk"]
)
def test_unknown_session_is_513(shop, session):
    answer = look_up(shop, session)
    assert error_code(answer) == 513
    assert answer["status"]["message"] == "Coupon session not found"


def test_case_can_be_ignored_by_option(sb, shop):
    sb.options.session_case = "insensitive"
    assert look_up(shop, SEED_VOUCHER_AMOUNT.upper())["session"] == SEED_VOUCHER_AMOUNT
    assert look_up(shop, SEED_VOUCHER_MIXED_CASE.lower())["session"] == SEED_VOUCHER_MIXED_CASE


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Client-Id": SANDBOX_CLIENT_ID},
        {"X-Client-Id": SANDBOX_CLIENT_ID, "X-Client-Secret": "wrong"},
        {"X-Client-Id": "someone", "X-Client-Secret": SANDBOX_CLIENT_SECRET},
        {"X-Client-Id": SANDBOX_CLIENT_ID.upper(), "X-Client-Secret": SANDBOX_CLIENT_SECRET},
    ],
)
def test_authentication_failed_is_1000(sb, headers):
    with make_client(sb, headers) as client:
        answer = look_up(client, SEED_VOUCHER_AMOUNT)
    assert error_code(answer) == 1000
    assert answer["status"]["message"] == "Authentication failed"
    assert sb.auth.granted == 0


def test_authentication_comes_before_the_parameters(anon):
    assert error_code(anon.post(DATA).json()) == 1000


def test_revoked_credentials_until_reset(sb, shop):
    sb.revoke_tokens()
    assert error_code(look_up(shop, SEED_VOUCHER_AMOUNT)) == 1000
    sb.reset()
    assert ok(look_up(shop, SEED_VOUCHER_AMOUNT))
    assert sb.auth.granted == 1


def test_another_client_of_the_account(sb):
    sb.add_client("kiosk", "kiosk-secret")
    with make_client(sb, {"X-Client-Id": "kiosk", "X-Client-Secret": "kiosk-secret"}) as kiosk:
        assert ok(look_up(kiosk, SEED_VOUCHER_AMOUNT))
    with pytest.raises(ValueError):
        sb.add_client("kiosk", "")


def test_errors_go_with_http_200_unless_mapped(sb, shop, anon):
    cases = [
        (lambda: shop.post(DATA), 400),
        (lambda: shop.post(DATA, data={"couponsession": "a b"}), 400),
        (lambda: shop.post(DATA, data={"couponsession": "nosuchsession1"}), 404),
        (lambda: anon.post(DATA, data={"couponsession": SEED_VOUCHER_AMOUNT}), 401),
    ]
    assert [send().status_code for send, _ in cases] == [200, 200, 200, 200]
    sb.options.error_http_status = "mapped"
    assert [send().status_code for send, _ in cases] == [status for _, status in cases]
    found = shop.post(DATA, data={"couponsession": SEED_VOUCHER_AMOUNT})
    assert found.status_code == 200 and ok(found.json())
