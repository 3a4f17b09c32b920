"""A customer's receipts: newest first, paginated; one receipt; moving a receipt."""

from __future__ import annotations

import json

import pytest

from django_diller.dintero.sandbox import (
    SANDBOX_CLIENT_ID,
    SEED_CUSTOMER_ID,
    SEED_CUSTOMER_RECEIPT_IDS,
    seed_receipt_uuid,
)

from .conftest import RECEIPTS, receipt

CUSTOMER = f"{RECEIPTS}/customers/{SEED_CUSTOMER_ID}"


def make_many(client, count, customer="c-1"):
    batch = [
        receipt(f"r-{n:02}", customer_id=customer, purchase_at=f"2025-02-{n:02}T10:00:00Z")
        for n in range(1, count + 1)
    ]
    assert client.post(RECEIPTS, json=batch).status_code == 200


def test_list_is_newest_first(client):
    body = client.get(CUSTOMER).json()
    assert [r["receipt_id"] for r in body["receipts"]] == list(SEED_CUSTOMER_RECEIPT_IDS)
    assert "starting_after" not in body
    assert body["receipts"][0]["id"] == seed_receipt_uuid(SEED_CUSTOMER_RECEIPT_IDS[0])


def test_pages_follow_the_cursor(blank):
    make_many(blank, 25)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10} | ({"starting_after": cursor} if cursor else {})
        body = blank.get(f"{RECEIPTS}/customers/c-1", params=params).json()
        pages += 1
        seen += [r["receipt_id"] for r in body["receipts"]]
        cursor = body.get("starting_after")
        if cursor is None:
            break
        assert cursor == body["receipts"][-1]["id"]
    assert pages == 3
    assert seen == [f"r-{n:02}" for n in range(25, 0, -1)]


def test_default_limit_is_ten(blank):
    make_many(blank, 11)
    body = blank.get(f"{RECEIPTS}/customers/c-1").json()
    assert len(body["receipts"]) == 10 and "starting_after" in body


def test_exact_last_page_has_no_cursor(blank):
    make_many(blank, 4)
    body = blank.get(f"{RECEIPTS}/customers/c-1", params={"limit": 4}).json()
    assert len(body["receipts"]) == 4 and "starting_after" not in body


def test_cursor_can_be_kept_on_the_last_page(empty, blank):
    empty.options.last_page_cursor = "kept"
    make_many(blank, 3)
    last = blank.get(f"{RECEIPTS}/customers/c-1", params={"limit": 5}).json()
    assert last["starting_after"] == last["receipts"][-1]["id"]
    after = blank.get(
        f"{RECEIPTS}/customers/c-1", params={"limit": 5, "starting_after": last["starting_after"]}
    ).json()
    assert after == {"receipts": []}


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_out_of_range_is_400(client, limit):
    response = client.get(CUSTOMER, params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "limit"


def test_limit_is_checked_without_validation_too(sb, client):
    sb.validate_requests = False
    assert client.get(CUSTOMER, params={"limit": "500"}).status_code == 400


def test_unknown_cursor_is_404(client):
    assert client.get(CUSTOMER, params={"starting_after": "nope"}).status_code == 404


def test_unknown_customer_has_no_receipts(client):
    assert client.get(f"{RECEIPTS}/customers/nobody").json() == {"receipts": []}


def test_minimal_list(sb, client):
    sb.options.customer_list = "minimal"
    first = client.get(CUSTOMER).json()["receipts"][0]
    assert set(first) <= {
        "id",
        "created_at",
        "created_by",
        "updated_at",
        "store",
        "items",
        "gross_amount",
        "net_amount",
        "currency",
        "purchase_at",
    }
    assert "receipt_id" not in first and "items" in first


def test_one_receipt_by_id_or_pos_id(client):
    rid = seed_receipt_uuid("demo-1002")
    by_id = client.get(f"{CUSTOMER}/{rid}")
    assert by_id.status_code == 200
    assert by_id.json()["receipt_id"] == "demo-1002"
    assert client.get(f"{CUSTOMER}/demo-1002").json()["id"] == rid


def test_another_customers_receipt_is_not_found(client):
    assert client.get(f"{RECEIPTS}/customers/someone/demo-1002").status_code == 404
    assert client.get(f"{CUSTOMER}/demo-2001").status_code == 404  # the anonymous one


def test_change_customer_moves_the_receipt(sb, client, clock):
    clock.advance(hours=1)
    response = client.post(
        f"{CUSTOMER}/demo-1002/change_customer_id", json={"customer_id": "new-owner"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == "new-owner"
    (note,) = [e for e in body["extra_info"] if e["key"].startswith("dintero.receipts.")]
    prefix, stamp, digest = note["key"].rsplit(".", 2)
    assert prefix == "dintero.receipts.change_customer_id"
    assert int(stamp) == int(clock.now.timestamp() * 1000) and len(digest) == 8
    assert json.loads(note["value"]) == {
        "created_at": "2025-03-01T13:00:00Z",
        "created_by": SANDBOX_CLIENT_ID,
        "old": SEED_CUSTOMER_ID,
        "new": "new-owner",
    }
    assert client.get(f"{CUSTOMER}/demo-1002").status_code == 404
    assert [r["receipt_id"] for r in client.get(CUSTOMER).json()["receipts"]] == [
        "demo-1003",
        "demo-1001",
    ]
    moved = client.get(f"{RECEIPTS}/customers/new-owner").json()["receipts"]
    assert [r["receipt_id"] for r in moved] == ["demo-1002"]


@pytest.mark.parametrize("body", [{}, {"customer_id": ""}, {"customer_id": " x"}])
def test_change_customer_needs_a_clean_id(client, body):
    response = client.post(f"{CUSTOMER}/demo-1002/change_customer_id", json=body)
    assert response.status_code == 400


def test_change_customer_of_a_receipt_the_customer_lacks_is_404(client):
    response = client.post(
        f"{RECEIPTS}/customers/someone/demo-1002/change_customer_id", json={"customer_id": "x"}
    )
    assert response.status_code == 404
