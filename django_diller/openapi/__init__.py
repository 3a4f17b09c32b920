"""The Diller Retailer API contract (``diller-openapi.yaml``), shipped inside the package.

The sandbox validates what it receives and sends against it, and the contract tests read it.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

SPEC_FILE = "diller-openapi.yaml"


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed OpenAPI document (parsed once per process)."""
    text = resources.files(__package__).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def operation_ids() -> list[str]:
    """Every operationId in the contract, in document order."""
    spec = load_spec()
    return [
        operation["operationId"]
        for path_item in spec["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
