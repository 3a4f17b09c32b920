"""The project's own Coupontools client against the sandbox, in-process: the two agree on the
wire, with form and JSON bodies, with the default and the account's own parameter names, and on
every error code and failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from django_diller.coupontools.api import (
    NO_RETRY,
    CoupontoolsAuthError,
    CoupontoolsClient,
    CoupontoolsConfig,
    CoupontoolsInvalidCharacter,
    CoupontoolsRefused,
    CoupontoolsSessionNotFound,
    CoupontoolsTimeout,
    CoupontoolsUnavailable,
    RefusalKind,
    RetryPolicy,
    UpdateParameters,
)
from django_diller.coupontools.sandbox import (
    REFUSAL_CODES,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    SANDBOX_TILL_CLIENT_ID,
    SANDBOX_TILL_CLIENT_SECRET,
    SEED_CUSTOM_VALUE_FIELD,
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_CUSTOM,
    SEED_VOUCHER_EXPIRED,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_PERCENT,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHER_VOIDED,
    CoupontoolsSandbox,
    CoupontoolsSandboxTransport,
    WireNames,
)

from .conftest import START


def client_for(
    sb: CoupontoolsSandbox,
    client_id: str = SANDBOX_CLIENT_ID,
    secret: str = SANDBOX_CLIENT_SECRET,
    **config: object,
) -> CoupontoolsClient:
    settings = CoupontoolsConfig(
        client_id=client_id,
        client_secret=secret,
        base_url=SANDBOX_PUBLIC_URL,
        **{"retry": NO_RETRY, **config},
    )
    return CoupontoolsClient(settings, transport=CoupontoolsSandboxTransport(sb))


@pytest.fixture
def coupontools(sb: CoupontoolsSandbox) -> Iterator[CoupontoolsClient]:
    with client_for(sb) as client:
        yield client


@pytest.fixture
def till_client(sb: CoupontoolsSandbox) -> Iterator[CoupontoolsClient]:
    with client_for(sb, SANDBOX_TILL_CLIENT_ID, SANDBOX_TILL_CLIENT_SECRET) as client:
        yield client


def code_of(refused: pytest.ExceptionInfo[CoupontoolsRefused]) -> int | None:
    return refused.value.error_code


def test_look_up_lock_validate_round_trip(sb, coupontools, clock):
    session = coupontools.get_session(SEED_VOUCHER_AMOUNT)
    assert session.session == SEED_VOUCHER_AMOUNT
    assert session.campaign_code == "gk50kr"
    assert session.state.value == "50"
    assert not session.state.validated and not session.state.locked
    assert session.state.expiration_date == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert not session.state.is_expired(START)
    assert coupontools.lock(SEED_VOUCHER_AMOUNT).action == "lock"
    assert coupontools.get_session(SEED_VOUCHER_AMOUNT).state.locked
    clock.advance(minutes=2)
    coupontools.validate(SEED_VOUCHER_AMOUNT, money_spent=Decimal("449.5"))
    used = coupontools.get_session(SEED_VOUCHER_AMOUNT).state
    assert used.validated and not used.locked
    assert used.validation_date_utc == datetime(2025, 3, 1, 12, 2, tzinfo=UTC)
    assert used.validation_value == "449.500"
    assert sb.session(SEED_VOUCHER_AMOUNT).money_spent == Decimal("449.500")
    assert all(r.status == 200 for r in sb.requests)


def test_unlock_and_void(sb, coupontools):
    coupontools.lock(SEED_VOUCHER_PERCENT)
    coupontools.unlock(SEED_VOUCHER_PERCENT)
    state = coupontools.get_session(SEED_VOUCHER_PERCENT).state
    assert not state.locked and state.unlocked_date_utc == START
    coupontools.void(SEED_VOUCHER_PERCENT)
    assert coupontools.get_session(SEED_VOUCHER_PERCENT).state.voided


def test_seeded_states_as_the_client_reads_them(coupontools):
    used = coupontools.get_session(SEED_VOUCHER_VALIDATED).state
    assert used.validated and used.validation_value == "349.000"
    assert coupontools.get_session(SEED_VOUCHER_VOIDED).state.voided
    assert coupontools.get_session(SEED_VOUCHER_LOCKED).state.locked
    assert coupontools.get_session(SEED_VOUCHER_EXPIRED).state.is_expired(START)
    custom = coupontools.get_session(SEED_VOUCHER_CUSTOM)
    assert custom.custom_field("value") is None
    assert custom.custom_field(SEED_CUSTOM_VALUE_FIELD) == "75,00"


@pytest.mark.parametrize(
    ("session", "action", "state"),
    [
        (SEED_VOUCHER_VALIDATED, "validate", "validated"),
        (SEED_VOUCHER_VOIDED, "lock", "voided"),
        (SEED_VOUCHER_EXPIRED, "validate", "expired"),
        (SEED_VOUCHER_LOCKED, "lock", "locked"),
    ],
)
def test_refusals_reach_the_client_with_their_code(coupontools, session, action, state):
    with pytest.raises(CoupontoolsRefused) as refused:
        coupontools.update(session, action)
    assert code_of(refused) == REFUSAL_CODES[state][0]
    assert refused.value.kind is RefusalKind.OTHER


def test_a_lock_held_by_the_till(sb, coupontools, till_client):
    with pytest.raises(CoupontoolsRefused):
        coupontools.validate(SEED_VOUCHER_LOCKED, money_spent=Decimal("10"))
    till_client.validate(SEED_VOUCHER_LOCKED, money_spent=Decimal("10"))
    assert sb.session(SEED_VOUCHER_LOCKED).money_spent == Decimal("10.000")


def test_not_found_invalid_character_and_auth(sb, coupontools):
    with pytest.raises(CoupontoolsSessionNotFound) as missing:
        coupontools.get_session("nosuchsession1")
    assert code_of(missing) == 513
    with pytest.raises(CoupontoolsInvalidCharacter) as invalid:
        coupontools.get_session("demo-50")
    assert code_of(invalid) == 300
    with client_for(sb, secret="wrong") as wrong, pytest.raises(CoupontoolsAuthError) as auth:
        wrong.get_session(SEED_VOUCHER_AMOUNT)
    assert code_of(auth) == 1000


@pytest.mark.parametrize("style", ["200", "mapped"])
def test_the_same_errors_under_either_http_status(sb, coupontools, style):
    sb.options.error_http_status = style
    with pytest.raises(CoupontoolsSessionNotFound):
        coupontools.get_session("nosuchsession1")
    with pytest.raises(CoupontoolsRefused) as refused:
        coupontools.validate(SEED_VOUCHER_VALIDATED)
    assert code_of(refused) == 514
    assert coupontools.get_session(SEED_VOUCHER_AMOUNT).session == SEED_VOUCHER_AMOUNT


def test_json_bodies(sb):
    with client_for(sb, body="json") as client:
        client.validate(SEED_VOUCHER_AMOUNT, money_spent=Decimal("12"))
        assert client.get_session(SEED_VOUCHER_AMOUNT).state.validated
    assert sb.requests[0].json == {
        "couponsession": SEED_VOUCHER_AMOUNT,
        "action": "validate",
        "money_spent": "12.000",
    }


def test_the_accounts_own_names_on_both_sides(sb):
    sb.options.names = WireNames(couponsession="coupon", action="command", validate="redeem")
    names = UpdateParameters(session="coupon", action="command", validate="redeem")
    with client_for(sb, update=names) as client:
        result = client.validate(SEED_VOUCHER_AMOUNT, money_spent=Decimal("1"))
    assert result.action == "redeem"
    assert sb.session(SEED_VOUCHER_AMOUNT).validated is not None


def test_outages_reach_the_client_as_unavailable(sb, coupontools):
    sb.fail_next(1, status=503)
    with pytest.raises(CoupontoolsUnavailable) as down:
        coupontools.get_session(SEED_VOUCHER_AMOUNT)
    assert down.value.status == 503
    with sb.inject(rate_limit_rate=1.0, retry_after=2), pytest.raises(CoupontoolsUnavailable):
        coupontools.lock(SEED_VOUCHER_AMOUNT)
    assert sb.session(SEED_VOUCHER_AMOUNT).locked is None
    assert coupontools.get_session(SEED_VOUCHER_AMOUNT).session == SEED_VOUCHER_AMOUNT


def test_a_lost_answer_is_a_timeout_after_the_effect(sb, coupontools):
    with sb.inject(timeout_rate=1.0), pytest.raises(CoupontoolsTimeout):
        coupontools.validate(SEED_VOUCHER_AMOUNT, money_spent=Decimal("5"))
    assert sb.session(SEED_VOUCHER_AMOUNT).validated is not None
    with pytest.raises(CoupontoolsRefused) as again:
        coupontools.validate(SEED_VOUCHER_AMOUNT, money_spent=Decimal("5"))
    assert code_of(again) == 514


def test_the_look_up_is_tried_again_after_an_outage(sb):
    sb.fail_next(2, status=502)
    retry = RetryPolicy(max_attempts=3, backoff_base=0.0, backoff_max=0.0)
    with client_for(sb, retry=retry) as client:
        assert client.get_session(SEED_VOUCHER_AMOUNT).session == SEED_VOUCHER_AMOUNT
    assert [r.status for r in sb.requests_for("couponsession_data")] == [502, 502, 200]


def test_every_request_the_client_sends_meets_the_contract(sb, coupontools, till_client):
    """The sandbox checks each request against the contract: none of the client's is refused
    for its shape (no 200, 300 or 301 from a well-formed call)."""
    coupontools.get_session(SEED_VOUCHER_AMOUNT)
    coupontools.lock(SEED_VOUCHER_AMOUNT)
    coupontools.unlock(SEED_VOUCHER_AMOUNT)
    coupontools.validate(SEED_VOUCHER_AMOUNT, money_spent=Decimal("0"))
    coupontools.void(SEED_VOUCHER_PERCENT)
    till_client.validate(SEED_VOUCHER_LOCKED)
    codes = {r.response_json["status"].get("error_code") for r in sb.requests}
    assert codes == {None}
