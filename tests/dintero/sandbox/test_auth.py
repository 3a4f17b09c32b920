"""The token endpoint (HTTP Basic, client credentials, the audience) and bearer checks."""

from __future__ import annotations

import base64
import json

import pytest

from django_diller.dintero.sandbox import (
    DEFAULT_TOKEN_LIFETIME,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    audience_for,
)

from .conftest import ACCOUNT, AID, RECEIPTS, fetch_token, receipt, token_request

OTHER = "T87654321"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_token_answer_and_claims(sb, anon, clock):
    response = token_request(anon)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == DEFAULT_TOKEN_LIFETIME == 14400
    found = claims(body["access_token"])
    assert found["aud"] == f"https://api.dintero.com/v1/accounts/{AID}"
    assert found["sub"] == SANDBOX_CLIENT_ID
    assert found["exp"] - found["iat"] == DEFAULT_TOKEN_LIFETIME
    assert sb.token_requests == 1
    assert sb.requests[-1].operation_id == "token"
    assert sb.requests[-1].at == clock.now


@pytest.mark.parametrize(
    "auth",
    [(SANDBOX_CLIENT_ID, "wrong"), ("nobody", SANDBOX_CLIENT_SECRET), None],
    ids=["bad-secret", "unknown-client", "no-basic"],
)
def test_bad_credentials_are_401(sb, anon, auth):
    response = token_request(anon, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_client"
    assert "message" in response.json()["error"]
    assert sb.token_requests == 0


def test_credentials_of_one_account_do_not_open_another(sb, anon):
    sb.add_account(OTHER, "other-client", "other-secret")
    assert token_request(anon, OTHER).status_code == 401
    assert token_request(anon, OTHER, auth=("other-client", "other-secret")).status_code == 200


def test_wrong_audience_is_400(anon):
    body = {"grant_type": "client_credentials", "audience": audience_for(OTHER)}
    response = token_request(anon, body=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_audience"
    near_miss = {"grant_type": "client_credentials", "audience": audience_for(AID) + "/"}
    assert token_request(anon, body=near_miss).status_code == 400


def test_missing_audience_and_wrong_grant_are_400(anon):
    response = token_request(anon, body={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert any(e["field"] == "audience" for e in response.json()["error"]["errors"])
    wrong_grant = {"grant_type": "password", "audience": audience_for(AID)}
    assert token_request(anon, body=wrong_grant).status_code == 400


def test_bad_credentials_win_over_a_bad_body(anon):
    response = token_request(anon, auth=(SANDBOX_CLIENT_ID, "wrong"), body={"x": 1})
    assert response.status_code == 401


def test_malformed_account_on_token_endpoint_is_refused(anon):
    assert token_request(anon, "X12345678").status_code == 401


def test_bearer_is_required(anon, client):
    assert anon.get(f"{RECEIPTS}/search", params={"receipt_id": "x"}).status_code == 401
    bad = anon.get(
        f"{RECEIPTS}/search", params={"receipt_id": "x"}, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith("Bearer")
    assert client.get(f"{RECEIPTS}/search", params={"receipt_id": "x"}).status_code == 200


def test_token_expires(sb, client, clock):
    sb.token_lifetime = 60
    token = fetch_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{RECEIPTS}/search?receipt_id=x", headers=headers).status_code == 200
    clock.advance(seconds=60)
    response = client.get(f"{RECEIPTS}/search?receipt_id=x", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_revoked_tokens_are_refused(sb, client):
    sb.revoke_tokens()
    assert client.get(f"{RECEIPTS}/search?receipt_id=x").status_code == 401


def test_account_must_be_the_tokens_own(sb, client):
    sb.add_account(OTHER, "other-client", "other-secret")
    other = f"/v1/accounts/{OTHER}/receipts"
    response = client.get(f"{other}/search", params={"receipt_id": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    # The document files "Forbidden" under 404 for creating receipts.
    assert client.post(other, json=[receipt("r-1")]).status_code == 404
    assert sb.state.accounts[OTHER].receipts == {}


def test_malformed_account_id_is_400(client):
    response = client.get("/v1/accounts/T1234/receipts/search", params={"receipt_id": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "aid"


def test_tokens_outlive_a_reset(sb, client):
    sb.reset()
    assert client.get(f"{ACCOUNT}/receipts/search?receipt_id=x").status_code == 200
    assert sb.token_requests == 0
