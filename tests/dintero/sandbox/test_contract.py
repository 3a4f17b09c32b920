"""Routing, request validation (400s naming fields, in Dintero's Error shape) and the check of
every answer against the contract."""

from __future__ import annotations

import pytest

from django_diller.dintero.openapi import operation_ids
from django_diller.dintero.sandbox import SandboxContractError
from django_diller.dintero.sandbox.app import TOKEN_OPERATION_ID
from django_diller.dintero.sandbox.handlers import HANDLERS
from django_diller.dintero.sandbox.validation import contract

from .conftest import RECEIPTS, receipt


def test_every_operation_has_a_handler():
    assert set(HANDLERS) | {TOKEN_OPERATION_ID} == set(operation_ids())


def test_literal_routes_win_over_parameters(sb, client):
    client.get(f"{RECEIPTS}/search", params={"receipt_id": "x"})
    client.get(f"{RECEIPTS}/customers/search")
    client.put(f"{RECEIPTS}/all/demo-2001", json={"customer_id": "c"})
    assert [r.operation_id for r in sb.requests[-3:]] == [
        "aid_receipts_rid_get",
        "aid_receipts_customers_cid_get",
        "aid_receipts_update_put",
    ]


def test_unknown_route_is_404_error(client):
    for path in ("/v1/nothing", "/v2/accounts/T12345678/receipts", "/"):
        response = client.get(path)
        assert response.status_code == 404
        assert set(response.json()) == {"error"}


def test_wrong_method_is_405_with_allow(client):
    response = client.delete(f"{RECEIPTS}/search")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_body_type_error_names_the_field(blank):
    response = blank.post(RECEIPTS, json=[receipt("r-1", gross_amount="100")])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"field": "[0].gross_amount", "message": "Must be of type integer; got '100'."} in error[
        "errors"
    ]


def test_pattern_from_the_document_is_checked(blank):
    bad_phone = receipt("r-1", customer={"phone_number": "not a phone"})
    response = blank.post(RECEIPTS, json=[bad_phone])
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "[0].customer.phone_number"


def test_not_json_is_400_and_wrong_type_415(blank):
    broken = blank.post(RECEIPTS, content=b"[{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "invalid_json"
    form = blank.post(RECEIPTS, content=b"a=1", headers={"Content-Type": "text/plain"})
    assert form.status_code == 415


def test_missing_body_is_400(blank):
    assert blank.post(RECEIPTS).status_code == 400


def test_requests_can_go_unchecked(empty, blank):
    empty.validate_requests = False
    response = blank.post(RECEIPTS, json=[receipt("r-1", gross_amount="100")])
    assert response.status_code == 200  # the contract would refuse it; the handler need not


def test_answer_breaking_the_contract_raises(monkeypatch, client):
    monkeypatch.setitem(HANDLERS, "aid_receipts_rid_get", lambda ctx: {"receipts": "many"})
    with pytest.raises(SandboxContractError, match="aid_receipts_rid_get"):
        client.get(f"{RECEIPTS}/search", params={"receipt_id": "x"})


def test_receipt_missing_a_required_field_breaks_the_contract(monkeypatch, client):
    monkeypatch.setitem(HANDLERS, "aid_receipts_update_put", lambda ctx: {"receipt_id": "x"})
    with pytest.raises(SandboxContractError, match="store"):
        client.put(f"{RECEIPTS}/all/demo-2001", json={"customer_id": "c"})


def test_every_answer_of_a_session_meets_the_contract(sb, client):
    """A flow over every operation, each answer checked again here against the document."""
    client.post(RECEIPTS, json=[receipt("r-1", customer_id="c-1")], params={"token_expire_days": 2})
    client.post(RECEIPTS, json=[receipt("r-1")])
    client.get(f"{RECEIPTS}/search", params={"receipt_id": "r-1"})
    client.get(f"{RECEIPTS}/customers/c-1", params={"limit": 1})
    client.get(f"{RECEIPTS}/customers/c-1/r-1")
    client.post(f"{RECEIPTS}/customers/c-1/r-1/change_customer_id", json={"customer_id": "c-2"})
    client.put(f"{RECEIPTS}/all/demo-2001", json={"customer_id": "c-3"})
    client.put(f"{RECEIPTS}/all/demo-2001", json={"customer_id": "c-4"})
    client.post(f"{RECEIPTS}/customer_segment", json={})
    token = next(
        e["value"]
        for e in sb.requests_for("aid_receipts_post")[0].response_json["receipts"][0]["extra_info"]
        if e["key"] == "dintero.receipt.token.value"
    )
    client.get(f"{RECEIPTS}/receipt-token", params={"token": token})
    client.post(f"{RECEIPTS}/receipt-token", params={"token": token}, json={"customer_id": "c-5"})
    client.get(f"{RECEIPTS}/receipt-token", params={"token": token})
    checked = contract()
    seen = set()
    for request in sb.requests:
        name = request.operation_id
        operation = TOKEN_OPERATION_ID if name == "token" else name
        checked.check_response(operation, request.status, "application/json", request.response_json)
        seen.add((operation, request.status))
    assert {op for op, _ in seen} == set(operation_ids())
    assert ("aid_receipts_update_put", 400) in seen
    assert ("aid_receipts_receipt_token_get", 403) in seen
