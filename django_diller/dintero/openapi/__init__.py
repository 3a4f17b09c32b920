"""Dintero's Receipts API contract (``dintero-receipts.yaml``), shipped inside the package.

Dintero's Swagger 2.0 document in OpenAPI 3.0, with Dintero's own names. Its paths are relative
to the server ``https://api.dintero.com/v1`` (the document's base path ``/v1``): a request for
``/v1/accounts/{aid}/receipts`` is the operation at ``/accounts/{aid}/receipts``. The sandbox
validates what it receives and sends against it, and the contract tests read it.
"""

from __future__ import annotations

from typing import Any

from django_diller.openapi import load_document, operation_ids_of

SPEC_FILE = "dintero-receipts.yaml"
# The document's base path: the servers' URL path, which its paths are relative to.
BASE_PATH = "/v1"


def load_spec() -> dict[str, Any]:
    """The parsed OpenAPI document (parsed once per process)."""
    return load_document(__name__, SPEC_FILE)


def operation_ids() -> list[str]:
    """Every operationId in the contract, in document order."""
    return operation_ids_of(load_spec())
