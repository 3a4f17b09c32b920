"""The transport-independent half of a call: building the request, judging the answer.

Building the request and the retries are Diller's client's (:mod:`django_diller.api.calls`),
told to encode with Dintero's wire encoding and to raise Dintero's errors (:data:`DINTERO`);
reading Dintero's answers and ``Error`` bodies is here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx2
from pydantic import ValidationError

from django_diller.api import calls
from django_diller.api.calls import Attempts, PreparedCall, dotted, type_adapter
from django_diller.api.provider import Provider
from django_diller.api.retry import parse_retry_after

from . import wire
from .errors import (
    DinteroAuthError,
    DinteroConflict,
    DinteroError,
    DinteroNotFound,
    DinteroRefused,
    DinteroResponseError,
    DinteroTimeout,
    DinteroUnavailable,
)
from .models import ErrorResponse
from .operations import Operation

logger = logging.getLogger("django_diller.dintero")

DINTERO: Provider[DinteroUnavailable] = Provider(
    name="Dintero",
    key="dintero",
    logger=logger,
    unavailable=DinteroUnavailable,
    timeout=DinteroTimeout,
)


def prepare(
    operation: Operation,
    path_params: Mapping[str, Any],
    query: Mapping[str, Any] | None = None,
    body: Any = None,
) -> PreparedCall:
    """Fill the path template (values URL-quoted), drop empty query values, encode the body."""
    return calls.prepare(operation, path_params, query, body, encode=wire.dumps)


def parse(operation: Operation, response: httpx2.Response) -> Any:
    """The typed answer of a 2xx response; :class:`DinteroResponseError` if it breaks the
    contract (naming the first field that does)."""
    op_id = operation.operation_id
    status = response.status_code
    try:
        data = wire.loads(response.content)
    except ValueError:
        raise DinteroResponseError(
            "Dintero's answer is not JSON", field="(body)", operation=op_id, status=status
        ) from None
    try:
        return type_adapter(operation.response).validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = dotted(tuple(first["loc"]))
        raise DinteroResponseError(
            f"Dintero's answer has an invalid '{field}': {first['type']}",
            field=field,
            operation=op_id,
            status=status,
        ) from None


def error_body(response: httpx2.Response) -> ErrorResponse | None:
    """The ``Error`` an error answer carries, or None if it carries none (a proxy's page)."""
    try:
        return ErrorResponse.model_validate(wire.loads(response.content))
    except ValueError:  # not JSON, or not the Error shape
        return None


def failure(operation: Operation, response: httpx2.Response) -> DinteroError:
    """The typed error a non-2xx final response stands for.

    The message names the status and Dintero's error code only: its message text may quote
    what was sent (a customer id, an e-mail), so it stays in ``detail``.
    """
    status = response.status_code
    op_id = operation.operation_id
    body = error_body(response)
    code = body.error.code if body else None
    detail = body.error.message if body else None
    message = f"HTTP {status}" + (f" ({code})" if code else "")
    kwargs: dict[str, Any] = {
        "operation": op_id,
        "status": status,
        "code": code,
        "detail": detail,
        "errors": body.error.errors if body else None,
    }
    if status in (401, 403):
        return DinteroAuthError(message, **kwargs)
    if status == 404:
        return DinteroNotFound(message, **kwargs)
    if status == 409:
        return DinteroConflict(message, **kwargs)
    if status in (502, 504) and not operation.idempotent:
        # A gateway gave up waiting: Dintero may have processed the request behind it.
        return DinteroTimeout(f"{message}; the request may have been processed", **kwargs)
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return DinteroUnavailable(message, retry_after=retry_after, **kwargs)
    if 400 <= status < 500:
        return DinteroRefused(message, **kwargs)
    return DinteroError(message, **kwargs)


__all__ = [
    "DINTERO",
    "Attempts",
    "PreparedCall",
    "dotted",
    "error_body",
    "failure",
    "parse",
    "prepare",
]
