"""Errors in the document's style, with our codes: unknown ids (404), a taken id (409), invalid
bodies naming the field (400), and the rest of HTTP's refusals, each as JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from django_diller.discountapi.api import codes
from django_diller.discountapi.models import Discount

from .conftest import EXAMPLE, example, status_of


def error(response) -> tuple[int, str, list]:
    body = response.json()
    return response.status_code, body["apiResponseStatus"]["responseCode"], body["errors"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/discounts/nope", None),
        ("PATCH", "/discounts/nope", {"rate": 1}),
        ("DELETE", "/discounts/nope", None),
        ("POST", "/discounts/nope/combinableWith", {"combinableWith": ["d2"]}),
        ("DELETE", "/discounts/nope/combinableWith/d2", None),
        ("POST", "/discounts/nope/stores", {"stores": ["1"]}),
        ("DELETE", "/discounts/nope/stores/1", None),
        ("POST", "/discounts/nope/distchains", {"distChains": ["DE01"]}),
        ("DELETE", "/discounts/nope/distchains/DE01", None),
        ("GET", "/discounts/" + "x" * 65, None),
        ("GET", "/discounts/a%00b", None),
    ],
)
def test_an_unknown_discount_is_404_E04040(api, created, method, path, body):
    response = api.call(method, path, body)
    assert error(response) == (404, "E04040", [])
    assert status_of(response)["message"] == "No discount has this id."


@pytest.mark.parametrize(
    "path",
    ["/discounts/d1/combinableWith/d9", "/discounts/d1/stores/1", "/discounts/d1/distchains/X"],
)
def test_removing_an_id_the_list_lacks_is_404_E04041(api, created, path):
    assert error(api.delete(path)) == (404, "E04041", [])
    assert Discount.objects.get().to_document() == EXAMPLE


def test_a_taken_id_is_409_E04090_and_changes_nothing(api, created):
    response = api.post("/discounts", example(name="Another"))
    assert error(response) == (409, "E04090", [])
    assert Discount.objects.get().name == "Example discount"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in EXAMPLE.items() if k != "name"}, "name"),
        ({k: v for k, v in EXAMPLE.items() if k != "discountId"}, "discountId"),
        (example(discountId=""), "discountId"),
        (example(discountId="a/b"), "discountId"),
        (example(discountId="   "), "discountId"),
        (example(discountId="x" * 65), "discountId"),
        (example(name=""), "name"),
        (example(rate=-1), "rate"),
        (example(rate="many"), "rate"),
        # JSON's types as the document writes them, never converted.
        (example(rate="500"), "rate"),
        (example(rate=500.0), "rate"),
        (example(rate=True), "rate"),
        (example(name=5), "name"),
        (example(type=1), "type"),
        (example(properties={"automatic": 1}), "properties.automatic"),
        (example(properties={"employee": "true"}), "properties.employee"),
        (example(locationValidity={"stores": [9999]}), "locationValidity.stores[0]"),
        (example(temporalValidity={"validFromTime": "0500"}), "temporalValidity.validFromTime"),
        (example(temporalValidity={"validFromDate": 20200704}), "temporalValidity.validFromDate"),
        (example(rate=10001), "rate"),  # RELATIVE: at most 100.00 %
        (example(rate=2**31), "rate"),
        (example(type="PERCENT"), "type"),
        (example(properties={"automatic": "often"}), "properties.automatic"),
        (example(properties={"combinableWith": "d2"}), "properties.combinableWith"),
        (example(properties={"combinableWith": ["d2", "d2"]}), "properties.combinableWith"),
        (example(properties={"combinableWith": ["ok", ""]}), "properties.combinableWith[1]"),
        (example(temporalValidity={"validFromTime": 2400}), "temporalValidity.validFromTime"),
        (example(temporalValidity={"validUntilTime": 2401}), "temporalValidity.validUntilTime"),
        (example(temporalValidity={"validFromTime": 575}), "temporalValidity.validFromTime"),
        (
            example(temporalValidity={"validFromTime": 500, "validUntilTime": 500}),
            "temporalValidity.validUntilTime",
        ),
        (
            example(
                temporalValidity={"validFromDate": "2030-01-02", "validUntilDate": "2030-01-01"}
            ),
            "temporalValidity.validUntilDate",
        ),
        (
            example(temporalValidity={"validFromDate": "04.07.2020"}),
            "temporalValidity.validFromDate",
        ),
        (example(temporalValidity={"dayOfWeekList": ["MON"]}), "temporalValidity.dayOfWeekList[0]"),
        (
            example(temporalValidity={"dayOfWeekList": ["MONDAY", "MONDAY"]}),
            "temporalValidity.dayOfWeekList",
        ),
        (example(locationValidity={"stores": [None]}), "locationValidity.stores[0]"),
        (example(locationValidity={"distChains": ["a/b"]}), "locationValidity.distChains[0]"),
        (example(locationValidity={"stores": ["\x00"]}), "locationValidity.stores[0]"),
        (example(validFromDate="2020-01-01"), "validFromDate"),  # misplaced: outside its part
        (example(properties={"automatik": True}), "properties.automatik"),
        (example(properties=None), "properties"),
        ([EXAMPLE], None),
        ('"just text"', None),  # JSON, but no object
    ],
)
def test_an_invalid_body_is_400_E04001_naming_the_field(api, body, field):
    response = api.post("/discounts", body)
    code, response_code, errors = error(response)
    assert (code, response_code) == (400, "E04001")
    assert errors[0]["field"] == field
    assert errors[0]["message"]
    if field:
        assert f"({field}: " in status_of(response)["message"]
    assert not Discount.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rate": 20000}, "rate"),  # the stored type is RELATIVE
        ({"type": "BOGUS"}, "type"),
        ({"discountId": "d2"}, "discountId"),  # not changeable
        ({"temporalValidity": {"validFromTime": 2300}}, "temporalValidity.validUntilTime"),
        ({"temporalValidity": {"validFromDate": "2100-01-01"}}, "temporalValidity.validUntilDate"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_an_invalid_change_is_400_naming_the_field_and_changes_nothing(api, created, body, field):
    code, response_code, errors = error(api.patch("/discounts/d1", body))
    assert (code, response_code, errors[0]["field"]) == (400, "E04001", field)
    assert Discount.objects.get().to_document() == EXAMPLE


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/discounts/d1/combinableWith", {"combinableWith": []}, "combinableWith"),
        ("/discounts/d1/combinableWith", {}, "combinableWith"),
        ("/discounts/d1/stores", {"stores": ["ok", "a/b"]}, "stores[1]"),
        ("/discounts/d1/stores", {"store": ["1"]}, "store"),
        ("/discounts/d1/distchains", {"distChains": "DE02"}, "distChains"),
    ],
)
def test_an_invalid_list_body_is_400_naming_the_field(api, created, path, body, field):
    code, response_code, errors = error(api.post(path, body))
    assert (code, response_code, errors[0]["field"]) == (400, "E04001", field)
    assert Discount.objects.get().to_document() == EXAMPLE


def test_malformed_json_is_400_E04002(api):
    response = api.post("/discounts", '{"discountId": "d1",')
    assert error(response) == (400, "E04002", [])


def test_a_body_that_is_not_json_is_415_E04150(api):
    response = api.post(
        "/discounts", "discountId=d1", content_type="application/x-www-form-urlencoded"
    )
    assert error(response) == (415, "E04150", [])


def test_an_unsupported_method_is_405_E04050_with_allow(api, created):
    response = api.call("PUT", "/discounts/d1", EXAMPLE)
    assert error(response) == (405, "E04050", [])
    assert response["Allow"] == "GET, PATCH, DELETE, HEAD"
    assert error(api.call("OPTIONS", "/discounts/d1"))[:2] == (405, "E04050")
    assert error(api.get("/discounts/d1/stores"))[:2] == (405, "E04050")


def test_a_bad_page_is_400_E04003_naming_the_parameter(api):
    response = api.get("/discounts?pageSize=1000")
    assert error(response)[:2] == (400, "E04003")
    assert error(response)[2][0]["field"] == "pageSize"
    assert error(api.get("/discounts?page=x"))[2][0]["field"] == "page"
    assert error(api.get("/discounts?page=0"))[2][0]["field"] == "page"


def test_messages_follow_the_requests_language_but_the_documents_do_not(api, created):
    response = api.get("/discounts/d1", headers={"Accept-Language": "nb"})
    assert status_of(response)["message"] == "Retrieved successfully"


def test_a_client_that_takes_no_json_is_406_E04060(api, created):
    response = api.get("/discounts/d1", headers={"Accept": "text/html"})
    assert error(response) == (406, "E04060", [])


def test_the_docs_table_lists_every_error_code():
    table = (Path(__file__).resolve().parents[3] / "docs" / "discount-api.md").read_text()
    listed = set(re.findall(r"^\| `(E\d{5})` \| (\d)", table, flags=re.MULTILINE))
    assert {code for code, _status in listed} == {status.code for status in codes.ERRORS}
    for status in codes.ERRORS:
        assert (status.code, str(status.http_status)[0]) in listed
