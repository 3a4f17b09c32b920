"""Routing, request validation (the guide's 200/300/301) and the check of every answer against
``coupontools-v3.yaml``."""

from __future__ import annotations

import pytest

from django_diller.coupontools.openapi import load_spec, operation_ids
from django_diller.coupontools.sandbox import (
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_CUSTOM,
    SEED_VOUCHERS,
    SandboxContractError,
)
from django_diller.coupontools.sandbox.handlers import HANDLERS
from django_diller.coupontools.sandbox.options import ACTIONS
from django_diller.coupontools.sandbox.validation import contract, first_error

from .conftest import DATA, UPDATE, error_code, look_up, make_client, ok, update


def test_every_operation_has_a_handler():
    assert set(HANDLERS) == set(operation_ids())


def test_the_actions_are_the_contracts():
    schema = load_spec()["components"]["schemas"]["UpdateRequest"]
    assert tuple(schema["properties"]["action"]["enum"]) == ACTIONS


def test_unknown_route_is_404(shop):
    for path in ("/v3/couponsession", "/v2/couponsession/data", "/"):
        response = shop.post(path)
        assert response.status_code == 404
        assert response.json()["status"]["status"] == "ERROR"


def test_wrong_method_is_405_with_allow(shop):
    response = shop.get(DATA)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_first_error_reports_the_first_parameter():
    errors = {
        "money_spent": ["bad"],
        "action": ["This field is required."],
        "couponsession": ["bad"],
    }
    assert first_error(errors).error_code == 300
    assert first_error({"money_spent": ["bad"], "action": ["bad"]}).message.endswith("action")
    assert first_error({"body": ["A JSON body is required."]}).error_code == 200


def test_requests_can_go_unchecked(sb, shop, monkeypatch):
    seen = []
    monkeypatch.setitem(HANDLERS, "couponsession_data", lambda ctx: seen.append(ctx) or {})
    sb.validate_requests = False
    sb.validate_responses = False
    shop.post(DATA, data={"couponsession": "a b", "extra": "1"})
    assert seen[0].params == {"couponsession": "a b"}  # the contract would refuse it


def test_answer_breaking_the_contract_raises(shop, monkeypatch):
    monkeypatch.setitem(HANDLERS, "couponsession_data", lambda ctx: {"status": {"status": "OK"}})
    with pytest.raises(SandboxContractError, match="couponsession_data"):
        look_up(shop, SEED_VOUCHER_AMOUNT)


def test_a_flag_that_is_not_a_string_breaks_the_contract(shop, monkeypatch):
    original = HANDLERS["couponsession_data"]

    def boolean_flags(ctx):
        answer = original(ctx)
        answer["data"]["status"]["validated"] = False
        return answer

    monkeypatch.setitem(HANDLERS, "couponsession_data", boolean_flags)
    with pytest.raises(SandboxContractError, match="validated"):
        look_up(shop, SEED_VOUCHER_AMOUNT)


def test_answers_can_go_unchecked(sb, shop, monkeypatch):
    monkeypatch.setitem(HANDLERS, "couponsession_data", lambda ctx: {"status": "fine"})
    sb.validate_responses = False
    assert shop.post(DATA, data={"couponsession": "x1"}).json() == {"status": "fine"}


def test_every_answer_of_a_session_meets_the_contract(sb, shop, till, anon):
    """A flow over both operations, every action and every error, each answer checked again
    here against the document."""
    for voucher in SEED_VOUCHERS:
        look_up(shop, voucher.session)
    look_up(anon, SEED_VOUCHER_AMOUNT)
    shop.post(DATA)
    look_up(shop, "a b")
    look_up(shop, "nosuchsession1")
    update(shop, SEED_VOUCHER_AMOUNT, "lock")
    update(till, SEED_VOUCHER_AMOUNT, "lock")
    update(shop, SEED_VOUCHER_AMOUNT, "unlock")
    update(shop, SEED_VOUCHER_AMOUNT, "validate", money_spent="120.500")
    update(shop, SEED_VOUCHER_AMOUNT, "validate")
    update(shop, SEED_VOUCHER_CUSTOM, "void")
    update(shop, SEED_VOUCHER_CUSTOM, "redeem")
    update(shop, SEED_VOUCHER_CUSTOM, "validate", money_spent="1,5")
    look_up(shop, SEED_VOUCHER_AMOUNT)
    sb.options.error_http_status = "mapped"
    look_up(shop, "nosuchsession1")
    update(shop, SEED_VOUCHER_AMOUNT, "lock")
    checked = contract()
    codes = set()
    for request in sb.requests:
        checked.check_response(
            request.operation_id, request.status, "application/json", request.response_json
        )
        codes.add(request.response_json["status"].get("error_code", "OK"))
    assert {r.operation_id for r in sb.requests} == set(operation_ids())
    assert codes == {"OK", 200, 300, 301, 513, 514, 517, 1000}
    assert {r.status for r in sb.requests} == {200, 404, 409}


def test_the_contracts_examples_are_answers_the_sandbox_gives(shop):
    """The document's look-up example and the sandbox's answer have the same fields."""
    example = load_spec()["components"]["examples"]["SessionClaimed"]["value"]
    answer = look_up(shop, SEED_VOUCHER_AMOUNT)
    assert set(answer) == set(example)
    assert set(answer["data"]["status"]) <= set(example["data"]["status"])
    assert set(answer["data"]["campaign"]) == set(example["data"]["campaign"])


def test_the_update_answer_matches_the_example(shop):
    example = load_spec()["components"]["examples"]["Locked"]["value"]
    answer = update(shop, SEED_VOUCHER_AMOUNT, "lock")
    assert set(answer) == set(example) and ok(answer)


def test_auth_errors_match_the_example(sb):
    example = load_spec()["components"]["examples"]["AuthenticationFailed"]["value"]
    with make_client(sb, {"X-Client-Id": "x", "X-Client-Secret": "y"}) as client:
        answer = client.post(UPDATE, data={"couponsession": "x1", "action": "lock"}).json()
    assert answer == example
    assert error_code(answer) == 1000


@pytest.mark.parametrize(
    ("example", "path", "fields"),
    [
        ("MissingParameter", DATA, {}),
        ("InvalidCharacter", DATA, {"couponsession": "a-b"}),
        ("SessionNotFound", DATA, {"couponsession": "nosuchsession1"}),
        ("InvalidCharacterInAction", UPDATE, {"couponsession": "x1", "action": "use"}),
        ("SessionNotFound", UPDATE, {"couponsession": "nosuchsession1", "action": "lock"}),
    ],
)
def test_the_contracts_error_examples_word_for_word(shop, example, path, fields):
    expected = load_spec()["components"]["examples"][example]["value"]
    assert shop.post(path, data=fields).json() == expected
