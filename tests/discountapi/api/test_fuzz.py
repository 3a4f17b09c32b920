"""Schemathesis fuzzes the API from its checked-in OpenAPI document, in process, with a real
token: no input gives a server error, and every answer conforms to the document (status,
content type, body)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis import checks

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "discount-api.openapi.yaml"

document = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
schema = schemathesis.openapi.from_dict({**document, "servers": [{"url": "/api"}]})
schema.app = get_wsgi_application()


@pytest.fixture
def bearer(token) -> str:
    """One token for all the examples of an operation (both scopes)."""
    return token()


# Every operation, 50 examples each, in both of Schemathesis' modes: data the document allows,
# and data it does not (which must be refused with a 4xx).
@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_breaks_the_api(case, bearer):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {bearer}"},
        # Valid by the document, refused by the rules across fields (a relative rate above
        # 100 %, equal from and until times): a 400 there is right.
        excluded_checks=[checks.positive_data_acceptance],
    )
