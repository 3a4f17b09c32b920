"""The client against a scripted Dintero: requests, tokens, errors, retries, duplicates."""

from __future__ import annotations

import json
import logging
import re

import httpx2
import pytest
from openapi_schema_validator import OAS30WriteValidator

from django_diller.api.auth import MemoryTokenStore
from django_diller.dintero.api import (
    DinteroAuthError,
    DinteroConflict,
    DinteroError,
    DinteroNotFound,
    DinteroRefused,
    DinteroResponseError,
    DinteroTimeout,
    DinteroTokenUnavailable,
    DinteroUnavailable,
)
from django_diller.dintero.api import models as m
from django_diller.dintero.openapi import BASE_PATH, load_spec

from .conftest import (
    ACCOUNT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_PATH,
    basic_credentials,
    example,
    make_config,
)

SPEC = load_spec()
RECEIPTS = f"/v1/accounts/{ACCOUNT_ID}/receipts"
CUSTOMER_ID = "C13db4f63"
SEARCH = RECEIPTS + "/search"
ONE = RECEIPTS + f"/customers/{CUSTOMER_ID}/714118"


def receipt() -> m.Receipt:
    return m.Receipt.model_validate(example("NewReceipt"))


def ok(body) -> httpx2.Response:
    return httpx2.Response(200, json=body)


def error(status: int, message: str = "customer C13db4f63 is not allowed", code=None, **kw):
    body = {"error": {"message": message, **({"code": code} if code else {})}}
    return httpx2.Response(status, json=body, **kw)


def _contract_operation(request: httpx2.Request):
    """The contract's operation for a request: by method and path template."""
    path = request.url.path.removeprefix(BASE_PATH)
    for template, item in SPEC["paths"].items():
        pattern = re.sub(r"{\w+}", "[^/]+", template) + "$"
        operation = item.get(request.method.lower())
        if operation and re.match(pattern, path):
            return operation
    raise AssertionError(f"no operation for {request.method} {path}")


def _fits_the_contract(request: httpx2.Request) -> None:
    operation = _contract_operation(request)
    components = SPEC["components"]
    declared = set()
    for parameter in operation.get("parameters", []):
        while "$ref" in parameter:
            parameter = components["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
        if parameter["in"] == "query":
            declared.add(parameter["name"])
            if parameter.get("required"):
                assert parameter["name"] in request.url.params
    assert set(request.url.params) <= declared
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        validator = OAS30WriteValidator({"allOf": [schema], "components": components})
        errors = [e.message for e in validator.iter_errors(json.loads(request.content))]
        assert errors == []
        assert request.headers["Content-Type"] == "application/json"
    else:
        assert not request.content


# --- One method per operation ------------------------------------------------------------------


CALLS = [
    (
        "create_receipts",
        lambda c: c.create_receipts([receipt()], token_expire_days=7),
        ("POST", RECEIPTS, {"token_expire_days": "7"}),
        example("CreatedReceipts"),
    ),
    (
        "search_receipts",
        lambda c: c.search_receipts("714118"),
        ("GET", SEARCH, {"receipt_id": "714118"}),
        {"receipts": [example("Receipt")]},
    ),
    (
        "get_customer_receipts",
        lambda c: c.get_customer_receipts(CUSTOMER_ID, limit=20, starting_after="abc"),
        ("GET", RECEIPTS + f"/customers/{CUSTOMER_ID}", {"limit": "20", "starting_after": "abc"}),
        example("CustomerReceipts"),
    ),
    (
        "get_customer_receipt",
        lambda c: c.get_customer_receipt(CUSTOMER_ID, "714118"),
        ("GET", ONE, {}),
        example("Receipt"),
    ),
    (
        "attach_customer",
        lambda c: c.attach_customer("714118", CUSTOMER_ID),
        ("PUT", RECEIPTS + "/all/714118", {}),
        example("Receipt"),
    ),
    (
        "change_customer_id",
        lambda c: c.change_customer_id(CUSTOMER_ID, "714118", "C99"),
        ("POST", ONE + "/change_customer_id", {}),
        example("Receipt"),
    ),
    (
        "get_receipt_by_token",
        lambda c: c.get_receipt_by_token("eyJ.receipt.token"),
        ("GET", RECEIPTS + "/receipt-token", {"token": "eyJ.receipt.token"}),
        example("Receipt"),
    ),
    (
        "claim_receipt",
        lambda c: c.claim_receipt("eyJ.receipt.token", CUSTOMER_ID),
        ("POST", RECEIPTS + "/receipt-token", {"token": "eyJ.receipt.token"}),
        example("Receipt"),
    ),
    (
        "segment_customers",
        lambda c: c.segment_customers(m.SegmentRequest(store_ids=["sc029"])),
        ("POST", RECEIPTS + "/customer_segment", {}),
        {"customers": [{"customer_id": "5c16e74a-0d7b-4bd0-9c1a-2ad0ae4f8c11", "purchases": 5}]},
    ),
]


@pytest.mark.parametrize(("name", "call", "expected", "answer"), CALLS, ids=[c[0] for c in CALLS])
def test_each_method_sends_its_operation_as_the_contract_says(
    dintero, client, name, call, expected, answer
):
    method, path, query = expected
    dintero.answer(path, ok(answer))
    result = call(client)
    request = dintero.last
    assert (request.method, request.url.path, dict(request.url.params)) == (method, path, query)
    assert request.headers["Authorization"] == "Bearer token-1"
    _fits_the_contract(request)
    assert result is not None


def test_bodies_carry_what_the_caller_gave(dintero, client):
    dintero.answer(RECEIPTS + "/all/714118", ok(example("Receipt")))
    dintero.answer(RECEIPTS + "/receipt-token", ok(example("Receipt")))
    dintero.answer(ONE + "/change_customer_id", ok(example("Receipt")))
    client.attach_customer("714118", CUSTOMER_ID)
    assert json.loads(dintero.last.content) == {"customer_id": CUSTOMER_ID}
    client.claim_receipt("tok", "C2")
    assert json.loads(dintero.last.content) == {"customer_id": "C2"}
    moved = client.change_customer_id(CUSTOMER_ID, "714118", "C3")
    assert json.loads(dintero.last.content) == {"customer_id": "C3"}
    assert isinstance(moved, m.Receipt) and moved.receipt_id == "714118"


def test_path_values_are_quoted_and_cannot_climb(dintero, client):
    dintero.answer(RECEIPTS + "/customers/a%2Fb/%2E%2E", ok(example("Receipt")))
    client.get_customer_receipt("a/b", "..")
    assert dintero.last.url.raw_path.decode() == RECEIPTS + "/customers/a%2Fb/%2E%2E"


def test_arguments_the_contract_forbids_are_refused_before_sending(dintero, client):
    empty = receipt().model_copy(update={"receipt_id": ""})
    with pytest.raises(ValueError):
        client.create_receipts([empty])
    with pytest.raises(ValueError):
        client.create_receipts([])
    with pytest.raises(ValueError):
        client.create_receipts([receipt()], token_expire_days=0)
    with pytest.raises(ValueError):
        client.get_customer_receipts(CUSTOMER_ID, limit=101)
    assert dintero.requests == []
    with pytest.raises(ValueError):
        make_config(account_id="X12345678")


# --- Creating receipts: a duplicate is an answer, not an error ---------------------------------


def test_created_receipts_are_returned(dintero, client):
    dintero.answer(RECEIPTS, ok(example("CreatedReceipts")))
    result = client.create_receipts([receipt()])
    assert (result.sent, result.duplicates, result.already_received) == (1, 0, False)
    assert result.receipts[0].id == "5c16e74a-0d7b-4bd0-9c1a-2ad0ae4f8c11"
    assert json.loads(dintero.last.content)[0]["receipt_id"] == "714118"
    assert "token_expire_days" not in dintero.last.url.params


def test_a_receipt_dintero_already_has_is_already_received(dintero, client):
    dintero.answer(RECEIPTS, ok(example("DuplicateReceipts")))
    result = client.create_receipts([receipt()])
    assert (result.sent, result.receipts, result.duplicates) == (1, [], 1)
    assert result.already_received


def test_a_duplicate_listed_with_the_existing_receipt_is_already_received(dintero, client):
    dintero.answer(RECEIPTS, ok({"receipts": [{"id": "existing"}], "duplicates": 1}))
    result = client.create_receipts([receipt()])
    assert result.already_received and result.receipts[0].id == "existing"


def test_a_409_on_create_is_already_received_too(dintero, client):
    dintero.answer(RECEIPTS, error(409, "receipt exists", code="DUPLICATE"))
    result = client.create_receipts([receipt()])
    assert result.already_received and result.duplicates == 1


def _refused_as_duplicates(*indexes: int) -> httpx2.Response:
    errors = [{"field": f"[{i}].receipt_id", "message": "exists"} for i in indexes]
    body = {"error": {"code": "duplicate_receipt", "message": "duplicate", "errors": errors}}
    return httpx2.Response(400, json=body)


def test_a_refusal_naming_every_receipt_a_duplicate_is_already_received(dintero, client):
    two = [receipt(), receipt().model_copy(update={"receipt_id": "2"})]
    dintero.answer(RECEIPTS, _refused_as_duplicates(0, 1))
    assert client.create_receipts(two).already_received
    dintero.answer(RECEIPTS, _refused_as_duplicates())
    assert client.create_receipts(two[:1]).already_received


def test_a_batch_refused_for_some_duplicates_raises(dintero, client):
    two = [receipt(), receipt().model_copy(update={"receipt_id": "2"})]
    dintero.answer(RECEIPTS, _refused_as_duplicates(1))
    with pytest.raises(DinteroRefused) as caught:
        client.create_receipts(two)
    assert caught.value.errors[0]["field"] == "[1].receipt_id"
    dintero.answer(RECEIPTS, error(409, "exists"))
    with pytest.raises(DinteroConflict):
        client.create_receipts(two)  # which of them? Dintero did not say


def test_other_refusals_of_a_create_raise(dintero, client):
    dintero.answer(RECEIPTS, error(400, "bad", code="VALIDATION"))
    with pytest.raises(DinteroRefused):
        client.create_receipts([receipt()])


def test_a_batch_with_some_duplicates_is_not_already_received(dintero, client):
    dintero.answer(RECEIPTS, ok({"receipts": [{"id": "a"}], "duplicates": 1}))
    result = client.create_receipts([receipt(), receipt().model_copy(update={"receipt_id": "2"})])
    assert (len(result.receipts), result.duplicates, result.already_received) == (1, 1, False)


# --- Tokens ------------------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_reused(dintero, client):
    dintero.answer(SEARCH, ok({"receipts": []}))
    for _ in range(3):
        client.search_receipts("714118")
    assert len(dintero.token_requests) == 1
    assert client.tokens.fetch_count == 1
    assert {r.headers["Authorization"] for r in dintero.requests} == {"Bearer token-1"}


def test_the_token_request_is_dinteros_client_credentials_grant(dintero, client):
    dintero.answer(SEARCH, ok({"receipts": []}))
    client.search_receipts("714118")
    [request] = dintero.token_requests
    assert request.method == "POST" and request.url.path == TOKEN_PATH
    assert basic_credentials(request) == (CLIENT_ID, CLIENT_SECRET)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "grant_type": "client_credentials",
        # Dintero's own address, also when the client talks to another host.
        "audience": f"https://api.dintero.com/v1/accounts/{ACCOUNT_ID}",
    }
    _fits_the_contract(request)


def test_a_configured_audience_is_sent(dintero, make_client):
    client = make_client(audience="https://example.invalid/aud")
    dintero.answer(SEARCH, ok({"receipts": []}))
    client.search_receipts("1")
    assert json.loads(dintero.token_requests[0].content)["audience"] == (
        "https://example.invalid/aud"
    )


def test_clients_sharing_a_store_share_the_token(dintero, make_client):
    store = MemoryTokenStore()
    first, second = make_client(store=store), make_client(store=store)
    dintero.answer(SEARCH, ok({"receipts": []}))
    first.search_receipts("1")
    second.search_receipts("1")
    assert len(dintero.token_requests) == 1
    assert second.tokens.fetch_count == 0


def test_a_refused_token_is_replaced_once(dintero, client):
    dintero.answer(SEARCH, ok({"receipts": []}))
    client.search_receipts("1")
    dintero.revoked.add("token-1")
    client.search_receipts("1")
    assert len(dintero.token_requests) == 2
    assert dintero.last.headers["Authorization"] == "Bearer token-2"


def test_a_fresh_token_refused_too_is_an_auth_error(dintero, client):
    dintero.answer(SEARCH, error(401, "bad token"))
    with pytest.raises(DinteroAuthError) as caught:
        client.search_receipts("1")
    assert caught.value.status == 401
    assert len(dintero.token_requests) == 2 and len(dintero.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refused_credentials_are_an_auth_error_without_the_secret(dintero, client, status):
    dintero.token_answers = [error(status, "invalid client")]
    with pytest.raises(DinteroAuthError) as caught:
        client.search_receipts("1")
    assert caught.value.status == status
    assert CLIENT_SECRET not in str(caught.value) and CLIENT_SECRET not in repr(caught.value)
    assert dintero.requests == []


def test_a_token_endpoint_outage_is_retried_for_any_operation(dintero, client, sleeps):
    dintero.token_answers = [
        httpx2.Response(503),
        ok({"access_token": "t", "token_type": "Bearer", "expires_in": 60}),
    ]
    dintero.answer(RECEIPTS, ok(example("CreatedReceipts")))
    client.create_receipts([receipt()])  # no API request went out, so even this may retry
    assert len(dintero.token_requests) == 2 and len(sleeps) == 1


def test_a_token_endpoint_that_stays_down_is_unavailable(dintero, client, sleeps):
    dintero.token_answers = [httpx2.ConnectError("down")]
    with pytest.raises(DinteroTokenUnavailable):
        client.search_receipts("1")
    assert len(dintero.token_requests) == 3 and dintero.requests == []


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"token_type": "Bearer", "expires_in": 60}, "access_token"),
        ({"access_token": "t", "token_type": "MAC", "expires_in": 60}, "token_type"),
        ({"access_token": "t", "token_type": "Bearer", "expires_in": 0}, "expires_in"),
    ],
)
def test_a_token_answer_that_breaks_the_contract_names_the_field(dintero, client, answer, field):
    dintero.token_answers = [ok(answer)]
    with pytest.raises(DinteroResponseError) as caught:
        client.search_receipts("1")
    assert caught.value.field == field


# --- Errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, DinteroRefused),
        (403, DinteroAuthError),
        (404, DinteroNotFound),
        (409, DinteroConflict),
        (422, DinteroRefused),
        (429, DinteroUnavailable),
        (500, DinteroUnavailable),
        (502, DinteroTimeout),  # a gateway gave up: the claim may have been made
        (503, DinteroUnavailable),
        (504, DinteroTimeout),
    ],
)
def test_each_status_has_its_error(dintero, client, sleeps, status, error_class):
    dintero.answer(RECEIPTS + "/receipt-token", error(status, code="SOME_CODE"))
    with pytest.raises(error_class) as caught:
        client.claim_receipt("eyJ.secret.receipt.token", CUSTOMER_ID)
    exc = caught.value
    assert type(exc) is error_class
    assert (exc.operation, exc.status, exc.code) == (
        "aid_receipts_receipt_token_post",
        status,
        "SOME_CODE",
    )
    text = str(exc)
    assert text.startswith("aid_receipts_receipt_token_post: HTTP ") and str(status) in text
    # Dintero's message (which quotes the customer id), the token and the secret stay out.
    assert exc.detail == "customer C13db4f63 is not allowed"
    for secret in (CUSTOMER_ID, "eyJ.secret.receipt.token", CLIENT_SECRET, "token-1"):
        assert secret not in text


def test_a_refusal_keeps_dinteros_nested_errors(dintero, client):
    body = {"error": {"message": "invalid", "code": "VALIDATION", "errors": [{"path": "x"}]}}
    dintero.answer(RECEIPTS, httpx2.Response(400, json=body))
    with pytest.raises(DinteroRefused) as caught:
        client.create_receipts([receipt()])
    assert caught.value.errors == [{"path": "x"}]


def test_an_error_page_that_is_not_json_still_maps_by_status(dintero, client):
    dintero.answer(ONE, httpx2.Response(404, text="<html>not found</html>"))
    with pytest.raises(DinteroNotFound) as caught:
        client.get_customer_receipt(CUSTOMER_ID, "714118")
    assert (caught.value.code, caught.value.detail) == (None, None)


def test_a_rate_limit_carries_retry_after(dintero, client, sleeps):
    dintero.answer(SEARCH, httpx2.Response(429, headers={"Retry-After": "30"}))
    with pytest.raises(DinteroUnavailable) as caught:
        client.search_receipts("1")
    assert caught.value.retry_after == 30.0


def test_an_answer_that_breaks_the_contract_names_the_field(dintero, client):
    broken = example("Receipt")
    del broken["store"]["id"]
    dintero.answer(ONE, ok(broken))
    with pytest.raises(DinteroResponseError) as caught:
        client.get_customer_receipt(CUSTOMER_ID, "714118")
    assert caught.value.field == "store.id"
    assert "store.id" in str(caught.value)
    dintero.answer(SEARCH, ok({"receipts": [{**example("Receipt"), "purchase_at": "never"}]}))
    with pytest.raises(DinteroResponseError) as caught:
        client.search_receipts("714118")
    assert caught.value.field == "receipts[0].purchase_at"


def test_an_answer_that_is_not_json_is_a_contract_violation(dintero, client):
    dintero.answer(SEARCH, httpx2.Response(200, text="<html>proxy</html>"))
    with pytest.raises(DinteroResponseError) as caught:
        client.search_receipts("1")
    assert caught.value.field == "(body)"


def test_every_error_is_a_dintero_error():
    for error_class in (
        DinteroAuthError,
        DinteroConflict,
        DinteroNotFound,
        DinteroRefused,
        DinteroResponseError,
        DinteroTimeout,
        DinteroTokenUnavailable,
        DinteroUnavailable,
    ):
        assert issubclass(error_class, DinteroError)
    assert issubclass(DinteroTimeout, DinteroUnavailable)
    assert issubclass(DinteroTokenUnavailable, DinteroUnavailable)


# --- Retries: idempotent calls only ------------------------------------------------------------


def test_a_read_is_retried_after_a_5xx(dintero, client, sleeps):
    dintero.answer(SEARCH, httpx2.Response(503), httpx2.Response(502), ok({"receipts": []}))
    assert client.search_receipts("1").receipts == []
    assert len(dintero.requests) == 3 and len(sleeps) == 2


def test_a_read_is_retried_after_a_lost_answer(dintero, client, sleeps):
    dintero.answer(ONE, httpx2.ReadTimeout("slow"), ok(example("Receipt")))
    client.get_customer_receipt(CUSTOMER_ID, "714118")
    assert len(dintero.requests) == 2


def test_retries_are_bounded(dintero, client, sleeps):
    dintero.answer(SEARCH, httpx2.Response(503))
    with pytest.raises(DinteroUnavailable):
        client.search_receipts("1")
    assert len(dintero.requests) == 3 and len(sleeps) == 2
    assert all(0 <= wait <= 0.005 for wait in sleeps)


@pytest.mark.parametrize(
    ("name", "call", "path"),
    [
        ("create", lambda c: c.create_receipts([receipt()]), RECEIPTS),
        ("attach", lambda c: c.attach_customer("714118", CUSTOMER_ID), RECEIPTS + "/all/714118"),
        ("move", lambda c: c.change_customer_id(CUSTOMER_ID, "714118", "C2"), ONE + "/change_customer_id"),  # noqa: E501
        ("claim", lambda c: c.claim_receipt("tok", CUSTOMER_ID), RECEIPTS + "/receipt-token"),
    ],
)  # fmt: skip
def test_a_write_is_not_retried_once_it_may_have_arrived(dintero, client, sleeps, name, call, path):
    dintero.answer(path, httpx2.Response(503))
    with pytest.raises(DinteroUnavailable):
        call(client)
    dintero.answer(path, httpx2.ReadTimeout("slow"))
    with pytest.raises(DinteroTimeout):
        call(client)
    assert len(dintero.requests) == 2 and sleeps == []


def test_a_write_is_retried_when_it_certainly_did_not_arrive(dintero, client, sleeps):
    dintero.answer(
        RECEIPTS,
        httpx2.ConnectError("refused"),
        httpx2.Response(429),
        ok(example("CreatedReceipts")),
    )
    assert client.create_receipts([receipt()]).receipts
    assert len(dintero.requests) == 3 and len(sleeps) == 2


def test_a_deadline_stops_retries_that_would_not_fit(dintero, client, sleeps):
    dintero.answer(SEARCH, httpx2.Response(503, headers={"Retry-After": "10"}))
    with pytest.raises(DinteroUnavailable):
        client.with_deadline(2.0).search_receipts("1")
    assert len(dintero.requests) == 1
    assert client.deadline is None  # the original client keeps no deadline


# --- Logs --------------------------------------------------------------------------------------


def test_log_lines_carry_no_customer_id_token_or_secret(dintero, client, caplog):
    dintero.answer(RECEIPTS + "/receipt-token", ok(example("Receipt")))
    dintero.answer(ONE, ok(example("Receipt")))
    with caplog.at_level(logging.DEBUG):
        client.get_receipt_by_token("eyJ.secret.receipt.token")
        client.get_customer_receipt(CUSTOMER_ID, "714118")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "HTTP Request: GET https://api.dintero.invalid/v1/accounts/…" in text
    assert "GET /accounts/{aid}/receipts/customers/{customer_id}/{receipt_id} -> 200" in text
    for secret in ("eyJ.secret.receipt.token", CUSTOMER_ID, CLIENT_SECRET, "token-1"):
        assert secret not in text
