"""Dintero's Receipts API contract (``dintero-receipts.yaml``), shipped inside the package.

Dintero's Swagger 2.0 document in OpenAPI 3.0, with Dintero's own names. Its paths are relative
to the server ``https://api.dintero.com/v1`` (the document's base path ``/v1``): a request for
``/v1/accounts/{aid}/receipts`` is the operation at ``/accounts/{aid}/receipts``. The sandbox
validates what it receives and sends against it, and the contract tests read it.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

SPEC_FILE = "dintero-receipts.yaml"
# The document's base path: the servers' URL path, which its paths are relative to.
BASE_PATH = "/v1"


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed OpenAPI document (parsed once per process)."""
    text = resources.files(__package__).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


def operation_ids() -> list[str]:
    """Every operationId in the contract, in document order."""
    spec = load_spec()
    return [
        operation["operationId"]
        for path_item in spec["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
