"""Coupontools' contract (``coupontools-v3.yaml``), shipped inside the package.

Our own OpenAPI 3.0 document of the two operations of Coupontools' v3 API that we use (a coupon
session's look-up and its update), written from Coupontools' POS integration guide; what the
guide does not say is named in the document as assumed. Its paths are relative to the host
(``https://api.coupontools.com``) and start with ``/v3``. The sandbox validates what it receives
and sends against it, and the contract tests read it.
"""

from __future__ import annotations

from typing import Any

from django_diller.openapi import load_document, operation_ids_of

SPEC_FILE = "coupontools-v3.yaml"
# The servers' URL path, which the paths are relative to: none (the paths carry ``/v3``).
BASE_PATH = ""


def load_spec() -> dict[str, Any]:
    """The parsed OpenAPI document (parsed once per process)."""
    return load_document(__name__, SPEC_FILE)


def operation_ids() -> list[str]:
    """Every operationId in the contract, in document order."""
    return operation_ids_of(load_spec())
