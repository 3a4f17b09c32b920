"""The document's walk-through, call by call: each answer is the document's example answer,
with its response code, and each path is the document's."""

from __future__ import annotations

import copy

from .conftest import EXAMPLE, status_of

RETRIEVED = {"responseCode": "I04002", "message": "Retrieved successfully"}
UPDATED = {"responseCode": "I04003", "message": "Updated successfully"}


def document(**changes) -> dict:
    """The document's example discount after ``changes`` (dotted paths)."""
    result = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = result
        for parent in parents:
            target = target[parent]
        target[last] = value
    return result


def test_the_documents_walk_through(api):
    # Create a discount: I04001, the body echoed.
    response = api.post("/discounts", EXAMPLE)
    assert response.status_code == 201
    assert response.json() == {
        **EXAMPLE,
        "apiResponseStatus": {"responseCode": "I04001", "message": "Created successfully"},
    }
    assert response["Location"] == "http://testserver/api/discounts/d1"

    # Get a discount: I04002.
    response = api.get("/discounts/d1")
    assert response.status_code == 200
    assert response.json() == {**EXAMPLE, "apiResponseStatus": RETRIEVED}

    # Update a discount: only the rate, I04003.
    response = api.patch("/discounts/d1", {"rate": 1000})
    assert response.status_code == 200
    assert response.json() == {**document(rate=1000), "apiResponseStatus": UPDATED}

    # Combinable with d4 and d5, after d2 and d3.
    response = api.post("/discounts/d1/combinableWith", {"combinableWith": ["d4", "d5"]})
    assert response.status_code == 200
    combinable = ["d2", "d3", "d4", "d5"]
    assert response.json() == {
        **document(rate=1000, **{"properties.combinableWith": combinable}),
        "apiResponseStatus": UPDATED,
    }

    # No longer combinable with d5.
    response = api.delete("/discounts/d1/combinableWith/d5")
    assert response.status_code == 200
    expected = document(rate=1000, **{"properties.combinableWith": ["d2", "d3", "d4"]})
    assert response.json() == {**expected, "apiResponseStatus": UPDATED}

    # Stores 9998 and 9997 added, then 9997 removed.
    response = api.post("/discounts/d1/stores", {"stores": ["9998", "9997"]})
    assert response.status_code == 200
    expected["locationValidity"]["stores"] = ["9999", "9998", "9997"]
    assert response.json() == {**expected, "apiResponseStatus": UPDATED}
    response = api.delete("/discounts/d1/stores/9997")
    assert response.status_code == 200
    expected["locationValidity"]["stores"] = ["9999", "9998"]
    assert response.json() == {**expected, "apiResponseStatus": UPDATED}

    # Distribution chains DE02 and DE03 added, then DE03 removed.
    response = api.post("/discounts/d1/distchains", {"distChains": ["DE02", "DE03"]})
    assert response.status_code == 200
    expected["locationValidity"]["distChains"] = ["DE01", "DE02", "DE03"]
    assert response.json() == {**expected, "apiResponseStatus": UPDATED}
    response = api.delete("/discounts/d1/distchains/DE03")
    assert response.status_code == 200
    expected["locationValidity"]["distChains"] = ["DE01", "DE02"]
    assert response.json() == {**expected, "apiResponseStatus": UPDATED}

    # What is stored is what was answered.
    assert api.get("/discounts/d1").json() == {**expected, "apiResponseStatus": RETRIEVED}

    # Delete a discount: I04004 and nothing else.
    response = api.delete("/discounts/d1")
    assert response.status_code == 200
    assert response.json() == {
        "apiResponseStatus": {"responseCode": "I04004", "message": "Deleted successfully"}
    }
    assert api.get("/discounts/d1").status_code == 404


def test_adding_ids_it_holds_already_repeats_none(api, created):
    response = api.post("/discounts/d1/stores", {"stores": ["9999", "9998", "9998"]})
    assert response.status_code == 200
    assert response.json()["locationValidity"]["stores"] == ["9999", "9998"]


def test_a_discount_needs_only_id_name_rate_and_type(api):
    body = {"discountId": "min", "name": "Minimal", "rate": 250, "type": "ABSOLUTE"}
    response = api.post("/discounts", body)
    assert response.status_code == 201
    assert response.json() == {
        **body,
        "properties": {
            "automatic": False,
            "manualRate": False,
            "employee": False,
            "calculatedFromBasePrice": False,
            "combinableWith": [],
        },
        "temporalValidity": {
            "validFromDate": None,
            "validUntilDate": None,
            "validFromTime": None,
            "validUntilTime": None,
            "dayOfWeekList": [],
        },
        "locationValidity": {"stores": [], "distChains": []},
        "apiResponseStatus": status_of(response),
    }


def test_patch_changes_only_what_it_names_even_inside_a_part(api, created):
    response = api.patch(
        "/discounts/d1",
        {"properties": {"automatic": True}, "temporalValidity": {"validUntilTime": 200}},
    )
    assert response.status_code == 200
    expected = document(**{"properties.automatic": True, "temporalValidity.validUntilTime": 200})
    assert {k: v for k, v in response.json().items() if k != "apiResponseStatus"} == expected


def test_patch_replaces_a_list_and_clears_with_null(api, created):
    response = api.patch(
        "/discounts/d1",
        {
            "locationValidity": {"stores": []},
            "temporalValidity": {"validFromDate": None, "dayOfWeekList": ["MONDAY"]},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["locationValidity"] == {"stores": [], "distChains": ["DE01"]}
    assert body["temporalValidity"]["validFromDate"] is None
    assert body["temporalValidity"]["dayOfWeekList"] == ["MONDAY"]


def test_patch_may_send_the_discount_back_as_read(api, created):
    body = api.get("/discounts/d1").json()
    body["name"] = "Renamed"
    response = api.patch("/discounts/d1", body)
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["discountId"] == "d1"


def test_every_path_answers_with_a_trailing_slash_too(api, created):
    assert api.get("/discounts/").status_code == 200
    assert status_of(api.get("/discounts/d1/"))["responseCode"] == "I04002"
    response = api.post("/discounts/d1/stores/", {"stores": ["1"]})
    assert response.status_code == 200
    assert status_of(api.delete("/discounts/d1/stores/1/"))["responseCode"] == "I04003"
    assert status_of(api.patch("/discounts/d1/", {"rate": 1}))["responseCode"] == "I04003"
    response = api.post("/discounts/", {**EXAMPLE, "discountId": "d9"})
    assert response.status_code == 201
    assert status_of(api.delete("/discounts/d9/"))["responseCode"] == "I04004"
