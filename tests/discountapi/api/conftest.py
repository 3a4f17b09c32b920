"""The Discount API as the back office calls it: an OAuth2 application, real tokens from the
example shop's ``/o/token/`` (client credentials), and the API under ``/api/``."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import Application

CLIENT_ID = "test-backoffice"
CLIENT_SECRET = "test-backoffice-secret"
APP_NAME = "Chain back office"
READ = "discounts:read"
WRITE = "discounts:write"
BOTH = f"{READ} {WRITE}"

EXAMPLE = {
    "discountId": "d1",
    "name": "Example discount",
    "rate": 500,
    "type": "RELATIVE",
    "properties": {
        "automatic": False,
        "manualRate": False,
        "employee": False,
        "calculatedFromBasePrice": False,
        "combinableWith": ["d2", "d3"],
    },
    "temporalValidity": {
        "validFromDate": "2020-07-04",
        "validUntilDate": "2099-12-31",
        "validFromTime": 500,
        "validUntilTime": 2300,
        "dayOfWeekList": [
            "MONDAY",
            "TUESDAY",
            "WEDNESDAY",
            "THURSDAY",
            "FRIDAY",
            "SATURDAY",
            "SUNDAY",
        ],
    },
    "locationValidity": {"stores": ["9999"], "distChains": ["DE01"]},
}


def example(**changes: Any) -> dict[str, Any]:
    """The document's example body, with top-level ``changes``."""
    return {**json.loads(json.dumps(EXAMPLE)), **changes}


@pytest.fixture
def application(db) -> Application:
    """A confidential client-credentials application, stored with its secret hashed."""
    return Application.objects.create(
        name=APP_NAME,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        hash_client_secret=True,
    )


def fetch_token(client: Client, scope: str | None = BOTH, *, basic: bool = True) -> Any:
    """POST /o/token/ with the client credentials (HTTP Basic, or in the form)."""
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    headers = {}
    if basic:
        pair = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    else:
        form |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return client.post("/o/token/", form, headers=headers)


@pytest.fixture
def token(application) -> Callable[..., str]:
    """A real access token from /o/token/ with the scopes asked for (both by default)."""

    def get(scope: str | None = BOTH) -> str:
        response = fetch_token(Client(), scope)
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    return get


class Api:
    """JSON calls to the API under /api/ with a bearer token."""

    def __init__(self, bearer: str | None) -> None:
        self.client = Client()
        self.bearer = bearer

    def call(self, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        headers = extra.pop("headers", {})
        if self.bearer is not None:
            headers.setdefault("Authorization", f"Bearer {self.bearer}")
        kwargs: dict[str, Any] = {"headers": headers, **extra}
        if body is not None:
            kwargs.setdefault("content_type", "application/json")
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method.lower())(f"/api{path}", **kwargs)

    def get(self, path: str, **extra: Any) -> Any:
        return self.call("GET", path, **extra)

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.call("POST", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.call("PATCH", path, body, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self.call("DELETE", path, **extra)


@pytest.fixture
def api(token) -> Api:
    """The API with a token holding both scopes."""
    return Api(token())


@pytest.fixture
def created(api) -> dict[str, Any]:
    """The document's example discount, created through the API."""
    response = api.post("/discounts", EXAMPLE)
    assert response.status_code == 201, response.content
    return response.json()


def status_of(response: Any) -> dict[str, str]:
    return response.json()["apiResponseStatus"]
