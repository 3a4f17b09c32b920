"""The Diller Retailer API contract (``diller-openapi.yaml``), shipped inside the package.

The sandbox validates what it receives and sends against it, and the contract tests read it.
:func:`load_document` and :func:`operation_ids_of` read any provider's contract the same way
(Dintero's and Coupontools' ``openapi`` packages ship theirs).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

SPEC_FILE = "diller-openapi.yaml"


@functools.cache
def load_document(package: str, filename: str) -> dict[str, Any]:
    """The parsed OpenAPI document ``filename`` of ``package`` (parsed once per process)."""
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


def operation_ids_of(spec: dict[str, Any]) -> list[str]:
    """Every operationId in ``spec``, in document order."""
    return [
        operation["operationId"]
        for path_item in spec["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]


def load_spec() -> dict[str, Any]:
    """The parsed OpenAPI document (parsed once per process)."""
    return load_document(__name__, SPEC_FILE)


def operation_ids() -> list[str]:
    """Every operationId in the contract, in document order."""
    return operation_ids_of(load_spec())
