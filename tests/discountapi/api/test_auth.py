"""Bearer tokens from /o/token/ (client credentials, HTTP Basic or form) and their scopes:
401 without a valid token, 403 without the method's scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from django_diller.discountapi.models import Discount

from .conftest import EXAMPLE, READ, WRITE, Api, fetch_token, status_of

WRITES = [
    ("POST", "/discounts", {**EXAMPLE, "discountId": "new"}),
    ("PATCH", "/discounts/d1", {"rate": 1}),
    ("DELETE", "/discounts/d1", None),
    ("POST", "/discounts/d1/combinableWith", {"combinableWith": ["d9"]}),
    ("DELETE", "/discounts/d1/combinableWith/d2", None),
    ("POST", "/discounts/d1/stores", {"stores": ["1"]}),
    ("DELETE", "/discounts/d1/stores/9999", None),
    ("POST", "/discounts/d1/distchains", {"distChains": ["X"]}),
    ("DELETE", "/discounts/d1/distchains/DE01", None),
]
READS = [("GET", "/discounts", None), ("GET", "/discounts/d1", None)]


@pytest.mark.parametrize("basic", [True, False], ids=["basic", "form"])
def test_the_token_endpoint_gives_client_credentials_tokens(application, basic):
    response = fetch_token(Client(), f"{READ} {WRITE}", basic=basic)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == {READ, WRITE}
    assert Api(body["access_token"]).get("/discounts").status_code == 200


def test_the_token_endpoint_refuses_a_wrong_secret(application):
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "client_id": "test-backoffice", "client_secret": "x"},
    )
    assert response.status_code == 401
    assert "access_token" not in response.json()


def test_a_client_that_asks_for_no_scope_may_only_read(token, created):
    api = Api(token(None))
    assert api.get("/discounts/d1").status_code == 200
    assert api.patch("/discounts/d1", {"rate": 1}).status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), WRITES + READS)
@pytest.mark.parametrize(
    "bearer", [None, "not-a-token", "expired"], ids=["missing", "unknown", "expired"]
)
def test_no_valid_token_is_401_E04010(api, created, method, path, body, bearer):
    if bearer == "expired":
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        bearer = api.bearer
    response = Api(bearer).call(method, path, body)
    assert response.status_code == 401
    assert status_of(response)["responseCode"] == "E04010"
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert Discount.objects.get().to_document() == EXAMPLE


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_token_cannot_write_403_E04030(token, created, method, path, body):
    response = Api(token(READ)).call(method, path, body)
    assert response.status_code == 403
    assert status_of(response)["responseCode"] == "E04030"
    assert Discount.objects.get().to_document() == EXAMPLE


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_a_write_token_cannot_read_403_E04030(token, created, method, path, body):
    response = Api(token(WRITE)).call(method, path, body)
    assert response.status_code == 403
    assert status_of(response)["responseCode"] == "E04030"


def test_a_write_token_writes(token):
    assert Api(token(WRITE)).post("/discounts", EXAMPLE).status_code == 201


def test_a_staff_session_is_no_token(db):
    staff = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client = Client()
    client.force_login(staff)
    response = client.get("/api/discounts")
    assert response.status_code == 401
    assert response.json()["apiResponseStatus"]["responseCode"] == "E04010"


def test_the_token_is_never_echoed(api):
    response = Api(api.bearer + "x").get("/discounts")
    assert api.bearer not in response.content.decode()
    assert api.bearer not in response["WWW-Authenticate"]
