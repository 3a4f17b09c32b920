"""``coupontools-v3.yaml`` is a well-formed OpenAPI 3.0 document of the two operations we use.

No OpenAPI 3.0 document validator is among the dependencies, so the specification's rules are
checked here one by one; each schema is also checked against the JSON Schema meta-schema, and
each example against the schemas of the answers it is given for.
"""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS30Validator

from django_diller.coupontools.openapi import BASE_PATH, load_spec, operation_ids
from tests.contract_support import OPERATION_KEYS, SCHEMA_KEYWORDS, Document, schemas, walk

SPEC = load_spec()
COMPONENTS = SPEC["components"]
DOCUMENT = Document(SPEC)
BODY_TYPES = {"application/x-www-form-urlencoded", "application/json"}
_operations, _lookup, _resolve = DOCUMENT.operations, DOCUMENT.lookup, DOCUMENT.resolve
_walk, _errors = walk, DOCUMENT.errors


def _all_schemas():
    yield from DOCUMENT.schemas()
    for name, response in COMPONENTS["responses"].items():
        for media, content in response.get("content", {}).items():
            yield from schemas(content["schema"], f"#/components/responses/{name}/{media}")


ALL_SCHEMAS = list(_all_schemas())


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def test_it_is_openapi_3_0_with_the_host_as_server_and_v3_paths():
    assert re.fullmatch(r"3\.0\.\d+", SPEC["openapi"])
    assert SPEC["info"]["version"] == "v3"
    assert [server["url"] for server in SPEC["servers"]] == ["https://api.coupontools.com"]
    assert BASE_PATH == ""
    assert set(SPEC["paths"]) == {"/v3/couponsession/data", "/v3/couponsession/update"}


def test_what_is_assumed_is_named_as_such():
    description = SPEC["info"]["description"]
    assert "## What is assumed (not in the guide)" in description
    for assumed in ("X-Client-Id", "X-Client-Secret", "301", "1000", "`action`", "form"):
        assumed_part = description.split("## What is assumed")[1]
        assert assumed in assumed_part, assumed


def test_every_reference_resolves():
    refs = [(w, n["$ref"]) for w, n in _walk(SPEC) if isinstance(n.get("$ref"), str)]
    assert len(refs) > 20
    for where, ref in refs:
        assert ref.startswith("#/components/"), where
        _lookup(ref)  # raises KeyError when dangling


def test_operations_are_well_formed_posts_of_a_form_or_json():
    assert operation_ids() == ["couponsession_data", "couponsession_update"]
    for _path, method, operation in _operations():
        assert method == "post"
        assert set(operation) - OPERATION_KEYS <= {k for k in operation if k.startswith("x-")}
        assert set(operation["responses"]) == {"200", "default"}
        for response in operation["responses"].values():
            assert "description" in _resolve(response)
        body = operation["requestBody"]
        assert body["required"] is True
        assert set(body["content"]) == BODY_TYPES
        # The form and the JSON object carry the same fields.
        assert len({str(media["schema"]) for media in body["content"].values()}) == 1
        assert "parameters" not in operation


def test_both_credentials_go_in_headers_on_every_call():
    assert SPEC["security"] == [{"ClientId": [], "ClientSecret": []}]
    schemes = COMPONENTS["securitySchemes"]
    assert {(s["type"], s["in"], s["name"]) for s in schemes.values()} == {
        ("apiKey", "header", "X-Client-Id"),
        ("apiKey", "header", "X-Client-Secret"),
    }
    assert not any("security" in operation for _, _, operation in _operations())


@pytest.mark.parametrize(("where", "schema"), ALL_SCHEMAS, ids=[w for w, _ in ALL_SCHEMAS])
def test_every_schema_is_an_openapi_3_0_schema(where, schema):
    assert set(schema) - SCHEMA_KEYWORDS <= {k for k in schema if k.startswith("x-")}, where
    if "type" in schema:
        assert schema["type"] in {"string", "number", "integer", "boolean", "array", "object"}
    if "$ref" in schema:  # OpenAPI 3.0 ignores a reference's siblings
        assert set(schema) == {"$ref"}, where
    if "pattern" in schema:
        re.compile(schema["pattern"])
    OAS30Validator.check_schema(schema)


def test_every_property_example_fits_its_property():
    checked = 0
    for where, schema in ALL_SCHEMAS:
        if "example" in schema:
            assert _errors(schema, schema["example"]) == [], where
            checked += 1
    assert checked >= 8


def _example_uses():
    """(example name, the schema of the answer it is given for) for every use."""
    places = [*_walk(SPEC["paths"], "#/paths"), *_walk(COMPONENTS["responses"], "#/responses")]
    for where, media in places:
        for use in (media.get("examples") or {}).values():
            yield use["$ref"].rsplit("/", 1)[-1], media["schema"], where


EXAMPLE_USES = list(_example_uses())


@pytest.mark.parametrize(
    ("name", "schema", "where"), EXAMPLE_USES, ids=[f"{n}@{w}" for n, _, w in EXAMPLE_USES]
)
def test_every_example_fits_the_answer_it_is_given_for(name, schema, where):
    assert _errors(schema, COMPONENTS["examples"][name]["value"]) == []


def test_every_named_example_is_used():
    assert {name for name, _, _ in EXAMPLE_USES} == set(COMPONENTS["examples"])


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("SessionClaimed", "SessionAnswer"),
        ("SessionValidated", "SessionAnswer"),
        ("SessionLocked", "SessionAnswer"),
        ("Locked", "UpdateAnswer"),
        ("Validated", "UpdateAnswer"),
        ("MissingParameter", "ErrorAnswer"),
        ("InvalidCharacter", "ErrorAnswer"),
        ("InvalidCharacterInAction", "ErrorAnswer"),
        ("SessionNotFound", "ErrorAnswer"),
        ("AuthenticationFailed", "ErrorAnswer"),
    ],
)
def test_examples_are_success_or_error_not_both(name, schema):
    value = COMPONENTS["examples"][name]["value"]
    assert _errors(_ref(schema), value) == []
    other = "SessionAnswer" if schema == "ErrorAnswer" else "ErrorAnswer"
    assert _errors(_ref(other), value) != []


def test_the_guides_example_is_kept_with_its_session_typo_mended():
    value = COMPONENTS["examples"]["SessionClaimed"]["value"]
    assert value["session"] == "kkfiznr8Yp8630h82es8d"
    assert value["session_url"].endswith("/" + value["session"])
    assert value["data"]["campaign"]["code"] == value["session_url"].split("/")[-2]
    assert value["data"]["status"]["validated"] == "0"
    assert value["data"]["status"]["validation_date_utc"] == ""


def test_the_guides_error_codes_have_examples():
    codes = {
        example["value"]["status"]["error_code"]
        for example in COMPONENTS["examples"].values()
        if example["value"]["status"]["status"] != "OK"
    }
    assert codes == {200, 300, 301, 513, 1000}


def test_an_error_with_status_ok_is_not_an_error():
    error = _ref("ErrorAnswer")
    ok = {"status": {"status": "OK", "error_code": 513}}
    assert _errors(error, ok) != []
    assert _errors(error, {"status": {"status": "ERROR"}}) == [
        "'error_code' is a required property"
    ]
    assert _errors(error, {"status": {"status": "ERROR", "error_code": "513"}}) == []
    assert _errors(error, {"status": {"status": "ERROR", "error_code": "x"}}) != []


def test_a_session_state_needs_its_three_flags_as_0_or_1():
    state = _ref("SessionState")
    assert set(_lookup("#/components/schemas/SessionState")["required"]) == {
        "validated",
        "locked",
        "voided",
    }
    good = {"validated": "0", "locked": "1", "voided": "0"}
    assert _errors(state, good) == []
    assert _errors(state, {**good, "validated": "yes"}) != []
    assert _errors(state, {**good, "validated": 1}) != []
    assert _errors(state, {**good, "unknown_field": {"kept": True}}) == []


@pytest.mark.parametrize(
    ("value", "valid"),
    [("", True), (None, True), ("2019-03-25 10:44:05", True), ("0000-00-00 00:00:00", True),
     ("2019-03-25", False), ("2019-03-25T10:44:05Z", False), ("yesterday", False)],
)  # fmt: skip
def test_dates_are_the_guides_format_or_empty(value, valid):
    assert (_errors(_ref("DateTime"), value) == []) is valid


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "validate"}, True),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "validate",
          "money_spent": "499.000"}, True),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "lock"}, True),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "unlock"}, True),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "void"}, True),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "redeem"}, False),
        ({"couponsession": "kkfiznr8Yp8630h82es8d"}, False),
        ({"action": "lock"}, False),
        ({"couponsession": "kkfi znr8", "action": "lock"}, False),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "validate",
          "money_spent": "499.00"}, False),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "validate",
          "money_spent": "499,000"}, False),
        ({"couponsession": "kkfiznr8Yp8630h82es8d", "action": "validate",
          "money_spent": "-1.000"}, False),
    ],
)  # fmt: skip
def test_the_update_takes_a_session_an_action_and_money_spent_as_0_000(body, valid):
    assert (_errors(_ref("UpdateRequest"), body) == []) is valid


def test_the_look_up_takes_couponsession():
    request = _ref("SessionRequest")
    assert _errors(request, {"couponsession": "kkfiznr8Yp8630h82es8d"}) == []
    assert _errors(request, {}) == ["'couponsession' is a required property"]
