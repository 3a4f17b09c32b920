"""The client against a scripted Coupontools: requests, the verdict in the body, errors,
retries."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx2
import pytest
from openapi_schema_validator import OAS30Validator

from django_diller.coupontools.api import (
    CoupontoolsAuthError,
    CoupontoolsConfig,
    CoupontoolsError,
    CoupontoolsInvalidCharacter,
    CoupontoolsMissingParameter,
    CoupontoolsRefused,
    CoupontoolsResponseError,
    CoupontoolsSessionNotFound,
    CoupontoolsTimeout,
    CoupontoolsUnavailable,
    RefusalKind,
    SessionAction,
    UpdateParameters,
    format_money_spent,
)
from django_diller.coupontools.openapi import load_spec
from django_diller.coupontools.vouchers import mask_code, parse_code

from .conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    DATA,
    SESSION,
    UPDATE,
    answer,
    example,
    fields,
    make_config,
    refusal,
    session_answer,
)

SPEC = load_spec()
COMPONENTS = SPEC["components"]
MASKED = mask_code(SESSION)


def _fits_the_contract(request: httpx2.Request) -> None:
    """The request is one of the contract's operations, with its credentials and body."""
    operation = SPEC["paths"][request.url.path][request.method.lower()]
    assert request.headers["X-Client-Id"] == CLIENT_ID
    assert request.headers["X-Client-Secret"] == CLIENT_SECRET
    content_type = request.headers["Content-Type"]
    schema = operation["requestBody"]["content"][content_type]["schema"]
    validator = OAS30Validator({"allOf": [schema], "components": COMPONENTS})
    assert [e.message for e in validator.iter_errors(fields(request))] == []


# --- Requests -----------------------------------------------------------------------------------


def test_get_session_posts_the_session_as_a_form_with_the_credentials(client, coupontools):
    coupontools.answer(DATA, answer(example("SessionClaimed")))
    session = client.get_session(SESSION)
    request = coupontools.last
    assert (request.method, request.url.path) == ("POST", DATA)
    assert str(request.url).startswith("https://api.coupontools.invalid/v3/")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    assert request.content == f"couponsession={SESSION}".encode()
    assert "Authorization" not in request.headers
    _fits_the_contract(request)
    assert session.session == SESSION
    assert session.state.validated is False


def test_a_json_body_when_configured(make_client, coupontools):
    coupontools.answer(UPDATE, answer(example("Locked")))
    make_client(body="json").lock(SESSION)
    request = coupontools.last
    assert request.headers["Content-Type"] == "application/json"
    assert fields(request) == {"couponsession": SESSION, "action": "lock"}
    _fits_the_contract(request)


def test_a_parsed_voucher_code_is_sent_as_it_was_read(client, coupontools):
    coupontools.answer(DATA, answer(example("SessionClaimed")))
    client.get_session(parse_code(f" https://DIGICPN.com/p/v6n7gn/{SESSION}/ ").session)
    assert fields(coupontools.last) == {"couponsession": SESSION}


@pytest.mark.parametrize(
    ("method", "action"),
    [("lock", "lock"), ("unlock", "unlock"), ("void", "void"), ("validate", "validate")],
)
def test_each_update_sends_its_action(client, coupontools, method, action):
    coupontools.answer(UPDATE, answer({"status": {"status": "OK"}, "action": action}))
    result = getattr(client, method)(SESSION)
    request = coupontools.last
    assert (request.method, request.url.path) == ("POST", UPDATE)
    assert fields(request) == {"couponsession": SESSION, "action": action}
    _fits_the_contract(request)
    assert result.status.status == "OK"
    assert result.action == action


@pytest.mark.parametrize(
    ("spent", "sent"),
    [
        (Decimal("499"), "499.000"),
        (Decimal("499.00"), "499.000"),
        (Decimal("12.3455"), "12.346"),
        (Decimal("12.3445"), "12.345"),  # half up, not to even (12.344)
        (Decimal("12.34449"), "12.344"),
        (Decimal("0.0005"), "0.001"),
        (Decimal("0"), "0.000"),
        (Decimal("-0"), "0.000"),
        (Decimal("1E+3"), "1000.000"),
        (25, "25.000"),
    ],
)
def test_validate_sends_money_spent_as_0_000_rounded_half_up(client, coupontools, spent, sent):
    coupontools.answer(UPDATE, answer(example("Validated")))
    client.validate(SESSION, money_spent=spent)
    assert fields(coupontools.last) == {
        "couponsession": SESSION,
        "action": "validate",
        "money_spent": sent,
    }
    _fits_the_contract(coupontools.last)
    assert format_money_spent(spent) == sent


def test_validate_without_money_spent_leaves_it_out(client, coupontools):
    coupontools.answer(UPDATE, answer(example("Validated")))
    client.validate(SESSION)
    assert "money_spent" not in fields(coupontools.last)


@pytest.mark.parametrize(
    ("spent", "error"),
    [
        (Decimal("-0.01"), ValueError),
        (Decimal("NaN"), ValueError),
        (Decimal("Infinity"), ValueError),
        (12.5, TypeError),
        ("12.50", TypeError),
        (True, TypeError),
    ],
)
def test_money_spent_is_a_finite_decimal_not_below_zero(client, coupontools, spent, error):
    with pytest.raises(error):
        client.validate(SESSION, money_spent=spent)
    assert coupontools.requests == []


def test_money_spent_goes_with_validate_only(client, coupontools):
    with pytest.raises(ValueError, match="validate only"):
        client.update(SESSION, SessionAction.LOCK, money_spent=Decimal(1))
    assert coupontools.requests == []


@pytest.mark.parametrize("code", ["", "   "])
def test_an_empty_session_is_not_sent(client, coupontools, code):
    with pytest.raises(ValueError):
        client.get_session(code)
    with pytest.raises(ValueError):
        client.lock(code)
    assert coupontools.requests == []


def test_the_parameter_names_are_settings(make_client, coupontools):
    names = UpdateParameters(
        session="code", action="command", money_spent="amount", validate="redeem", lock="hold"
    )
    client = make_client(update=names, session_parameter="session_id")
    coupontools.answer(UPDATE, answer({"status": {"status": "OK"}}))
    coupontools.answer(DATA, answer(example("SessionClaimed")))
    client.validate(SESSION, Decimal("10"))
    assert fields(coupontools.last) == {"code": SESSION, "command": "redeem", "amount": "10.000"}
    client.lock(SESSION)
    assert fields(coupontools.last) == {"code": SESSION, "command": "hold"}
    client.unlock(SESSION)
    assert fields(coupontools.last) == {"code": SESSION, "command": "unlock"}
    client.get_session(SESSION)
    assert fields(coupontools.last) == {"session_id": SESSION}


@pytest.mark.parametrize(
    "names",
    [
        {"session": ""},
        {"action": " "},
        {"validate": ""},
        {"session": "action"},
        {"lock": "unlock"},
    ],
)
def test_parameter_names_must_be_given_and_distinct(names):
    with pytest.raises(ValueError):
        UpdateParameters(**names)


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": ""},
        {"client_secret": ""},
        {"client_secret": "line\nbreak"},
        {"client_id": "nön-ascii"},
        {"body": "xml"},
        {"base_url": "ftp://api.coupontools.com"},
        {"session_parameter": ""},
    ],
)
def test_a_config_that_cannot_work_is_refused(overrides):
    with pytest.raises(ValueError):
        make_config(**overrides)


def test_the_secret_is_not_in_the_configs_repr():
    assert CLIENT_SECRET not in repr(make_config())


def test_the_default_host_is_coupontools():
    config = CoupontoolsConfig(client_id="a", client_secret="b")
    assert config.base_url == "https://api.coupontools.com"


# --- The verdict is in the body -------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 400, 404, 500, 503])
def test_ok_is_a_success_whatever_the_http_status(client, coupontools, status):
    coupontools.answer(DATA, answer(example("SessionClaimed"), status))
    assert client.get_session(SESSION).session == SESSION
    assert len(coupontools.requests) == 1  # not tried again: the answer is final


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_an_update_answered_ok_under_an_outage_status_is_done_and_not_repeated(
    client, coupontools, sleeps, status
):
    coupontools.answer(UPDATE, answer(example("Validated"), status, headers={"Retry-After": "0"}))
    assert client.validate(SESSION).action == "validate"
    assert len(coupontools.requests) == 1
    assert sleeps == []


ERRORS = [
    (200, CoupontoolsMissingParameter, RefusalKind.MISSING_PARAMETER),
    (300, CoupontoolsInvalidCharacter, RefusalKind.INVALID_CHARACTER),
    (301, CoupontoolsInvalidCharacter, RefusalKind.INVALID_CHARACTER),
    (513, CoupontoolsSessionNotFound, RefusalKind.NOT_FOUND),
    (1000, CoupontoolsAuthError, RefusalKind.AUTHENTICATION),
    (999, CoupontoolsRefused, RefusalKind.OTHER),
]


@pytest.mark.parametrize(("code", "cls", "kind"), ERRORS)
@pytest.mark.parametrize("http_status", [200, 400, 401, 404])
def test_each_error_code_is_its_own_refusal(client, coupontools, code, cls, kind, http_status):
    detail = f"Invalid character in parameter: couponsession ({SESSION})"
    coupontools.answer(DATA, refusal(code, detail, http_status))
    with pytest.raises(cls) as caught:
        client.get_session(SESSION)
    error = caught.value
    assert type(error) is cls
    assert (error.kind, error.error_code, error.status) == (kind, code, http_status)
    assert error.operation == "couponsession_data"
    assert error.detail == detail  # Coupontools' words, for staff screens
    assert error.session == MASKED
    assert f"error {code}" in str(error)
    assert MASKED in str(error)
    assert SESSION not in str(error)
    assert len(coupontools.requests) == 1  # a refusal is not tried again


@pytest.mark.parametrize(("code", "cls", "kind"), ERRORS)
def test_an_update_refused_is_refused_once(client, coupontools, code, cls, kind):
    coupontools.answer(UPDATE, refusal(code, "no"))
    with pytest.raises(cls) as caught:
        client.validate(SESSION, Decimal("10"))
    assert caught.value.kind is kind
    assert caught.value.operation == "couponsession_update"
    assert len(coupontools.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"status": {"status": "ERROR", "error_code": "513", "message": "not found"}},
        {"status": {"status": "NOK"}, "error_code": 513, "message": "not found"},
        {"status": {"status": "error", "error_code": " 513 "}},
    ],
)
def test_an_error_code_as_text_or_beside_the_status_is_read(client, coupontools, body):
    coupontools.answer(DATA, answer(body))
    with pytest.raises(CoupontoolsSessionNotFound):
        client.get_session(SESSION)


def test_a_known_refusal_under_an_outage_status_is_still_a_refusal(client, coupontools):
    coupontools.answer(DATA, refusal(513, status=500))
    with pytest.raises(CoupontoolsSessionNotFound):
        client.get_session(SESSION)


def test_an_unknown_error_under_an_outage_status_is_an_outage(client, coupontools, sleeps):
    coupontools.answer(DATA, refusal(5000, "database down", status=503))
    with pytest.raises(CoupontoolsUnavailable) as caught:
        client.get_session(SESSION)
    assert not isinstance(caught.value, CoupontoolsRefused)
    assert len(coupontools.requests) == 3


# --- Answers that break the contract --------------------------------------------------------------


def _with(body: dict, path: str, value) -> dict:
    node = body
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    if value is _DROP:
        del node[last]
    else:
        node[last] = value
    return body


_DROP = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("data.status.validated", "yes", "data.status.validated"),
        ("data.status.validated", "", "data.status.validated"),
        ("data.status.locked", _DROP, "data.status.locked"),
        ("data.status.voided", None, "data.status.voided"),
        ("data.status.validation_date_utc", "yesterday", "data.status.validation_date_utc"),
        ("data.status.expiration_date", "2019-03-02", "data.status.expiration_date"),
        ("data.status", "validated", "data.status"),
        ("data", _DROP, "data"),
        ("session", _DROP, "session"),
        ("session", 12345, "session"),
        ("session", "someoneElses1", "session"),
    ],
)
def test_a_malformed_session_names_the_field(client, coupontools, path, value, field):
    coupontools.answer(DATA, answer(_with(session_answer(), path, value)))
    with pytest.raises(CoupontoolsResponseError) as caught:
        client.get_session(SESSION)
    assert caught.value.field == field
    assert f"'{field}'" in str(caught.value)
    assert SESSION not in str(caught.value)
    assert len(coupontools.requests) == 1


def test_an_update_about_another_session_breaks_the_contract(client, coupontools):
    coupontools.answer(UPDATE, answer({"status": {"status": "OK"}, "session": "anotherOne1"}))
    with pytest.raises(CoupontoolsResponseError) as caught:
        client.lock(SESSION)
    assert caught.value.field == "session"


@pytest.mark.parametrize(
    ("response", "field"),
    [
        (httpx2.Response(200, text="<html>maintenance</html>"), "(body)"),
        (httpx2.Response(200), "(body)"),
        (httpx2.Response(200, json=["OK"]), "(body)"),
        (httpx2.Response(200, json={}), "status.status"),
        (httpx2.Response(200, json={"status": "OK"}), "status.status"),
        (httpx2.Response(400, json={"message": "bad"}), "status.status"),
        (httpx2.Response(200, json={"status": {"status": "ERROR"}}), "status.error_code"),
        (
            httpx2.Response(200, json={"status": {"status": "ERROR", "error_code": "x"}}),
            "status.error_code",
        ),
    ],
)
def test_an_answer_without_a_verdict_breaks_the_contract(client, coupontools, response, field):
    coupontools.answer(DATA, response)
    with pytest.raises(CoupontoolsResponseError) as caught:
        client.get_session(SESSION)
    assert caught.value.field == field


@pytest.mark.parametrize("status", [401, 403])
def test_an_auth_status_without_an_answer_is_an_auth_error(client, coupontools, status):
    coupontools.answer(DATA, httpx2.Response(status, text="Unauthorized"))
    with pytest.raises(CoupontoolsAuthError) as caught:
        client.get_session(SESSION)
    assert caught.value.error_code is None
    assert caught.value.kind is RefusalKind.AUTHENTICATION


def test_the_expiration_date_is_read_in_the_configured_zone(make_client, coupontools):
    coupontools.answer(DATA, answer(session_answer(expiration_date="2030-06-01 02:00:00")))
    client = make_client(expiration_zone=timezone(timedelta(hours=2)))
    expires = client.get_session(SESSION).state.expiration_date
    assert expires == datetime(2030, 6, 1, 0, 0, tzinfo=UTC)


# --- Retries --------------------------------------------------------------------------------------


def test_the_look_up_is_tried_again_after_a_connection_failure(client, coupontools, sleeps):
    coupontools.answer(DATA, httpx2.ConnectError("refused"), answer(example("SessionClaimed")))
    assert client.get_session(SESSION).session == SESSION
    assert len(coupontools.requests) == 2
    assert len(sleeps) == 1


def test_the_look_up_is_tried_again_after_a_lost_answer(client, coupontools, sleeps):
    coupontools.answer(DATA, httpx2.ReadTimeout("slow"), answer(example("SessionClaimed")))
    assert client.get_session(SESSION).session == SESSION
    assert len(coupontools.requests) == 2


def test_the_look_up_gives_up_after_its_attempts(client, coupontools, sleeps):
    coupontools.answer(DATA, httpx2.Response(503, text="busy"))
    with pytest.raises(CoupontoolsUnavailable) as caught:
        client.get_session(SESSION)
    assert type(caught.value) is CoupontoolsUnavailable
    assert caught.value.status == 503
    assert len(coupontools.requests) == 3


def test_an_update_is_tried_again_when_it_never_left(client, coupontools, sleeps):
    coupontools.answer(UPDATE, httpx2.ConnectError("refused"), answer(example("Validated")))
    client.validate(SESSION, Decimal("10"))
    assert len(coupontools.requests) == 2
    assert fields(coupontools.requests[0]) == fields(coupontools.requests[1])


def test_an_update_refused_unprocessed_by_429_is_tried_again_after_retry_after(
    client, coupontools, sleeps
):
    coupontools.answer(
        UPDATE,
        httpx2.Response(429, text="slow down", headers={"Retry-After": "0.002"}),
        answer(example("Locked")),
    )
    client.lock(SESSION)
    assert len(coupontools.requests) == 2
    assert sleeps == [0.002]


@pytest.mark.parametrize("error", [httpx2.ReadTimeout("slow"), httpx2.RemoteProtocolError("cut")])
def test_an_update_whose_answer_was_lost_is_not_repeated(client, coupontools, sleeps, error):
    coupontools.answer(UPDATE, error, answer(example("Validated")))
    with pytest.raises(CoupontoolsTimeout) as caught:
        client.validate(SESSION, Decimal("10"))
    assert "may have been processed" in str(caught.value)
    assert len(coupontools.requests) == 1


@pytest.mark.parametrize("status", [502, 504])
def test_an_update_behind_a_gateway_that_gave_up_is_of_unknown_effect(
    client, coupontools, sleeps, status
):
    coupontools.answer(UPDATE, httpx2.Response(status, text="gateway"))
    with pytest.raises(CoupontoolsTimeout):
        client.lock(SESSION)
    assert len(coupontools.requests) == 1


def test_an_update_answered_503_without_an_answer_is_not_repeated(client, coupontools, sleeps):
    coupontools.answer(UPDATE, httpx2.Response(503, text="busy", headers={"Retry-After": "7"}))
    with pytest.raises(CoupontoolsUnavailable) as caught:
        client.void(SESSION)
    assert not isinstance(caught.value, CoupontoolsTimeout)
    assert caught.value.retry_after == 7.0
    assert len(coupontools.requests) == 1


def test_a_call_someone_waits_for_keeps_to_its_deadline(client, coupontools, sleeps):
    coupontools.answer(DATA, httpx2.Response(503, text="busy", headers={"Retry-After": "30"}))
    with pytest.raises(CoupontoolsUnavailable):
        client.with_deadline(1.0).get_session(SESSION)
    assert len(coupontools.requests) == 1
    assert sleeps == []


def test_no_message_or_log_line_holds_the_secret_or_the_whole_session(
    client, coupontools, sleeps, caplog
):
    caplog.set_level(logging.DEBUG)
    answers = [
        refusal(1000, f"bad secret {CLIENT_SECRET}"),
        refusal(513, f"no {SESSION}", status=404),
        httpx2.Response(503, text=SESSION),
        httpx2.ConnectError(SESSION),
        httpx2.Response(200, json={"status": {"status": "OK"}, "session": SESSION + "x"}),
    ]
    errors: list[CoupontoolsError] = []
    for reply in answers:
        coupontools.answer(DATA, reply)
        coupontools.answer(UPDATE, reply)
        for call in (lambda: client.get_session(SESSION), lambda: client.lock(SESSION)):
            with pytest.raises(CoupontoolsError) as caught:
                call()
            errors.append(caught.value)
    for error in errors:
        for text in (str(error), repr(error), error.message):
            assert CLIENT_SECRET not in text
            assert SESSION not in text
    assert CLIENT_SECRET not in caplog.text
    assert SESSION not in caplog.text
