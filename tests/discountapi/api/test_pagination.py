"""GET /discounts: a page at a time, in discount id order, with totals and links."""

from __future__ import annotations

from django_diller.discountapi.models import Discount

from .conftest import status_of


def make(count: int) -> None:
    Discount.objects.bulk_create(
        Discount(discount_id=f"d{n:03}", name=f"Discount {n}", rate=100, type="RELATIVE")
        for n in range(count)
    )


def ids(body: dict) -> list[str]:
    return [discount["discountId"] for discount in body["discounts"]]


def test_an_empty_list(api):
    body = api.get("/discounts").json()
    assert body == {
        "discounts": [],
        "page": 1,
        "pageSize": 50,
        "totalElements": 0,
        "totalPages": 0,
        "next": None,
        "previous": None,
        "apiResponseStatus": {"responseCode": "I04005", "message": "Listed successfully"},
    }


def test_following_next_reads_every_discount_once_in_id_order(api):
    make(7)
    seen, url, pages = [], "/api/discounts?pageSize=3", 0
    while url:
        response = api.client.get(url, headers={"Authorization": f"Bearer {api.bearer}"})
        assert response.status_code == 200
        body = response.json()
        assert (body["totalElements"], body["totalPages"], body["pageSize"]) == (7, 3, 3)
        seen += ids(body)
        url, pages = body["next"], pages + 1
    assert seen == [f"d{n:03}" for n in range(7)]
    assert pages == 3


def test_links_keep_the_other_parameters(api):
    make(5)
    body = api.get("/discounts?pageSize=2&page=2").json()
    assert ids(body) == ["d002", "d003"]
    assert body["next"] == "http://testserver/api/discounts?page=3&pageSize=2"
    assert body["previous"] == "http://testserver/api/discounts?pageSize=2"


def test_a_page_past_the_end_is_empty_not_an_error(api):
    make(2)
    response = api.get("/discounts?page=5&pageSize=1")
    assert response.status_code == 200
    body = response.json()
    assert (body["discounts"], body["next"]) == ([], None)
    assert body["previous"] == "http://testserver/api/discounts?page=2&pageSize=1"
    assert status_of(response)["responseCode"] == "I04005"


def test_the_list_holds_each_discounts_document(api, created):
    [entry] = api.get("/discounts").json()["discounts"]
    assert entry == {k: v for k, v in created.items() if k != "apiResponseStatus"}
