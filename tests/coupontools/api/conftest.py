"""A scripted Coupontools behind ``httpx2.MockTransport``: recorded requests, answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx2
import pytest

from django_diller.api.retry import RetryPolicy
from django_diller.coupontools.api import CoupontoolsClient, CoupontoolsConfig, Timeouts
from django_diller.coupontools.openapi import load_spec
from tests.contract_support import (
    Answer,
    closing_clients,
    examples_of,
    next_answer,
    recorded_sleeps,
)

CLIENT_ID = "shop-client"
CLIENT_SECRET = "s3cr3t-never-shown"
BASE_URL = "https://api.coupontools.invalid"
DATA = "/v3/couponsession/data"
UPDATE = "/v3/couponsession/update"
SESSION = "kkfiznr8Yp8630h82es8d"  # the guide's example

example = examples_of(load_spec())


def session_answer(**state) -> dict:
    """The guide's session, its ``data.status`` changed by ``state``."""
    body = example("SessionClaimed")
    body["data"]["status"].update(state)
    return body


def answer(body, status: int = 200, **kw) -> httpx2.Response:
    return httpx2.Response(status, json=body, **kw)


def refusal(code, message: str = "Coupon session not found", status: int = 200, **kw):
    return answer(
        {"status": {"status": "ERROR", "error_code": code, "message": message}}, status, **kw
    )


def fields(request: httpx2.Request) -> dict[str, str]:
    """A request's form (or JSON) fields."""
    content = request.content.decode()
    if request.headers["Content-Type"] == "application/json":
        return json.loads(content)
    return dict(parse_qsl(content, keep_blank_values=True, strict_parsing=True))


@dataclass
class FakeCoupontools:
    """Answers requests from a script, recording every request.

    ``answers[path]`` is a list of answers (responses or transport errors to raise), used in
    turn for that path; the last one repeats.
    """

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    requests: list[httpx2.Request] = field(default_factory=list)

    def answer(self, path: str, *answers: Answer) -> None:
        self.answers[path] = list(answers)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        queue = self.answers.get(request.url.path)
        if not queue:
            return httpx2.Response(404, text="no such path")
        return next_answer(queue)

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]


def make_config(**overrides) -> CoupontoolsConfig:
    values = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "base_url": BASE_URL,
        "timeouts": Timeouts(connect=1.0, read=2.0),
        "retry": RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.005),
    }
    values.update(overrides)
    return CoupontoolsConfig(**values)


@pytest.fixture
def coupontools() -> FakeCoupontools:
    return FakeCoupontools()


@pytest.fixture
def make_client(coupontools) -> Callable[..., CoupontoolsClient]:
    def build(**overrides) -> CoupontoolsClient:
        return CoupontoolsClient(
            make_config(**overrides), transport=httpx2.MockTransport(coupontools)
        )

    with closing_clients(build) as make:
        yield make


@pytest.fixture
def client(make_client) -> CoupontoolsClient:
    return make_client()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Records the client's waits between retries instead of sleeping."""
    return recorded_sleeps(monkeypatch, "django_diller.coupontools.api.client.time.sleep")
