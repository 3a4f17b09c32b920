"""Routing, request validation (400 problems naming fields) and response validation."""

from __future__ import annotations

import pytest

from django_diller.openapi import operation_ids
from django_diller.sandbox import SEED_MEMBER_ID, SEED_STORE_ID, Sandbox, SandboxContractError
from django_diller.sandbox.handlers import HANDLERS, members, stores

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"


def test_every_operation_has_a_handler():
    assert set(HANDLERS) == set(operation_ids())
    assert len(HANDLERS) == 37


def test_literal_routes_win_over_parameters(sb, client):
    client.get(f"{STORE}/members/search", params={"phone": "91234567"})
    client.post(
        f"{STORE}/members/enroll",
        json={"phone": {"country_code": "+47", "number": "45000009"}, "department_id": "dept-oslo"},
    )
    client.get(MEMBER)
    assert [r.operation_id for r in sb.requests[-3:]] == [
        "getMemberByFilter",
        "enrollMember",
        "getMemberById",
    ]


def test_unknown_route_is_404_problem(client):
    response = client.get("/api/v2.0/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["instance"] == "/api/v2.0/nothing/here"


def test_wrong_method_is_405(client):
    response = client.delete(f"{STORE}/segments")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_trailing_slash_and_encoded_segments(client):
    assert client.get(f"{STORE}/").status_code == 200
    assert client.get(f"{MEMBER}/coupons/PCT%31%30/validate").json()["is_ok"] is True


def test_body_type_error_names_the_field(client):
    response = client.post(
        f"{STORE}/members",
        json={"phone": {"country_code": "+47", "number": "98000009"}, "gender": "Robot"},
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["title"] == "One or more validation errors occurred."
    assert "gender" in problem["errors"]
    assert "Robot" in problem["errors"]["gender"][0]


def test_missing_required_nested_field(client):
    response = client.post(f"{STORE}/members", json={"phone": {"number": "98000009"}})
    assert response.status_code == 400
    assert response.json()["errors"] == {"phone.country_code": ["This field is required."]}


def test_nested_array_errors(client):
    body = {"external_id": "o-1", "total": 10, "details": [{"quantity": "two"}],
            "created_at": "yesterday"}  # fmt: skip
    response = client.post(f"{MEMBER}/transactions", json=body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"details[0].quantity", "created_at"}


def test_int32_path_parameter(client):
    response = client.post(f"{MEMBER}/stamp-cards/abc/reserve", json={})
    assert response.status_code == 400
    assert "stampId" in response.json()["errors"]
    response = client.post(f"{MEMBER}/stamp-cards/99999999999/reserve", json={})
    assert response.status_code == 400


def test_boolean_query_parameter(client):
    assert client.get(f"{STORE}/coupons", params={"alsoInactive": "True"}).status_code == 200
    response = client.get(f"{STORE}/coupons", params={"alsoInactive": "1"})
    assert response.status_code == 400
    assert "alsoInactive" in response.json()["errors"]


def test_invalid_json_and_content_type(client):
    headers = {"Content-Type": "application/json"}
    response = client.post(f"{STORE}/members", content=b"{nope", headers=headers)
    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    response = client.post(
        f"{STORE}/members", content=b"a=b", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_unknown_body_fields_are_tolerated(client):
    response = client.post(
        f"{STORE}/members",
        json={"phone": {"country_code": "+47", "number": "98000010"}, "favourite_colour": "red"},
    )
    assert response.status_code == 200


def test_validation_can_be_switched_off(clock):
    import httpx2

    from django_diller.sandbox import SandboxTransport

    sb = Sandbox(validate_requests=False, clock=clock)
    with httpx2.Client(transport=SandboxTransport(sb), base_url="https://x.invalid") as http:
        token = http.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "sandbox-secret"),
        ).json()["access_token"]
        response = http.post(
            f"{STORE}/members",
            json={"phone": {"country_code": "+47", "number": "98000011"}, "origin": {"channel": 5}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200


def test_bad_response_raises_contract_error(client, monkeypatch):
    def broken(ctx):
        return {"id": SEED_STORE_ID, "store_name": 42}

    monkeypatch.setitem(HANDLERS, "get", broken)
    with pytest.raises(SandboxContractError, match="store_name"):
        client.get(STORE)


def test_member_without_gender_would_break_the_contract(client, monkeypatch):
    real = members.render.member

    def no_gender(store, member):
        body = real(store, member)
        del body["gender"]
        return body

    monkeypatch.setattr(members.render, "member", no_gender)
    with pytest.raises(SandboxContractError, match="gender"):
        client.get(MEMBER)


def test_wrong_status_or_body_for_no_content(client, monkeypatch):
    from django_diller.sandbox.handlers import Reply

    monkeypatch.setitem(HANDLERS, "updateDependents", lambda ctx: Reply(200, {"x": 1}))
    with pytest.raises(SandboxContractError, match="no body"):
        client.post(f"{MEMBER}/dependents", json=[])


def test_response_validation_can_be_switched_off(clock, monkeypatch):
    sb = Sandbox(validate_responses=False, clock=clock)
    monkeypatch.setitem(HANDLERS, "getAll", lambda ctx: [{"store_name": 42}])
    token = sb.handle(
        "POST",
        "/connect/token",
        "",
        {"Authorization": "Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ="},
        b"grant_type=client_credentials",
    ).json()["access_token"]
    status, _headers, body = sb.handle(
        "GET", "/api/v2.0/stores", "", {"Authorization": f"Bearer {token}"}, b""
    )
    assert status == 200
    assert body == b'[{"store_name": 42}]'
    assert stores.HANDLERS["getAll"] is not HANDLERS["getAll"]


def test_request_log(sb, client):
    client.get(f"{STORE}/coupons", params={"alsoInactive": "true"})
    entry = sb.requests[-1]
    assert entry.operation_id == "getStoreCoupons"
    assert entry.method == "GET"
    assert entry.path == f"{STORE}/coupons"
    assert entry.query == {"alsoInactive": "true"}
    assert entry.status == 200
    assert isinstance(entry.response_json, list)
    assert entry.json is None
    client.post(f"{STORE}/departments", json={"name": "Logged"})
    assert sb.requests_for("createDepartment")[0].json == {"name": "Logged"}
