"""The transport-independent half of a call: building the request, judging the answer.

The retries are Diller's client's (:class:`~django_diller.api.calls.Attempts`), told to raise
Coupontools' errors (:data:`COUPONTOOLS`). Coupontools needs no token: a request carries the
client's id and secret as headers (set on the HTTP client) and its fields as a form (or JSON).

Coupontools' verdict is in the answer's body, not its HTTP status: ``status.status`` is
``"OK"`` on success whatever the HTTP status, anything else an error with its ``error_code``.
Only an answer without that verdict (a proxy's page, an empty 503) is judged by its HTTP status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import httpx2
from pydantic import ValidationError

from django_diller.api.calls import Attempts, PreparedCall, dotted, type_adapter
from django_diller.api.operations import Operation
from django_diller.api.provider import Provider
from django_diller.api.retry import RETRYABLE_STATUSES, parse_retry_after

from . import wire
from .errors import (
    ERROR_CODES,
    CoupontoolsError,
    CoupontoolsResponseError,
    CoupontoolsTimeout,
    CoupontoolsUnavailable,
    mask,
    refusal,
)
from .models import EXPIRATION_ZONE_CONTEXT, CouponSession, UpdateResult

logger = logging.getLogger("django_diller.coupontools")

COUPONTOOLS: Provider[CoupontoolsUnavailable] = Provider(
    name="Coupontools",
    key="coupontools",
    logger=logger,
    unavailable=CoupontoolsUnavailable,
    timeout=CoupontoolsTimeout,
)


@dataclass(frozen=True)
class FormCall(PreparedCall):
    """A prepared call whose body is form fields or JSON (``content_type``), about
    ``session`` (the id sent, to check the answer's against); no token."""

    content_type: str = wire.FORM_CONTENT_TYPE
    session: str = ""

    def build_request(
        self, client: httpx2.Client | httpx2.AsyncClient, token: str
    ) -> httpx2.Request:
        headers = {"Accept": "application/json", "Content-Type": self.content_type}
        return client.build_request(
            self.operation.method, self.url_path, content=self.content, headers=headers
        )


def prepare(
    operation: Operation, fields: dict[str, str], body: wire.BodyFormat, *, session: str
) -> FormCall:
    """The call sending ``fields`` as ``body`` (form fields or JSON)."""
    content, content_type = wire.encode(fields, body)
    return FormCall(operation, operation.path, {}, content, content_type, session)


def _body(response: httpx2.Response) -> dict[str, Any] | None:
    """The answer's JSON object, or None when it is not one."""
    try:
        data = wire.loads(response.content) if response.content else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _verdict(body: dict[str, Any]) -> str | None:
    """``status.status``, or None when the answer has none."""
    status = body.get("status")
    word = status.get("status") if isinstance(status, dict) else None
    return word if isinstance(word, str) else None


def says_ok(response: httpx2.Response) -> bool:
    body = _body(response)
    return body is not None and _verdict(body) == "OK"


def final_if_ok(response: httpx2.Response) -> httpx2.Response:
    """``response``, as a 200 when its status would be tried again but its body says ``OK``:
    Coupontools did what was asked, so no retry may repeat it."""
    if response.status_code not in RETRYABLE_STATUSES or not says_ok(response):
        return response
    logger.info("coupontools: HTTP %s with an OK answer, taken as the answer", response.status_code)
    return httpx2.Response(
        200, headers=response.headers, content=response.content, request=response.request
    )


def _error_code(body: dict[str, Any]) -> int | None:
    status = body.get("status")
    code = status.get("error_code") if isinstance(status, dict) else None
    if code is None:
        code = body.get("error_code")
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, str) and code.strip().isdecimal() and code.strip().isascii():
        return int(code.strip())
    return None


def _error_message(body: dict[str, Any]) -> str | None:
    status = body.get("status")
    message = status.get("message") if isinstance(status, dict) else None
    if message is None:
        message = body.get("message")
    return message if isinstance(message, str) else None


def _outage(status: int) -> bool:
    return status == 429 or status >= 500


def _without_verdict(
    operation: Operation, response: httpx2.Response, session: str, *, field: str
) -> CoupontoolsError:
    """The error for an answer without Coupontools' verdict, by its HTTP status."""
    status = response.status_code
    op_id = operation.operation_id
    if status in (401, 403):
        return refusal(None, operation=op_id, status=status, session=session, detail=None)
    if status in (502, 504) and not operation.idempotent:
        # A gateway gave up waiting: Coupontools may have done the update behind it.
        return CoupontoolsTimeout(
            f"HTTP {status}; the request may have been processed",
            operation=op_id,
            status=status,
            session=session,
        )
    if _outage(status):
        return CoupontoolsUnavailable(
            f"HTTP {status}",
            operation=op_id,
            status=status,
            session=session,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    what = "is not a JSON object" if field == "(body)" else f"has no '{field}'"
    return CoupontoolsResponseError(
        f"Coupontools' answer {what} (HTTP {status})",
        field=field,
        operation=op_id,
        status=status,
        session=session,
    )


def _parse(
    operation: Operation,
    body: dict[str, Any],
    status: int,
    session: str,
    expiration_zone: tzinfo,
) -> Any:
    try:
        return type_adapter(operation.response).validate_python(
            body, context={EXPIRATION_ZONE_CONTEXT: expiration_zone}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = dotted(tuple(first["loc"]))
        raise CoupontoolsResponseError(
            f"Coupontools' answer has an invalid '{field}': {first['msg']}",
            field=field,
            operation=operation.operation_id,
            status=status,
            session=session,
        ) from None


def read_answer(
    operation: Operation,
    response: httpx2.Response,
    *,
    session: str,
    expiration_zone: tzinfo,
) -> Any:
    """The typed answer of a final response, or the typed error it stands for.

    ``session``: the session id sent; an answer about another one breaks the contract.
    ``expiration_zone``: the zone ``expiration_date`` is read in.
    """
    status = response.status_code
    op_id = operation.operation_id
    masked = mask(session)
    body = _body(response)
    if body is None:
        raise _without_verdict(operation, response, masked, field="(body)")
    verdict = _verdict(body)
    if verdict is None:
        raise _without_verdict(operation, response, masked, field="status.status")
    if verdict == "OK":
        result = _parse(operation, body, status, masked, expiration_zone)
        answered = result.session if isinstance(result, CouponSession | UpdateResult) else None
        if answered is not None and answered != session:
            raise CoupontoolsResponseError(
                "Coupontools' answer has another 'session' than the one asked for",
                field="session",
                operation=op_id,
                status=status,
                session=masked,
            )
        return result
    code = _error_code(body)
    if _outage(status) and (code is None or code not in ERROR_CODES):
        # An outage's status and no error we know: Coupontools' own failure, not a refusal.
        raise _without_verdict(operation, response, masked, field="status.error_code")
    if code is None:
        raise CoupontoolsResponseError(
            f"Coupontools' error answer has no valid 'status.error_code' (HTTP {status})",
            field="status.error_code",
            operation=op_id,
            status=status,
            session=masked,
        )
    raise refusal(code, operation=op_id, status=status, session=masked, detail=_error_message(body))


__all__ = [
    "COUPONTOOLS",
    "Attempts",
    "FormCall",
    "final_if_ok",
    "prepare",
    "read_answer",
    "says_ok",
]
