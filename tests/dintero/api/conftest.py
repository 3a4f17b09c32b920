"""A scripted Dintero behind ``httpx2.MockTransport``: tokens, recorded requests, answers."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx2
import pytest

from django_diller.api.auth import MemoryTokenStore
from django_diller.api.retry import RetryPolicy
from django_diller.dintero.api import DinteroClient, DinteroConfig, Timeouts
from django_diller.dintero.openapi import load_spec
from tests.contract_support import (
    Answer,
    closing_clients,
    examples_of,
    next_answer,
    recorded_sleeps,
)

ACCOUNT_ID = "T12345678"
CLIENT_ID = "shop-client"
CLIENT_SECRET = "s3cr3t-never-shown"
BASE_URL = "https://api.dintero.invalid/v1"
TOKEN_PATH = f"/v1/accounts/{ACCOUNT_ID}/auth/token"

example = examples_of(load_spec())


@dataclass
class FakeDintero:
    """Issues tokens and answers API requests from a script, recording every request.

    ``answers[path]`` is a list of answers (responses or transport errors to raise), used in
    turn for that path; the last one repeats.
    """

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    token_answers: list[Answer] = field(default_factory=list)
    requests: list[httpx2.Request] = field(default_factory=list)
    token_requests: list[httpx2.Request] = field(default_factory=list)
    tokens_issued: int = 0
    revoked: set[str] = field(default_factory=set)

    def answer(self, path: str, *answers: Answer) -> None:
        self.answers[path] = list(answers)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == TOKEN_PATH:
            self.token_requests.append(request)
            if self.token_answers:
                return next_answer(self.token_answers)
            self.tokens_issued += 1
            token = f"token-{self.tokens_issued}"
            return httpx2.Response(
                200, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600}
            )
        self.requests.append(request)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer in self.revoked:
            return httpx2.Response(401, json={"error": {"message": "token expired"}})
        queue = self.answers.get(request.url.raw_path.decode().partition("?")[0])
        if not queue:
            return httpx2.Response(404, json={"error": {"message": "no such path"}})
        return next_answer(queue)

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]


def basic_credentials(request: httpx2.Request) -> tuple[str, str]:
    scheme, _, encoded = request.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    user, _, password = base64.b64decode(encoded).decode().partition(":")
    return user, password


def make_config(**overrides) -> DinteroConfig:
    values = {
        "account_id": ACCOUNT_ID,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "base_url": BASE_URL,
        "timeouts": Timeouts(connect=1.0, read=2.0),
        "retry": RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.005),
    }
    values.update(overrides)
    return DinteroConfig(**values)


@pytest.fixture
def dintero() -> FakeDintero:
    return FakeDintero()


@pytest.fixture
def make_client(dintero) -> Callable[..., DinteroClient]:
    def build(store=None, **overrides) -> DinteroClient:
        return DinteroClient(
            make_config(**overrides),
            token_store=store or MemoryTokenStore(),
            transport=httpx2.MockTransport(dintero),
        )

    with closing_clients(build) as make:
        yield make


@pytest.fixture
def client(make_client) -> DinteroClient:
    return make_client()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Records the client's waits between retries instead of sleeping."""
    return recorded_sleeps(monkeypatch, "django_diller.dintero.api.client.time.sleep")
