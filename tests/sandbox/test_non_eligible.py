"""Non-eligible products: batches, pagination, update, delete."""

from __future__ import annotations

import pytest

from django_diller.sandbox import GIFT_CARD_PRODUCT_IDS, SEED_STORE_ID

URL = f"/api/v2.0/stores/{SEED_STORE_ID}/non-eligible-products"


def test_seeded_gift_cards(client):
    page = client.get(URL).json()
    assert page["total_records"] == 2
    assert [item["product_id"] for item in page["data"]] == list(GIFT_CARD_PRODUCT_IDS)


def test_add_batch_returns_created_items(client):
    items = [
        {"product_id": "7040110000999", "description": "Deposit"},
        {"product_id_prefix": "99", "description": "Vouchers"},
        {"product_category_id": 7, "description": "Tobacco", "subsystem": "pos"},
    ]
    created = client.post(URL, json=items).json()
    assert [c["id"] for c in created] == [3, 4, 5]
    assert created[1]["product_id_prefix"] == "99"
    assert created[2]["product_category_id"] == 7
    assert client.get(URL).json()["total_records"] == 5


def test_batch_limit(client):
    items = [{"product_id": f"p-{n}"} for n in range(101)]
    response = client.post(URL, json=items)
    assert response.status_code == 400
    assert "100" in response.json()["errors"]["body"][0]
    assert client.post(URL, json=items[:100]).status_code == 200


def test_item_without_product_is_400(client):
    response = client.post(URL, json=[{"product_id": "a"}, {"description": "nothing"}])
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["[1]"]
    assert client.get(URL).json()["total_records"] == 2  # nothing added


def test_duplicate_rule_is_409(client):
    response = client.post(URL, json=[{"product_id": GIFT_CARD_PRODUCT_IDS[0]}])
    assert response.status_code == 409


def test_pagination(client):
    client.post(URL, json=[{"product_id": f"p-{n}"} for n in range(10)])
    page = client.get(URL, params={"offset": 5, "limit": 4}).json()
    assert page["total_records"] == 12
    assert (page["offset"], page["limit"]) == (5, 4)
    assert [item["id"] for item in page["data"]] == [6, 7, 8, 9]
    last = client.get(URL, params={"offset": 10, "limit": 4}).json()
    assert [item["id"] for item in last["data"]] == [11, 12]
    assert client.get(URL, params={"offset": 50}).json()["data"] == []


def test_pagination_parameters_are_validated(client):
    response = client.get(URL, params={"limit": "ten"})
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]
    assert client.get(URL, params={"limit": 0}).status_code == 400
    assert client.get(URL, params={"offset": -1}).status_code == 400


def test_update_batch(client):
    result = client.put(URL, json=[{"id": 1, "description": "Gift card (500)"}]).json()
    assert result["is_ok"] is True
    assert client.get(URL).json()["data"][0]["description"] == "Gift card (500)"
    unknown = client.put(URL, json=[{"id": 1, "description": "x"}, {"id": 77}]).json()
    assert unknown["is_ok"] is False
    assert client.get(URL).json()["data"][0]["description"] == "Gift card (500)"


def test_delete(client):
    assert client.delete(f"{URL}/1").json()["is_ok"] is True
    assert client.get(URL).json()["total_records"] == 1
    assert client.delete(f"{URL}/1").status_code == 404
    response = client.delete(f"{URL}/abc")
    assert response.status_code == 400
    assert "nonEligibleProductId" in response.json()["errors"]


# What the contract leaves open (NonEligibleOptions) ------------------------------------------


def test_a_duplicate_can_be_a_400_instead(sb, client):
    sb.settings.non_eligible.duplicate_status = 400
    response = client.post(
        URL, json=[{"product_id": "x"}, {"product_id": GIFT_CARD_PRODUCT_IDS[0]}]
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["[1]"]
    assert client.get(URL).json()["total_records"] == 2  # nothing added


def test_the_add_can_answer_with_an_empty_list(sb, client):
    sb.settings.non_eligible.add_answer = "empty"
    assert client.post(URL, json=[{"product_id": "7040110000999"}]).json() == []
    page = client.get(URL).json()
    assert page["data"][-1]["product_id"] == "7040110000999"  # added all the same


def test_an_unknown_id_in_an_update_can_be_a_404(sb, client):
    sb.settings.non_eligible.update_unknown = "not_found"
    assert client.put(URL, json=[{"id": 77, "description": "x"}]).status_code == 404


def test_deleting_an_unknown_id_can_be_refused(sb, client):
    sb.settings.non_eligible.delete_unknown = "refused"
    response = client.delete(f"{URL}/77")
    assert response.status_code == 200
    assert response.json()["is_ok"] is False


def test_the_options_take_only_what_the_contract_allows(sb):
    options = sb.settings.non_eligible
    for name, value in [
        ("duplicate_status", 500),
        ("add_answer", "ids-only"),
        ("update_unknown", "ignored"),
        ("delete_unknown", "ignored"),
    ]:
        with pytest.raises(ValueError, match=name):
            setattr(options, name, value)
