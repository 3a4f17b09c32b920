"""Creating receipts (duplicates included), searching them, attaching a customer."""

from __future__ import annotations

import uuid

import pytest

from django_diller.dintero.sandbox import (
    SANDBOX_CLIENT_ID,
    SEED_ANONYMOUS_RECEIPT_ID,
    SEED_CUSTOMER_ID,
    seed_receipt_uuid,
)

from .conftest import RECEIPTS, receipt


def create(client, *receipts, **params):
    return client.post(RECEIPTS, json=list(receipts), params=params)


def stored(sandbox):
    return sandbox.state.accounts["T12345678"].receipts


def test_create_answers_the_receipts_with_their_entity_fields(empty, blank):
    response = create(blank, receipt("r-1", customer_id="c-1"), receipt("r-2"))
    assert response.status_code == 200
    body = response.json()
    assert body["duplicates"] == 0
    first, second = body["receipts"]
    assert uuid.UUID(first["id"]) and first["id"] != second["id"]
    assert first["created_at"] == "2025-03-01T12:00:00Z" == first["updated_at"]
    assert first["created_by"] == SANDBOX_CLIENT_ID
    assert first["receipt_id"] == "r-1" and first["customer_id"] == "c-1"
    assert first["gross_amount"] == 10000
    assert set(stored(empty)) == {first["id"], second["id"]}


def test_create_can_answer_only_the_entities(empty, blank):
    empty.options.create_answer = "entities"
    (entity,) = create(blank, receipt("r-1")).json()["receipts"]
    assert set(entity) == {"id", "created_at", "created_by", "updated_at"}


def test_entity_fields_sent_by_the_client_are_ignored(empty, blank):
    posted = receipt("r-1", id="11111111-1111-1111-1111-111111111111", created_by="me")
    (answer,) = create(blank, posted).json()["receipts"]
    assert answer["id"] != posted["id"]
    assert answer["created_by"] == SANDBOX_CLIENT_ID


def test_duplicate_is_counted_and_left_out_by_default(empty, blank):
    first = create(blank, receipt("r-1")).json()["receipts"][0]
    again = create(blank, receipt("r-1"), receipt("r-2"), receipt("r-2")).json()
    assert again["duplicates"] == 2
    assert [r["receipt_id"] for r in again["receipts"]] == ["r-2"]
    assert len(stored(empty)) == 2
    assert stored(empty)[first["id"]].receipt_id == "r-1"


def test_duplicate_can_be_listed_in_place(empty, blank):
    empty.duplicate_answer = "listed"
    first = create(blank, receipt("r-1")).json()["receipts"][0]
    again = create(blank, receipt("r-0"), receipt("r-1")).json()
    assert again["duplicates"] == 1
    assert [r["receipt_id"] for r in again["receipts"]] == ["r-0", "r-1"]
    assert again["receipts"][1]["id"] == first["id"]


@pytest.mark.parametrize(("style", "status"), [("refused", 400), ("409", 409)])
def test_duplicate_can_refuse_the_whole_batch(empty, blank, style, status):
    empty.duplicate_answer = style
    create(blank, receipt("r-1"))
    response = create(blank, receipt("r-2"), receipt("r-1"))
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == "duplicate_receipt"
    assert error["errors"] == [
        {"field": "[1].receipt_id", "message": "This receipt already exists."}
    ]
    assert [r.receipt_id for r in stored(empty).values()] == ["r-1"]


def test_same_receipt_id_in_another_store_is_no_duplicate(empty, blank):
    other = receipt("r-1", store={"id": "store-2"})
    body = create(blank, receipt("r-1"), other).json()
    assert body["duplicates"] == 0 and len(body["receipts"]) == 2


def test_duplicate_answer_must_be_known(empty):
    with pytest.raises(ValueError):
        empty.duplicate_answer = "200"


@pytest.mark.parametrize(
    ("posted", "field"),
    [
        (receipt("", customer_id="c"), "[0].receipt_id"),
        ({"store": {"id": "s"}, "purchase_at": "2025-03-01T11:00:00Z"}, "[0].receipt_id"),
        (receipt("r-1", purchase_at="2025-03-01"), "[0].purchase_at"),
        (receipt("r-1", store={"name": "no id"}), "[0].store.id"),
    ],
)
def test_invalid_receipts_are_400_naming_the_field(empty, blank, posted, field):
    response = create(blank, posted)
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["error"]["errors"]}
    assert stored(empty) == {}


def test_customer_id_with_spaces_is_refused_even_without_validation(empty, blank):
    empty.validate_requests = False
    response = create(blank, receipt("r-1", customer_id=" c-1"))
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "[0].customer_id"


def test_body_must_be_an_array(blank):
    response = blank.post(RECEIPTS, json=receipt("r-1"))
    assert response.status_code == 400


def test_money_keeps_its_exact_value(empty, blank):
    posted = receipt("r-1", gross_amount_dwh="10000.12", items=[{"id": "a", "quantity": 0.5}])
    (answer,) = create(blank, posted).json()["receipts"]
    assert answer["gross_amount_dwh"] == "10000.12"
    assert str(next(iter(stored(empty).values())).data["items"][0]["quantity"]) == "0.5"


def test_search_by_receipt_id_newest_first(empty, blank):
    create(
        blank,
        receipt("r-1", store={"id": "a"}, purchase_at="2025-02-01T10:00:00Z"),
        receipt("r-1", store={"id": "b"}, purchase_at="2025-02-03T10:00:00+01:00"),
        receipt("r-2"),
    )
    response = blank.get(f"{RECEIPTS}/search", params={"receipt_id": "r-1"})
    assert response.status_code == 200
    assert [r["store"]["id"] for r in response.json()["receipts"]] == ["b", "a"]
    assert blank.get(f"{RECEIPTS}/search", params={"receipt_id": "none"}).json() == {"receipts": []}


def test_search_needs_the_receipt_id(blank):
    assert blank.get(f"{RECEIPTS}/search").status_code == 400


def test_attach_customer_to_anonymous_receipt(sb, client, clock):
    clock.advance(minutes=5)
    response = client.put(
        f"{RECEIPTS}/all/{SEED_ANONYMOUS_RECEIPT_ID}", json={"customer_id": "new-customer"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == "new-customer"
    assert body["updated_at"] == "2025-03-01T12:05:00Z"
    assert body["id"] == seed_receipt_uuid(SEED_ANONYMOUS_RECEIPT_ID)
    mine = client.get(f"{RECEIPTS}/customers/new-customer").json()["receipts"]
    assert [r["receipt_id"] for r in mine] == [SEED_ANONYMOUS_RECEIPT_ID]


def test_attach_by_the_receipts_id(client):
    rid = seed_receipt_uuid(SEED_ANONYMOUS_RECEIPT_ID)
    response = client.put(f"{RECEIPTS}/all/{rid}", json={"customer_id": "c-9"})
    assert response.status_code == 200


@pytest.mark.parametrize("status", [400, 403])
def test_attach_to_an_owned_receipt_is_refused(sb, client, status):
    sb.options.owned_status = status
    target = f"{RECEIPTS}/all/{seed_receipt_uuid('demo-1001')}"
    response = client.put(target, json={"customer_id": "thief"})
    assert response.status_code == status
    assert response.json()["error"]["code"] == "receipt_has_customer"
    assert client.put(target, json={"customer_id": SEED_CUSTOMER_ID}).status_code == status


def test_attaching_the_same_customer_again_can_be_accepted(sb, client):
    sb.options.attach_again = "accepted"
    target = f"{RECEIPTS}/all/demo-1001"
    assert client.put(target, json={"customer_id": SEED_CUSTOMER_ID}).status_code == 200
    assert client.put(target, json={"customer_id": "someone-else"}).status_code == 400


def test_attach_discounts_only_once(sb, client):
    sb.options.attach_again = "accepted"
    target = f"{RECEIPTS}/all/{SEED_ANONYMOUS_RECEIPT_ID}"
    discount = {
        "requirement": {
            "purchase_from": "2025-01-01T00:00:00Z",
            "purchase_to": "2025-12-31T00:00:00Z",
        },
        "reward": {"type": "discount_amount", "value": 1000},
    }
    first = client.put(target, json={"customer_id": "c-1", "discounts": [discount]})
    assert first.status_code == 200
    assert first.json()["discounts"][0]["reward"]["value"] == 1000
    again = client.put(target, json={"customer_id": "c-1", "discounts": [discount]})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "receipt_has_discounts"
    assert client.put(target, json={"customer_id": "c-1"}).status_code == 200


def test_attach_needs_a_customer_and_a_known_receipt(client):
    target = f"{RECEIPTS}/all/{SEED_ANONYMOUS_RECEIPT_ID}"
    assert client.put(target, json={}).status_code == 400
    assert client.put(target, json={"customer_id": "c "}).status_code == 400
    missing = client.put(f"{RECEIPTS}/all/nope", json={"customer_id": "c"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_pos_id_in_two_stores_is_ambiguous(empty, blank):
    create(blank, receipt("r-1", store={"id": "a"}), receipt("r-1", store={"id": "b"}))
    response = blank.put(f"{RECEIPTS}/all/r-1", json={"customer_id": "c"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ambiguous_receipt_id"


def test_customer_segment(empty, blank):
    create(
        blank,
        receipt("r-1", customer_id="a", purchase_at="2025-01-10T10:00:00Z"),
        receipt("r-2", customer_id="a", purchase_at="2025-02-10T10:00:00Z"),
        receipt("r-3", customer_id="b", purchase_at="2025-02-11T10:00:00Z"),
        receipt("r-4", customer_id="c", store={"id": "elsewhere"}),
        receipt("r-5", purchase_at="2025-02-12T10:00:00Z"),
        receipt(
            "r-6",
            customer_id="d",
            items=[{"id": "x", "groups": [{"id": "coffee"}]}],
            purchase_at="2025-02-12T10:00:00Z",
        ),
    )
    everyone = blank.post(f"{RECEIPTS}/customer_segment", json={"store_ids": ["store-1"]}).json()
    assert everyone == {
        "customers": [
            {"customer_id": "a", "purchases": 2},
            {"customer_id": "b", "purchases": 1},
            {"customer_id": "d", "purchases": 1},
        ]
    }
    february = {"purchase_from": "2025-02-01T00:00:00Z", "purchase_to": "2025-02-28T00:00:00Z"}
    found = blank.post(f"{RECEIPTS}/customer_segment", json=february).json()["customers"]
    assert [c["customer_id"] for c in found] == ["a", "b", "d"]
    coffee = blank.post(f"{RECEIPTS}/customer_segment", json={"items": [{"group": "coffee"}]})
    assert coffee.json()["customers"] == [{"customer_id": "d", "purchases": 1}]
