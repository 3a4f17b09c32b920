"""The OpenAPI document: the checked-in file is what the views generate (run `make api-schema`
after changing the API), it is served at /api/schema/, and it has the document's paths."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.management import call_command

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "discount-api.openapi.yaml"
DOCUMENT_PATHS = {
    "/discounts": {"get", "post"},
    "/discounts/{discountId}": {"get", "patch", "delete"},
    "/discounts/{discountId}/combinableWith": {"post"},
    "/discounts/{discountId}/combinableWith/{otherId}": {"delete"},
    "/discounts/{discountId}/stores": {"post"},
    "/discounts/{discountId}/stores/{storeId}": {"delete"},
    "/discounts/{discountId}/distchains": {"post"},
    "/discounts/{discountId}/distchains/{distChain}": {"delete"},
}


def generate(tmp_path: Path) -> str:
    """What `make api-schema` writes."""
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular",
        urlconf="django_diller.discountapi.api.urls",
        custom_settings="django_diller.discountapi.api.schema.SCHEMA_SETTINGS",
        lang="en",
        validate=True,
        fail_on_warn=True,
        file=str(target),
    )
    return target.read_text(encoding="utf-8")


def test_the_checked_in_schema_is_up_to_date(tmp_path):
    assert generate(tmp_path) == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "docs/discount-api.openapi.yaml is out of date: run `make api-schema` and review the diff"
    )


def test_the_schema_has_exactly_the_documents_paths():
    document = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    paths = {path: set(operations) for path, operations in document["paths"].items()}
    assert paths == DOCUMENT_PATHS


def test_every_operation_names_its_scope_and_documents_401_and_403():
    document = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    for operations in document["paths"].values():
        for method, operation in operations.items():
            scope = "discounts:read" if method == "get" else "discounts:write"
            assert operation["security"] == [{"oauth2": [scope]}]
            assert {"401", "403"} <= set(operation["responses"])
    flow = document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/o/token/"


def test_the_served_schema_is_the_file_with_the_shops_prefix(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    checked_in = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert served == {**checked_in, "servers": [{"url": "/api"}]}
    assert client.get("/api/schema/?format=json").json() == served
