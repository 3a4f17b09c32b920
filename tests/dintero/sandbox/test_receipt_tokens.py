"""Receipt tokens: made at creation (``token_expire_days``), used to get and to claim."""

from __future__ import annotations

import pytest

from django_diller.dintero.sandbox import (
    SANDBOX_PUBLIC_URL,
    TOKEN_EXPIRES_AT,
    TOKEN_URL,
    TOKEN_VALUE,
)

from .conftest import AID, RECEIPTS, fetch_token, receipt

BY_TOKEN = f"{RECEIPTS}/receipt-token"


def extra(answer):
    return {e["key"]: e for e in answer.get("extra_info", [])}


def create_with_token(client, receipt_id="r-1", days=7, **fields):
    response = client.post(
        RECEIPTS, json=[receipt(receipt_id, **fields)], params={"token_expire_days": days}
    )
    assert response.status_code == 200, response.text
    return response.json()["receipts"][0]


def test_create_records_the_token_in_extra_info(blank):
    answer = create_with_token(blank, days=7)
    info = extra(answer)
    token = info[TOKEN_VALUE]["value"]
    assert token.count(".") == 2
    assert info[TOKEN_VALUE]["value_type"] == "string"
    assert info[TOKEN_EXPIRES_AT] == {
        "key": TOKEN_EXPIRES_AT,
        "value": "2025-03-08T12:00:00Z",
        "value_type": "datetime",
    }
    assert info[TOKEN_URL]["value"] == (
        f"{SANDBOX_PUBLIC_URL}/v1/accounts/{AID}/receipts/receipt-token?token={token}"
    )
    found = blank.get(f"{RECEIPTS}/search", params={"receipt_id": "r-1"}).json()["receipts"]
    assert extra(found[0])[TOKEN_VALUE]["value"] == token


def test_without_token_expire_days_there_is_no_token(blank):
    answer = blank.post(RECEIPTS, json=[receipt("r-1")]).json()["receipts"][0]
    assert TOKEN_VALUE not in extra(answer)


def test_posted_extra_info_is_kept_beside_the_token(blank):
    mine = {"key": "shop.order", "value": "100042", "value_type": "string"}
    answer = create_with_token(blank, extra_info=[mine])
    assert answer["extra_info"][0] == mine and TOKEN_VALUE in extra(answer)


@pytest.mark.parametrize("days", ["0", "-1", "x"])
def test_token_expire_days_must_be_positive(empty, blank, days):
    response = blank.post(RECEIPTS, json=[receipt("r-1")], params={"token_expire_days": days})
    assert response.status_code == 400
    assert empty.state.accounts[AID].receipts == {}


def test_get_by_token(blank):
    answer = create_with_token(blank)
    token = extra(answer)[TOKEN_VALUE]["value"]
    response = blank.get(BY_TOKEN, params={"token": token})
    assert response.status_code == 200
    assert response.json()["id"] == answer["id"]


def test_claim_sets_the_customer_and_spends_the_token(empty, blank):
    answer = create_with_token(blank)
    token = extra(answer)[TOKEN_VALUE]["value"]
    claimed = blank.post(BY_TOKEN, params={"token": token}, json={"customer_id": "c-7"})
    assert claimed.status_code == 200
    assert claimed.json()["customer_id"] == "c-7"
    mine = blank.get(f"{RECEIPTS}/customers/c-7").json()["receipts"]
    assert [r["id"] for r in mine] == [answer["id"]]
    again = blank.post(BY_TOKEN, params={"token": token}, json={"customer_id": "c-8"})
    assert again.status_code == 403
    assert blank.get(BY_TOKEN, params={"token": token}).status_code == 403
    assert empty.requests[-1].query == {"token": "***"}  # the log keeps no tokens


def test_claim_needs_a_clean_customer_id_and_keeps_the_token(blank):
    token = extra(create_with_token(blank))[TOKEN_VALUE]["value"]
    assert blank.post(BY_TOKEN, params={"token": token}, json={}).status_code == 400
    bad = blank.post(BY_TOKEN, params={"token": token}, json={"customer_id": "c "})
    assert bad.status_code == 400
    assert blank.get(BY_TOKEN, params={"token": token}).status_code == 200


def test_expired_token_is_refused(blank, clock):
    token = extra(create_with_token(blank, days=1))[TOKEN_VALUE]["value"]
    clock.advance(hours=3)
    assert blank.get(BY_TOKEN, params={"token": token}).status_code == 200
    clock.advance(hours=21)
    fresh = {"Authorization": f"Bearer {fetch_token(blank)}"}  # the access token expired too
    response = blank.get(BY_TOKEN, params={"token": token}, headers=fresh)
    assert response.status_code == 403
    assert "expired" in response.json()["error"]["message"]


def test_tampered_and_malformed_tokens(blank):
    token = extra(create_with_token(blank))[TOKEN_VALUE]["value"]
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{'A' * len(signature)}"
    assert blank.get(BY_TOKEN, params={"token": forged}).status_code == 403
    malformed = blank.get(BY_TOKEN, params={"token": "not-a-token"})
    assert malformed.status_code == 400
    assert blank.get(BY_TOKEN).status_code == 400  # token is required


def test_bad_token_status_can_be_400(empty, blank):
    empty.options.bad_token_status = 400
    token = extra(create_with_token(blank))[TOKEN_VALUE]["value"]
    assert (
        blank.post(BY_TOKEN, params={"token": token}, json={"customer_id": "c"}).status_code == 200
    )
    spent = blank.get(BY_TOKEN, params={"token": token})
    assert spent.status_code == 400
    assert spent.json()["error"]["code"] == "invalid_token"


def test_token_of_another_sandbox_is_refused(blank, client):
    token = extra(create_with_token(blank))[TOKEN_VALUE]["value"]
    assert client.get(BY_TOKEN, params={"token": token}).status_code == 403
