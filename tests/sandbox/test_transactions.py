"""Transactions: points, idempotency, cancel, refunds, returns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_diller.sandbox import (
    COFFEE_PRODUCT_IDS,
    COUPON_FIXED30_BAKERY,
    COUPON_PCT10,
    DUPLICATE_ANSWERS,
    GIFT_CARD_PRODUCT_IDS,
    SEED_DEPARTMENT_ID,
    SEED_MEMBER_ID,
    SEED_MEMBER_POINTS,
    SEED_STORE_ID,
    STAMP_CARD_BUN,
    STAMP_CARD_COFFEE,
    Sandbox,
)

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"
DUPLICATE = "Duplicate external_id: a transaction with this external_id already exists."


def line(product_id, quantity, unit_price, discount=0, **extra):
    return {
        "product": {
            "external_id": product_id,
            "name": "Product",
            "category": {"external_id": "coffee", "name": "Coffee"},
            "gtin": {"type": "EanGtin13", "code": product_id},
        },
        "quantity": quantity,
        "unit_price": unit_price,
        "tax_percentage": 15,
        "discount": discount,
        "total_price": quantity * unit_price - discount,
        **extra,
    }


def transaction(external_id, total, details=(), **extra):
    return {
        "external_id": external_id,
        "created_at": "2025-03-01T12:00:00+01:00",
        "total": total,
        "total_tax": round(total * 0.13, 2),
        "total_discount": 0,
        "currency": "NOK",
        "payment_details": [{"payment_method": "Card", "sub_total": total}],
        "department_id": SEED_DEPARTMENT_ID,
        "origin": {
            "system_id": "django-diller",
            "department_id": SEED_DEPARTMENT_ID,
            "channel": "OnlineStore",
        },
        "details": list(details),
        **extra,
    }


def points(client, member=MEMBER):
    return client.get(member).json()["membership_detail"]["points"]


def post(client, body, member=MEMBER):
    response = client.post(f"{member}/transactions", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_points_and_stored_request(sb, client):
    body = transaction("order-1", 378.5, [line(COFFEE_PRODUCT_IDS[0], 2, 189.25)])
    result = post(client, body)
    assert result["is_ok"] is True
    assert points(client) == SEED_MEMBER_POINTS + 378
    stored = sb.state.stores[SEED_STORE_ID].transactions["order-1"]
    assert stored.total == Decimal("378.5")
    assert isinstance(stored.request["details"][0]["unit_price"], Decimal)
    assert stored.request["origin"]["channel"] == "OnlineStore"


def test_level_changes_with_points(client):
    post(client, transaction("order-1", 3750))
    detail = client.get(MEMBER).json()["membership_detail"]
    assert detail["level_title"] == "Gold"
    assert "next_level_title" not in detail


def test_duplicate_external_id_is_not_applied_twice(sb, client):
    body = transaction("order-1", 100)
    assert post(client, body)["is_ok"] is True
    second = post(client, body)
    assert second == {"is_ok": False, "details": DUPLICATE}
    assert points(client) == SEED_MEMBER_POINTS + 100
    assert len(sb.requests_for("createTransaction")) == 2


def test_member_without_gdpr_is_refused(client, register):
    member = register("96000001", consent={"gdpr_accepted": False})
    url = f"{STORE}/members/{member['id']}"
    result = post(client, transaction("order-1", 100), url)
    assert result["is_ok"] is False
    assert "GDPR" in result["details"]


def test_unknown_member_is_404(client):
    response = client.post(f"{STORE}/members/ghost/transactions", json=transaction("o", 1))
    assert response.status_code == 404


def test_missing_external_id_or_total_is_400(client):
    response = client.post(f"{MEMBER}/transactions", json={"total": 10})
    assert response.status_code == 400
    assert "external_id" in response.json()["errors"]
    response = client.post(f"{MEMBER}/transactions", json={"external_id": "o-1"})
    assert response.status_code == 400
    assert "total" in response.json()["errors"]


def test_wrong_currency_is_refused(client):
    result = post(client, transaction("order-1", 100, currency="SEK"))
    assert result["is_ok"] is False
    assert "SEK" in result["details"]


def test_non_eligible_lines_earn_no_points(client):
    body = transaction(
        "order-1",
        689,
        [line(GIFT_CARD_PRODUCT_IDS[0], 1, 500), line(COFFEE_PRODUCT_IDS[0], 1, 189)],
    )
    assert post(client, body)["is_ok"] is True
    assert points(client) == SEED_MEMBER_POINTS + 189


def test_coupons_top_level_and_per_line_are_deduplicated(sb, client):
    details = [
        line(COFFEE_PRODUCT_IDS[0], 1, 100, 10, coupon_codes=[COUPON_PCT10]),
        line("7040110000128", 1, 45, 30, coupon_codes=[COUPON_FIXED30_BAKERY]),
    ]
    body = transaction("order-1", 105, details, coupon_codes=[COUPON_PCT10])
    assert post(client, body)["is_ok"] is True
    store = sb.state.stores[SEED_STORE_ID]
    assert store.coupon(COUPON_PCT10).times_redeemed(SEED_MEMBER_ID) == 1
    assert store.coupon(COUPON_FIXED30_BAKERY).times_redeemed(SEED_MEMBER_ID) == 1


def test_invalid_coupon_refuses_and_applies_nothing(sb, client):
    body = transaction("order-1", 100, coupon_codes=[COUPON_PCT10, "NOSUCHCODE"])
    result = post(client, body)
    assert result["is_ok"] is False
    assert "NOSUCHCODE" in result["details"]
    assert points(client) == SEED_MEMBER_POINTS
    store = sb.state.stores[SEED_STORE_ID]
    assert store.coupon(COUPON_PCT10).times_redeemed(SEED_MEMBER_ID) == 0
    assert "order-1" not in store.transactions


def test_cancel_reverses_everything(sb, client):
    body = transaction(
        "order-1",
        250,
        coupon_codes=[COUPON_PCT10],
        stamp_cards=[
            {"stamp_card_id": STAMP_CARD_BUN, "action": "collected", "count": 1},
            {"stamp_card_id": STAMP_CARD_BUN, "action": "deducted", "count": 5},
            {"stamp_card_id": STAMP_CARD_COFFEE, "action": "collected", "count": 1},
        ],
    )
    assert post(client, body)["is_ok"] is True
    store = sb.state.stores[SEED_STORE_ID]
    bun = store.stamp_cards[STAMP_CARD_BUN]
    assert SEED_MEMBER_ID in bun.used_up
    cancel = client.post(
        f"{STORE}/transactions/order-1/cancel",
        json={"reason": "Order cancelled", "origin": {"system_id": "django-diller"}},
    )
    assert cancel.json()["is_ok"] is True
    assert points(client) == SEED_MEMBER_POINTS
    assert store.coupon(COUPON_PCT10).times_redeemed(SEED_MEMBER_ID) == 0
    assert bun.stamps_of(SEED_MEMBER_ID) == 4
    assert SEED_MEMBER_ID not in bun.used_up
    assert store.stamp_cards[STAMP_CARD_COFFEE].stamps_of(SEED_MEMBER_ID) == 8
    assert store.transactions["order-1"].cancel_request["reason"] == "Order cancelled"
    again = client.post(f"{STORE}/transactions/order-1/cancel", json={"reason": "again"})
    assert again.json()["is_ok"] is False
    assert post(client, body) == {"is_ok": False, "details": DUPLICATE}  # still known


def test_cancel_unknown_is_404(client):
    response = client.post(f"{STORE}/transactions/nope/cancel", json={})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_partial_return_by_cancel_and_resend(client):
    post(client, transaction("order-1", 300))
    client.post(f"{STORE}/transactions/order-1/cancel", json={"reason": "partial return"})
    post(client, transaction("order-1-r1", 200))
    assert points(client) == SEED_MEMBER_POINTS + 200


def test_refund(sb, client):
    post(client, transaction("order-1", 300))
    url = f"{MEMBER}/transactions/order-1/refund"
    refund = {"external_id": "refund-1", "reason": "Damaged", "total": 100, "currency": "NOK",
              "details": [line(COFFEE_PRODUCT_IDS[0], 1, 100)]}  # fmt: skip
    assert client.post(url, json=refund).json()["is_ok"] is True
    assert points(client) == SEED_MEMBER_POINTS + 200
    assert client.post(url, json=refund).json()["is_ok"] is False  # same refund id
    too_much = {"external_id": "refund-2", "total": 250}
    result = client.post(url, json=too_much).json()
    assert result["is_ok"] is False
    assert "exceed" in result["details"]
    assert client.post(url, json={"external_id": "refund-3", "total": 200}).json()["is_ok"]
    assert points(client) == SEED_MEMBER_POINTS
    assert len(sb.state.stores[SEED_STORE_ID].refunds) == 2
    # A cancel after refunds only reverses what is left (nothing).
    client.post(f"{STORE}/transactions/order-1/cancel", json={})
    assert points(client) == SEED_MEMBER_POINTS


def test_a_cancel_after_a_refund_may_take_the_whole_purchase_again(sb, client):
    """The other answer the contract allows (``cancel_after_refunds = "whole"``)."""
    sb.cancel_after_refunds = "whole"
    post(client, transaction("order-1", 300))
    client.post(f"{MEMBER}/transactions/order-1/refund", json={"total": 100})
    assert points(client) == SEED_MEMBER_POINTS + 200
    client.post(f"{STORE}/transactions/order-1/cancel", json={})
    assert points(client) == SEED_MEMBER_POINTS - 100  # the refunded 100 taken twice


def test_refund_ignores_coupons_and_stamps(sb, client):
    body = transaction(
        "order-1",
        100,
        coupon_codes=[COUPON_PCT10],
        stamp_cards=[{"stamp_card_id": STAMP_CARD_COFFEE, "action": "collected", "count": 1}],
    )
    post(client, body)
    client.post(f"{MEMBER}/transactions/order-1/refund", json={"total": 100})
    store = sb.state.stores[SEED_STORE_ID]
    assert store.coupon(COUPON_PCT10).times_redeemed(SEED_MEMBER_ID) == 1
    assert store.stamp_cards[STAMP_CARD_COFFEE].stamps_of(SEED_MEMBER_ID) == 9


def test_refund_unknown_transaction_is_404(client):
    response = client.post(f"{MEMBER}/transactions/nope/refund", json={"total": 1})
    assert response.status_code == 404


def test_refund_must_be_positive(client):
    post(client, transaction("order-1", 100))
    url = f"{MEMBER}/transactions/order-1/refund"
    assert client.post(url, json={"total": -10}).json()["is_ok"] is False


def test_negative_return_transaction(client):
    body = transaction("return-1", -189, [line(COFFEE_PRODUCT_IDS[0], -1, 189)])
    assert post(client, body)["is_ok"] is True
    assert points(client) == SEED_MEMBER_POINTS - 189


def test_points_never_go_below_zero(client, register):
    member = register("96000002", consent={"gdpr_accepted": True})
    url = f"{STORE}/members/{member['id']}"
    post(client, transaction("return-1", -1000), url)
    assert points(client, url) == 0


# How a write the store already has is answered (the sandbox's duplicate_answer setting) ----


def already_had(response, style, field):
    """The sandbox's answer to a repeated write, checked against its style; the text."""
    if style == "200-text":
        assert response.status_code == 200
        assert response.json()["is_ok"] is False
        return response.json()["details"]
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.status_code == problem["status"] == int(style[:3])
    if style == "409":
        assert "errors" not in problem
        return problem["detail"]
    (message,) = problem["errors"][field]
    assert problem["detail"] == f"{field}: {message}"
    return message


@pytest.mark.parametrize("style", DUPLICATE_ANSWERS)
def test_a_resent_transaction_is_answered_in_the_configured_style(sb, client, style):
    sb.duplicate_answer = style
    body = transaction("order-1", 100)
    assert post(client, body)["is_ok"] is True
    again = client.post(f"{MEMBER}/transactions", json=body)
    assert already_had(again, style, "external_id") == DUPLICATE
    assert points(client) == SEED_MEMBER_POINTS + 100


@pytest.mark.parametrize("style", DUPLICATE_ANSWERS)
def test_a_resent_refund_is_answered_in_the_configured_style(sb, client, style):
    sb.duplicate_answer = style
    post(client, transaction("order-1", 300))
    url = f"{MEMBER}/transactions/order-1/refund"
    refund = {"external_id": "refund-1", "total": 100}
    assert client.post(url, json=refund).json()["is_ok"] is True
    text = already_had(client.post(url, json=refund), style, "external_id")
    assert text.startswith("Duplicate external_id") and "refund" in text
    assert points(client) == SEED_MEMBER_POINTS + 200


@pytest.mark.parametrize("style", DUPLICATE_ANSWERS)
def test_a_second_cancel_is_answered_in_the_configured_style(sb, client, style):
    sb.duplicate_answer = style
    post(client, transaction("order-1", 300))
    url = f"{STORE}/transactions/order-1/cancel"
    assert client.post(url, json={"reason": "returned"}).json()["is_ok"] is True
    text = already_had(client.post(url, json={}), style, "externalTransactionId")
    assert text == "Transaction order-1 is already cancelled."
    assert points(client) == SEED_MEMBER_POINTS


@pytest.mark.parametrize("style", ["409", "400-problem"])
def test_other_refusals_stay_refusals_whatever_the_duplicate_style(sb, client, style):
    sb.duplicate_answer = style
    result = post(client, transaction("order-1", 100, currency="SEK"))
    assert result["is_ok"] is False and "SEK" in result["details"]


def test_the_duplicate_style_is_checked_and_survives_a_reset():
    sandbox = Sandbox(duplicate_answer="409")
    sandbox.reset()
    assert sandbox.duplicate_answer == "409"
    with pytest.raises(ValueError, match="200-text"):
        sandbox.duplicate_answer = "418"
    assert DUPLICATE_ANSWERS == ("200-text", "409", "400-problem")
