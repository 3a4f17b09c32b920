"""OAuth client credentials and bearer tokens."""

from __future__ import annotations

from django_diller.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SEED_STORE_ID

FORM = {"grant_type": "client_credentials", "scope": "api.retailer"}


def test_token_grant(sb, anon):
    response = anon.post(
        "/connect/token", data=FORM, auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "api.retailer"
    assert len(body["access_token"]) > 20
    assert sb.token_requests == 1
    assert sb.requests_for("token")[0].status == 200


def test_token_in_form_body_also_works(anon):
    data = {**FORM, "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}
    assert anon.post("/connect/token", data=data).status_code == 200


def test_bad_credentials(sb, anon):
    response = anon.post("/connect/token", data=FORM, auth=(SANDBOX_CLIENT_ID, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert sb.token_requests == 0


def test_bad_grant_type(anon):
    response = anon.post(
        "/connect/token",
        data={"grant_type": "password"},
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_endpoint_only_accepts_post(anon):
    assert anon.get("/connect/token").status_code == 405


def test_missing_token_is_401_problem(anon):
    response = anon.get("/api/v2.0/stores")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 401
    assert problem["title"] == "Unauthorized"
    assert "bearer" in response.headers["www-authenticate"].lower()


def test_unknown_token(anon):
    response = anon.get("/api/v2.0/stores", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_good_token(client):
    response = client.get("/api/v2.0/stores")
    assert response.status_code == 200
    assert [store["id"] for store in response.json()] == [SEED_STORE_ID]


def test_expired_token(client, clock):
    clock.advance(seconds=3599)
    assert client.get("/api/v2.0/stores").status_code == 200
    clock.advance(seconds=1)
    response = client.get("/api/v2.0/stores")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_revoked_tokens(sb, client, anon, token_for):
    sb.revoke_tokens()
    assert client.get("/api/v2.0/stores").status_code == 401
    fresh = token_for(anon)
    response = anon.get("/api/v2.0/stores", headers={"Authorization": f"Bearer {fresh}"})
    assert response.status_code == 200
    assert sb.token_requests == 2


def test_custom_credentials_and_lifetime(clock):
    import httpx2

    from django_diller.sandbox import Sandbox, SandboxTransport

    sb = Sandbox(client_id="uid", client_secret="key", token_lifetime=60, clock=clock)
    with httpx2.Client(transport=SandboxTransport(sb), base_url="https://x.invalid") as http:
        response = http.post("/connect/token", data=FORM, auth=("uid", "key"))
        assert response.json()["expires_in"] == 60
        token = response.json()["access_token"]
        clock.advance(seconds=61)
        stores = http.get("/api/v2.0/stores", headers={"Authorization": f"Bearer {token}"})
        assert stores.status_code == 401
