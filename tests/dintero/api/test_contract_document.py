"""``dintero-receipts.yaml`` is a well-formed OpenAPI 3.0 document, faithful to Dintero's.

No OpenAPI 3.0 document validator is among the dependencies, so the rules of the
specification that a Swagger 2.0 conversion can break are checked here one by one; each schema
is also checked against the JSON Schema meta-schema, and each example against its schema.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from openapi_schema_validator import OAS30Validator

from django_diller.dintero.openapi import BASE_PATH, load_spec, operation_ids
from tests.contract_support import OPERATION_KEYS, SCHEMA_KEYWORDS, Document, schemas, walk

SPEC = load_spec()
COMPONENTS = SPEC["components"]
DOCUMENT = Document(SPEC)
PARAMETER_KEYS = {
    "name", "in", "description", "required", "deprecated", "allowEmptyValue", "style",
    "explode", "allowReserved", "schema", "example", "examples", "content",
}  # fmt: skip
_operations, _lookup, _resolve = DOCUMENT.operations, DOCUMENT.lookup, DOCUMENT.resolve
_walk, _validator = walk, DOCUMENT.validator


def _all_schemas():
    yield from DOCUMENT.schemas()
    for name, parameter in COMPONENTS["parameters"].items():
        yield from schemas(parameter["schema"], f"#/components/parameters/{name}/schema")


ALL_SCHEMAS = list(_all_schemas())


def test_it_is_openapi_3_0_with_the_documents_server_and_base_path():
    assert re.fullmatch(r"3\.0\.\d+", SPEC["openapi"])
    assert SPEC["info"]["title"] == "Receipts API"
    assert SPEC["info"]["version"] == "LATEST"
    assert [server["url"] for server in SPEC["servers"]] == ["https://api.dintero.com/v1"]
    # Swagger's basePath /v1 is the server's path; the paths themselves do not repeat it.
    assert urlsplit(SPEC["servers"][0]["url"]).path == BASE_PATH == "/v1"
    assert all(path.startswith("/accounts/{aid}/") for path in SPEC["paths"])
    assert not any(key in SPEC for key in ("swagger", "basePath", "definitions", "consumes"))


def test_every_reference_resolves():
    refs = [(w, n["$ref"]) for w, n in _walk(SPEC) if isinstance(n.get("$ref"), str)]
    assert len(refs) > 50
    for where, ref in refs:
        assert ref.startswith("#/components/"), where
        _lookup(ref)  # raises KeyError when dangling


def test_operations_are_well_formed():
    ids = operation_ids()
    assert len(ids) == len(set(ids)) == 10
    for path, _method, operation in _operations():
        assert set(operation) - OPERATION_KEYS <= {k for k in operation if k.startswith("x-")}
        assert operation["responses"], operation["operationId"]
        for status, response in operation["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d|default", status)
            assert "description" in _resolve(response)
        parameters = [_resolve(p) for p in operation.get("parameters", [])]
        for parameter in parameters:
            assert set(parameter) <= PARAMETER_KEYS, parameter["name"]
            assert parameter["in"] in {"path", "query", "header", "cookie"}
            assert "schema" in parameter
            if parameter["in"] == "path":
                assert parameter["required"] is True
        declared = {p["name"] for p in parameters if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), operation["operationId"]
        if "requestBody" in operation:
            assert set(operation["requestBody"]["content"]) == {"application/json"}
        for scheme in operation.get("security", SPEC["security"]):
            assert set(scheme) <= set(COMPONENTS["securitySchemes"])


@pytest.mark.parametrize(("where", "schema"), ALL_SCHEMAS, ids=[w for w, _ in ALL_SCHEMAS])
def test_every_schema_is_an_openapi_3_0_schema(where, schema):
    assert set(schema) - SCHEMA_KEYWORDS <= {k for k in schema if k.startswith("x-")}, where
    assert not {"x-nullable", "x-anyOf"} & set(schema)
    if "type" in schema:  # one type, never a list of them
        assert schema["type"] in {"string", "number", "integer", "boolean", "array", "object"}
    if schema.get("type") == "array":
        assert "items" in schema, where
    if "$ref" in schema:  # OpenAPI 3.0 ignores a reference's siblings
        assert set(schema) == {"$ref"}, where
    if "format" in schema:  # a regular expression belongs in ``pattern``
        assert not schema["format"].startswith("^"), where
    if "pattern" in schema:
        re.compile(schema["pattern"])
    OAS30Validator.check_schema(schema)


def test_every_property_example_fits_its_property():
    checked = 0
    for where, schema in ALL_SCHEMAS:
        if "example" in schema:
            errors = [e.message for e in _validator(schema).iter_errors(schema["example"])]
            assert errors == [], where
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("NewReceipt", "Receipt"),
        ("Receipt", "Receipt"),
        ("CustomerReceipts", None),
        ("CreatedReceipts", None),
        ("DuplicateReceipts", None),
        ("AccessToken", "AccessToken"),
        ("Error", "Error"),
    ],
)
def test_every_named_example_fits_its_schema(name, schema):
    value = COMPONENTS["examples"][name]["value"]
    if schema is None:  # an answer's inline schema: found where the example is used
        uses = [
            media["schema"]
            for _, media in _walk(SPEC["paths"])
            for use in (media.get("examples") or {}).values()
            if use.get("$ref") == f"#/components/examples/{name}"
        ]
        assert uses, name
        target = uses[0]
    else:
        target = {"$ref": f"#/components/schemas/{schema}"}
    assert [e.message for e in _validator(target).iter_errors(value)] == []


def test_a_receipt_without_its_required_properties_is_refused():
    receipt = {"$ref": "#/components/schemas/Receipt"}
    errors = {e.message for e in _validator(receipt).iter_errors({"customer_id": "C1"})}
    assert errors == {
        f"'{p}' is a required property" for p in ("store", "receipt_id", "purchase_at")
    }


@pytest.mark.parametrize(
    ("aid", "valid"),
    [("T12345678", True), ("P00000001", True), ("X12345678", False), ("T1234567", False),
     ("T123456789", False), ("t12345678", False), ("T1234567a", False)],
)  # fmt: skip
def test_the_account_id_is_t_or_p_and_eight_digits(aid, valid):
    schema = COMPONENTS["parameters"]["accountId"]["schema"]
    assert schema["pattern"] == r"^[TP]\d{8}$"
    assert _validator(schema).is_valid(aid) is valid


def test_the_documents_operations_paths_and_names_are_kept():
    expected = {
        ("post", "/accounts/{aid}/auth/token"): "aid_auths_oauth_token_post",
        ("post", "/accounts/{aid}/receipts"): "aid_receipts_post",
        ("put", "/accounts/{aid}/receipts/all/{receipt_id}"): "aid_receipts_update_put",
        ("post", "/accounts/{aid}/receipts/customer_segment"): "aid_receipts_customer_segment_post",
        ("get", "/accounts/{aid}/receipts/customers/{customer_id}"): (
            "aid_receipts_customers_cid_get"
        ),
        ("get", "/accounts/{aid}/receipts/customers/{customer_id}/{receipt_id}"): (
            "aid_receipts_customers_cid_rid_get"
        ),
        (
            "post",
            "/accounts/{aid}/receipts/customers/{customer_id}/{receipt_id}/change_customer_id",
        ): "aid_receipts_customers_cid_rid_change_customer_id_post",
        ("post", "/accounts/{aid}/receipts/receipt-token"): "aid_receipts_receipt_token_post",
        ("get", "/accounts/{aid}/receipts/receipt-token"): "aid_receipts_receipt_token_get",
        ("get", "/accounts/{aid}/receipts/search"): "aid_receipts_rid_get",
    }
    assert {(m, p): o["operationId"] for p, m, o in _operations()} == expected


def test_the_token_operation_takes_basic_credentials_and_a_client_credentials_grant():
    operation = SPEC["paths"]["/accounts/{aid}/auth/token"]["post"]
    [scheme] = operation["security"]
    assert COMPONENTS["securitySchemes"][next(iter(scheme))] == {
        "type": "http",
        "scheme": "basic",
        "description": "The client id and the client secret, for the token operation only.\n",
    }
    grant = COMPONENTS["schemas"]["ClientCredentialsGrant"]
    assert grant["properties"]["grant_type"]["enum"] == ["client_credentials"]
    assert set(grant["required"]) == {"grant_type", "audience"}
    assert set(COMPONENTS["schemas"]["AccessToken"]["required"]) == {
        "access_token",
        "token_type",
        "expires_in",
    }


def test_creating_receipts_takes_an_array_and_answers_the_duplicates():
    operation = SPEC["paths"]["/accounts/{aid}/receipts"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert body["items"]["allOf"][1]["properties"]["receipt_id"]["minLength"] == 1
    [days] = [p for p in operation["parameters"] if p.get("name") == "token_expire_days"]
    assert days["in"] == "query" and days["schema"] == {"type": "integer", "minimum": 1}
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["duplicates"] == {"type": "integer"}
    assert "409" not in operation["responses"]  # Dintero answers a duplicate with 200
