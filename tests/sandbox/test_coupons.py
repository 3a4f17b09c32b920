"""Member coupons: list, validate, reserve, cancel, redemption limits."""

from __future__ import annotations

import pytest

from django_diller.sandbox import (
    COFFEE_PRODUCT_IDS,
    COUPON_EXPIRED15,
    COUPON_FUTURE5,
    COUPON_ONCE100,
    COUPON_PCT10,
    COUPON_PCT20_COFFEE,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
)

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"


def validate(client, code, member=MEMBER):
    return client.get(f"{member}/coupons/{code}/validate").json()


def reserve(client, code, transaction_id, member=MEMBER):
    body = {"channel": "OnlineStore", "external_transaction_id": transaction_id}
    return client.post(f"{member}/coupons/{code}/reserve", json=body).json()


def cancel(client, code, transaction_id):
    body = {"external_transaction_id": transaction_id}
    return client.post(f"{MEMBER}/coupons/{code}/cancel-reservation", json=body).json()


def buy(client, external_id, codes, total="100.00"):
    body = {"external_id": external_id, "total": float(total), "currency": "NOK",
            "coupon_codes": codes}  # fmt: skip
    return client.post(f"{MEMBER}/transactions", json=body).json()


def test_member_coupons_lists_only_usable(client):
    coupons = {c["code"]: c for c in client.get(f"{MEMBER}/coupons").json()}
    assert set(coupons) == {
        "PCT10", "FIXED50", "SHIPFREE", "PCT20COFFEE", "FIXED30BAKERY", "ONCE100", "SHIPFREEGEAR"
    }  # fmt: skip
    assert coupons[COUPON_PCT20_COFFEE]["product_ids"] == list(COFFEE_PRODUCT_IDS)
    assert coupons[COUPON_PCT20_COFFEE]["discount_type"] == "Percentage"
    assert coupons[COUPON_PCT20_COFFEE]["discount_value"] == 20
    assert coupons["SHIPFREE"]["discount_type"] == "FreeShipping"
    assert coupons[COUPON_ONCE100]["max_redemptions"] == 1
    assert coupons[COUPON_ONCE100]["times_redeemed"] == 0
    assert "max_redemptions" not in coupons[COUPON_PCT10]  # unlimited


@pytest.mark.parametrize(
    ("code", "ok", "reason"),
    [
        (COUPON_PCT10, True, "valid"),
        ("pct10", True, "valid"),  # codes are case-insensitive
        (COUPON_EXPIRED15, False, "expired"),
        (COUPON_FUTURE5, False, "not valid until"),
        ("NOSUCHCODE", False, "Coupon not found"),
    ],
)
def test_validate(client, code, ok, reason):
    result = validate(client, code)
    assert result["is_ok"] is ok
    assert reason in result["details"]


def test_validate_not_the_members_coupon(client, register):
    other = register("98000001")
    result = validate(client, COUPON_PCT10, f"{STORE}/members/{other['id']}")
    assert result == {"is_ok": False, "details": "Coupon does not belong to this member."}


def test_reserve_is_idempotent_and_exclusive(client):
    assert reserve(client, COUPON_PCT10, "order-1")["is_ok"] is True
    assert reserve(client, COUPON_PCT10, "order-1")["is_ok"] is True
    other = reserve(client, COUPON_PCT10, "order-2")
    assert other == {"is_ok": False, "details": "Coupon is reserved by another transaction."}
    # A transaction for another order cannot redeem it either.
    assert buy(client, "order-2", [COUPON_PCT10])["is_ok"] is False
    # Cancelling for the wrong order does nothing.
    assert cancel(client, COUPON_PCT10, "order-2")["is_ok"] is False
    assert cancel(client, COUPON_PCT10, "order-1")["is_ok"] is True
    assert cancel(client, COUPON_PCT10, "order-1")["is_ok"] is True  # idempotent
    assert reserve(client, COUPON_PCT10, "order-2")["is_ok"] is True


def test_reserve_invalid_coupon(client):
    assert reserve(client, COUPON_EXPIRED15, "order-1")["is_ok"] is False
    assert reserve(client, "NOSUCHCODE", "order-1") == {
        "is_ok": False,
        "details": "Coupon not found.",
    }


def test_reserve_needs_transaction_id(client):
    response = client.post(f"{MEMBER}/coupons/{COUPON_PCT10}/reserve", json={"channel": "x"})
    assert response.status_code == 400
    assert "external_transaction_id" in response.json()["errors"]


def test_cancel_unknown_reservation_is_ok(client):
    assert cancel(client, "NOSUCHCODE", "order-9")["is_ok"] is True
    assert cancel(client, COUPON_PCT10, "order-9")["is_ok"] is True


def test_transaction_ends_reservation(sb, client):
    assert reserve(client, COUPON_PCT10, "order-1")["is_ok"] is True
    assert buy(client, "order-1", [COUPON_PCT10])["is_ok"] is True
    coupon = sb.state.stores[SEED_STORE_ID].coupon(COUPON_PCT10)
    assert coupon.reservations == {}
    assert coupon.times_redeemed(SEED_MEMBER_ID) == 1
    assert reserve(client, COUPON_PCT10, "order-2")["is_ok"] is True


def test_reserved_coupon_survives_expiry_for_its_order(client, anon, clock, token_for):
    assert reserve(client, COUPON_PCT10, "order-1")["is_ok"] is True
    clock.advance(days=91)  # the coupon expires meanwhile (and the token)
    client.headers["Authorization"] = f"Bearer {token_for(anon)}"
    assert validate(client, COUPON_PCT10)["is_ok"] is False
    assert buy(client, "order-2", [COUPON_PCT10])["is_ok"] is False
    assert buy(client, "order-1", [COUPON_PCT10])["is_ok"] is True


def test_max_redemptions(client):
    assert buy(client, "order-1", [COUPON_ONCE100])["is_ok"] is True
    result = validate(client, COUPON_ONCE100)
    assert result["is_ok"] is False
    assert "maximum" in result["details"]
    assert COUPON_ONCE100 not in {c["code"] for c in client.get(f"{MEMBER}/coupons").json()}
    second = buy(client, "order-2", [COUPON_ONCE100])
    assert second["is_ok"] is False
    assert COUPON_ONCE100 in second["details"]


def test_unlimited_coupon_counts_redemptions(client):
    buy(client, "order-1", [COUPON_PCT10])
    buy(client, "order-2", ["pct10"])
    coupons = {c["code"]: c for c in client.get(f"{MEMBER}/coupons").json()}
    assert coupons[COUPON_PCT10]["times_redeemed"] == 2
