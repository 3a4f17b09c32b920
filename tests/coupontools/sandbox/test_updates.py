"""The update (``POST /v3/couponsession/update``) and the session's state machine: claimed →
locked → validated; locked → unlocked; validated and voided are final; expired is refused; a
lock is its client's. Every action, every error code, and the options the guide leaves open."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from django_diller.coupontools.sandbox import (
    REFUSAL_CODES,
    SANDBOX_CLIENT_ID,
    SANDBOX_TILL_CLIENT_ID,
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_EXPIRED,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_PERCENT,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHER_VOIDED,
    WireNames,
)

from .conftest import START, UPDATE, error_code, look_up, ok, update

VALIDATED, VOIDED, EXPIRED, LOCKED = (REFUSAL_CODES[s][0] for s in REFUSAL_CODES)


def state(sb, session):
    return sb.session(session).state(sb.clock())


def flags(client, session):
    status = look_up(client, session)["data"]["status"]
    return status["locked"], status["validated"], status["voided"]


def test_codes_are_distinct_and_not_the_guides():
    codes = [code for code, _ in REFUSAL_CODES.values()]
    assert len(set(codes)) == 4
    assert not set(codes) & {200, 300, 301, 513, 1000}
    assert (VALIDATED, VOIDED, EXPIRED, LOCKED) == (514, 515, 516, 517)


def test_claimed_locked_validated(sb, shop, clock):
    answer = update(shop, SEED_VOUCHER_AMOUNT, "lock")
    assert answer == {"status": {"status": "OK"}, "action": "lock", "session": SEED_VOUCHER_AMOUNT}
    assert state(sb, SEED_VOUCHER_AMOUNT) == "locked"
    assert flags(shop, SEED_VOUCHER_AMOUNT) == ("1", "0", "0")
    clock.advance(minutes=3)
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent="449.000"))
    status = look_up(shop, SEED_VOUCHER_AMOUNT)["data"]["status"]
    assert (status["locked"], status["validated"]) == ("0", "1")
    assert status["validation_date_utc"] == "2025-03-01 12:03:00"
    assert status["validation_value"] == "449.000"
    session = sb.session(SEED_VOUCHER_AMOUNT)
    assert session.money_spent == Decimal("449.000") and session.locked_by is None


def test_validate_without_a_lock_and_without_money_spent(sb, shop):
    assert ok(update(shop, SEED_VOUCHER_PERCENT, "validate"))
    status = look_up(shop, SEED_VOUCHER_PERCENT)["data"]["status"]
    assert (status["validated"], status["validation_value"]) == ("1", "")
    assert sb.session(SEED_VOUCHER_PERCENT).money_spent is None


def test_money_spent_zero(shop):
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent="0.000"))
    assert look_up(shop, SEED_VOUCHER_AMOUNT)["data"]["status"]["validation_value"] == "0.000"


def test_locked_unlocked_and_locked_again(sb, shop, clock):
    update(shop, SEED_VOUCHER_AMOUNT, "lock")
    clock.advance(minutes=20)
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "unlock"))
    status = look_up(shop, SEED_VOUCHER_AMOUNT)["data"]["status"]
    assert (status["locked"], status["unlocked_date_utc"]) == ("0", "2025-03-01 12:20:00")
    assert state(sb, SEED_VOUCHER_AMOUNT) == "claimed"
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "lock"))


def test_unlocking_an_unlocked_session_changes_nothing(sb, shop):
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "unlock"))
    assert look_up(shop, SEED_VOUCHER_AMOUNT)["data"]["status"]["unlocked_date_utc"] == ""


@pytest.mark.parametrize("action", ["validate", "lock", "unlock", "void"])
def test_validated_is_final(sb, shop, action):
    assert error_code(update(shop, SEED_VOUCHER_VALIDATED, action)) == VALIDATED
    assert state(sb, SEED_VOUCHER_VALIDATED) == "validated"


def test_a_second_validate_keeps_the_first(sb, shop, clock):
    update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent="100.000")
    clock.advance(hours=1)
    answer = update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent="200.000")
    assert error_code(answer) == VALIDATED
    assert answer["status"]["message"] == "Coupon session already validated"
    status = look_up(shop, SEED_VOUCHER_AMOUNT)["data"]["status"]
    assert (status["validation_date_utc"], status["validation_value"]) == (
        "2025-03-01 12:00:00",
        "100.000",
    )


@pytest.mark.parametrize("action", ["validate", "lock", "unlock", "void"])
def test_voided_is_refused(sb, shop, action):
    assert error_code(update(shop, SEED_VOUCHER_VOIDED, action)) == VOIDED


def test_void(sb, shop):
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "void"))
    assert flags(shop, SEED_VOUCHER_AMOUNT) == ("0", "0", "1")
    assert look_up(shop, SEED_VOUCHER_AMOUNT)["data"]["status"]["unvoided_date_utc"] == ""
    assert error_code(update(shop, SEED_VOUCHER_AMOUNT, "validate")) == VOIDED


def test_void_ends_the_holders_lock(sb, shop):
    update(shop, SEED_VOUCHER_AMOUNT, "lock")
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "void"))
    assert state(sb, SEED_VOUCHER_AMOUNT) == "voided"


@pytest.mark.parametrize("action", ["validate", "lock"])
def test_expired_is_refused(sb, shop, action):
    answer = update(shop, SEED_VOUCHER_EXPIRED, action)
    assert error_code(answer) == EXPIRED
    assert answer["status"]["message"] == "Coupon session expired"
    assert state(sb, SEED_VOUCHER_EXPIRED) == "expired"


def test_an_expired_voucher_may_still_be_voided_or_unlocked(shop):
    assert ok(update(shop, SEED_VOUCHER_EXPIRED, "unlock"))
    assert ok(update(shop, SEED_VOUCHER_EXPIRED, "void"))


def test_a_voucher_expires_with_the_clock(sb, shop, clock):
    update(shop, SEED_VOUCHER_AMOUNT, "lock")
    clock.advance(days=366)
    assert state(sb, SEED_VOUCHER_AMOUNT) == "expired"
    assert error_code(update(shop, SEED_VOUCHER_AMOUNT, "validate")) == EXPIRED
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "unlock"))  # a sweep still releases it


# locks belong to their client -----------------------------------------------------------------


def test_the_seeded_lock_is_the_tills(sb, shop, till):
    assert sb.session(SEED_VOUCHER_LOCKED).locked_by == SANDBOX_TILL_CLIENT_ID
    for action in ("lock", "unlock", "validate", "void"):
        answer = update(shop, SEED_VOUCHER_LOCKED, action)
        assert error_code(answer) == LOCKED, action
        assert answer["status"]["message"] == "Coupon session locked"
    assert state(sb, SEED_VOUCHER_LOCKED) == "locked"
    assert ok(update(till, SEED_VOUCHER_LOCKED, "validate", money_spent="59.900"))
    assert sb.session(SEED_VOUCHER_LOCKED).money_spent == Decimal("59.900")


def test_a_lock_by_one_client_refuses_the_other(sb, shop, till):
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "lock"))
    assert error_code(update(till, SEED_VOUCHER_AMOUNT, "lock")) == LOCKED
    assert error_code(update(till, SEED_VOUCHER_AMOUNT, "validate")) == LOCKED
    assert sb.session(SEED_VOUCHER_AMOUNT).locked_by == SANDBOX_CLIENT_ID
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "unlock"))
    assert ok(update(till, SEED_VOUCHER_AMOUNT, "lock"))


def test_the_holders_second_lock_is_refused_unless_accepted(sb, shop):
    update(shop, SEED_VOUCHER_AMOUNT, "lock")
    assert error_code(update(shop, SEED_VOUCHER_AMOUNT, "lock")) == LOCKED
    sb.options.relock = "accepted"
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "lock"))
    assert sb.session(SEED_VOUCHER_AMOUNT).locked_by == SANDBOX_CLIENT_ID


def test_flag_locks_stop_nobody(sb, shop, till):
    sb.options.locks = "flag"
    assert ok(update(shop, SEED_VOUCHER_LOCKED, "lock"))  # locked already: a flag set again
    assert ok(update(shop, SEED_VOUCHER_LOCKED, "unlock"))
    assert ok(update(shop, SEED_VOUCHER_AMOUNT, "lock"))
    assert ok(update(till, SEED_VOUCHER_AMOUNT, "validate"))
    assert error_code(update(till, SEED_VOUCHER_AMOUNT, "validate")) == VALIDATED


def test_refusal_codes_can_be_changed(sb, shop):
    sb.options.refusal_codes = {"validated": 601, "voided": 602, "expired": 603, "locked": 604}
    assert error_code(update(shop, SEED_VOUCHER_VALIDATED, "validate")) == 601
    assert error_code(update(shop, SEED_VOUCHER_LOCKED, "lock")) == 604
    with pytest.raises(ValueError):
        sb.options.refusal_codes = {"validated": 601}


# the update's parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "parameter"),
    [
        ({}, 200, "couponsession"),
        ({"action": "lock"}, 200, "couponsession"),
        ({"couponsession": SEED_VOUCHER_AMOUNT}, 200, "action"),
        ({"couponsession": SEED_VOUCHER_AMOUNT, "action": ""}, 200, "action"),
        ({"couponsession": "x y", "action": "lock"}, 300, "couponsession"),
        ({"couponsession": "x y"}, 300, "couponsession"),
        ({"couponsession": SEED_VOUCHER_AMOUNT, "action": "redeem"}, 301, "action"),
        ({"couponsession": SEED_VOUCHER_AMOUNT, "action": "LOCK"}, 301, "action"),
        ({"couponsession": "nosuchsession1", "action": "lock"}, 513, None),
    ],
)
def test_parameter_errors(shop, fields, code, parameter):
    answer = shop.post(UPDATE, data=fields).json()
    assert error_code(answer) == code
    if parameter is not None:
        assert answer["status"]["message"].endswith(f": {parameter}")


@pytest.mark.parametrize("money", ["1.5", "1,500", "-1.000", "1.0000", "1e3", "12"])
def test_money_spent_must_be_the_guides_format(sb, shop, money):
    answer = update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent=money)
    assert error_code(answer) == 301
    assert answer["status"]["message"] == "Invalid character in parameter: money_spent"
    assert state(sb, SEED_VOUCHER_AMOUNT) == "claimed"


def test_money_spent_as_a_json_number_is_refused(shop):
    body = {"couponsession": SEED_VOUCHER_AMOUNT, "action": "validate", "money_spent": 12.5}
    assert error_code(shop.post(UPDATE, json=body).json()) == 301


def test_json_update(sb, shop):
    body = {"couponsession": SEED_VOUCHER_AMOUNT, "action": "validate", "money_spent": "10.000"}
    assert ok(shop.post(UPDATE, json=body).json())
    assert sb.session(SEED_VOUCHER_AMOUNT).money_spent == Decimal("10.000")


def test_checks_hold_without_request_validation(sb, shop):
    sb.validate_requests = False
    assert (
        error_code(shop.post(UPDATE, data={"couponsession": "a b", "action": "lock"}).json()) == 300
    )
    assert error_code(update(shop, SEED_VOUCHER_AMOUNT, "redeem")) == 301
    assert error_code(update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent="1,5")) == 301
    assert error_code(shop.post(UPDATE, data={"action": "lock"}).json()) == 200


def test_the_accounts_own_names(sb, shop):
    sb.options.names = WireNames(couponsession="session", action="command", lock="reserve")
    answer = shop.post(UPDATE, data={"session": SEED_VOUCHER_AMOUNT, "command": "reserve"}).json()
    assert answer == {
        "status": {"status": "OK"},
        "action": "reserve",
        "session": SEED_VOUCHER_AMOUNT,
    }
    assert state(sb, SEED_VOUCHER_AMOUNT) == "locked"
    # The contract's names are not the account's: nothing was sent.
    assert error_code(update(shop, SEED_VOUCHER_AMOUNT, "unlock")) == 200
    with pytest.raises(ValueError):
        WireNames(lock="validate")


def test_errors_of_an_update_under_mapped_statuses(sb, shop):
    sb.options.error_http_status = "mapped"
    refused = shop.post(UPDATE, data={"couponsession": SEED_VOUCHER_VALIDATED, "action": "lock"})
    assert refused.status_code == 409 and error_code(refused.json()) == VALIDATED
    missing = shop.post(UPDATE, data={"couponsession": SEED_VOUCHER_AMOUNT})
    assert missing.status_code == 400


def test_nothing_moves_on_a_refusal(sb, shop):
    before = look_up(shop, SEED_VOUCHER_LOCKED)
    update(shop, SEED_VOUCHER_LOCKED, "validate", money_spent="1.000")
    assert look_up(shop, SEED_VOUCHER_LOCKED) == before
    session = sb.session(SEED_VOUCHER_LOCKED)
    assert session.locked == START - timedelta(minutes=5)
    assert session.validated is None and session.money_spent is None
