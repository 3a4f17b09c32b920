"""The transport-independent half of a call: building the request, judging the answer.

Both clients (sync and async) use these, so retries, error mapping and parsing behave the same
whichever one a shop uses.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from urllib.parse import quote

import httpx2
from pydantic import TypeAdapter, ValidationError

from . import wire
from .errors import (
    DillerAuthError,
    DillerError,
    DillerNotFound,
    DillerRefused,
    DillerResponseError,
    DillerTimeout,
    DillerUnavailable,
    DillerValidationError,
)
from .models import TIME_ZONE_CONTEXT
from .operations import Operation
from .retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

logger = logging.getLogger("django_diller.api")

# Errors raised before any byte of the request left this machine: always safe to retry.
NEVER_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


@dataclass(frozen=True)
class PreparedCall:
    operation: Operation
    url_path: str
    params: dict[str, str]
    content: bytes | None

    def build_request(
        self, client: httpx2.Client | httpx2.AsyncClient, token: str
    ) -> httpx2.Request:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if self.content is not None:
            headers["Content-Type"] = wire.JSON_CONTENT_TYPE
        return client.build_request(
            self.operation.method,
            self.url_path,
            params=self.params or None,
            content=self.content,
            headers=headers,
        )


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _path_segment(name: str, value: Any) -> str:
    text = str(value)
    if not text:
        raise ValueError(f"empty path parameter {name}")
    segment = quote(text, safe="")
    # "." and ".." would be collapsed by URL normalisation and reach another endpoint.
    return segment.replace(".", "%2E") if set(text) == {"."} else segment


def prepare(
    operation: Operation,
    path_params: Mapping[str, Any],
    query: Mapping[str, Any] | None = None,
    body: Any = None,
) -> PreparedCall:
    """Fill the path template (values URL-quoted), drop empty query values, encode the body."""
    url_path = operation.path
    for name, value in path_params.items():
        url_path = url_path.replace("{" + name + "}", _path_segment(name, value))
    if "{" in url_path:
        raise ValueError(f"{operation.operation_id}: missing path parameter in {url_path}")
    params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
    content = None if body is None else wire.dumps(body)
    return PreparedCall(operation, url_path, params, content)


class Attempts:
    """Decides, after each attempt of one call, whether and when to try again."""

    def __init__(self, operation: Operation, policy: RetryPolicy):
        self.operation = operation
        self.policy = policy
        self.started = time.monotonic()
        self.attempt = 0
        self.attempt_started = self.started
        self.waited = 0.0  # seconds of backoff scheduled so far
        self.lost_answer = False  # an attempt went out and no answer came back

    def begin(self) -> None:
        self.attempt += 1
        self.attempt_started = time.monotonic()

    def _elapsed_ms(self) -> float:
        return (time.monotonic() - self.attempt_started) * 1000

    def _retry_delay(self, retry_after: float | None) -> float | None:
        delay = self.policy.delay(self.attempt, retry_after)
        # Scheduled waits count in full even if a sleep returned early.
        elapsed = max(time.monotonic() - self.started, self.waited)
        if self.policy.allows(self.attempt, elapsed, delay):
            self.waited += delay
            return delay
        return None

    def after_response(self, response: httpx2.Response) -> float | None:
        """Seconds to wait before retrying, or None when this response is the answer."""
        op = self.operation
        status = response.status_code
        logger.info(
            "diller %s %s -> %s in %.0f ms",
            op.method,
            op.path,
            status,
            self._elapsed_ms(),
            extra={"diller_operation": op.operation_id, "diller_status": status},
        )
        # A 429 refuses the request unprocessed, so even non-idempotent calls may repeat it.
        if status not in RETRYABLE_STATUSES or not (op.idempotent or status == 429):
            return None
        delay = self._retry_delay(parse_retry_after(response.headers.get("Retry-After")))
        if delay is not None:
            logger.warning(
                "diller %s: HTTP %s, retry %d in %.2f s",
                op.operation_id,
                status,
                self.attempt,
                delay,
            )
        return delay

    def after_token_failure(self, exc: DillerUnavailable) -> float:
        """Seconds to wait after the token endpoint failed; raises when no retry is left.

        No API request went out, so this is safe to retry for every operation.
        """
        delay = self._retry_delay(exc.retry_after)
        if delay is None:
            raise exc
        logger.warning(
            "diller %s: token endpoint unavailable, retry %d in %.2f s",
            self.operation.operation_id,
            self.attempt,
            delay,
        )
        return delay

    def after_error(self, exc: httpx2.TransportError) -> float:
        """Seconds to wait before retrying; raises the typed error when no retry is allowed."""
        op = self.operation
        never_sent = isinstance(exc, NEVER_SENT)
        logger.info(
            "diller %s %s -> %s after %.0f ms",
            op.method,
            op.path,
            type(exc).__name__,
            self._elapsed_ms(),
            extra={"diller_operation": op.operation_id, "diller_status": None},
        )
        if not never_sent:
            self.lost_answer = True
        if never_sent or op.idempotent:
            delay = self._retry_delay(None)
            if delay is not None:
                logger.warning(
                    "diller %s: %s, retry %d in %.2f s",
                    op.operation_id,
                    type(exc).__name__,
                    self.attempt,
                    delay,
                )
                return delay
        if never_sent:
            raise DillerUnavailable(
                f"Diller could not be reached ({type(exc).__name__})", operation=op.operation_id
            ) from None
        raise DillerTimeout(
            f"no answer from Diller ({type(exc).__name__}); the request may have been processed",
            operation=op.operation_id,
        ) from None


@functools.cache
def _adapter(response_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(response_type)


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(body)"


def _decode(operation: Operation, response: httpx2.Response) -> Any:
    try:
        return wire.loads(response.content)
    except ValueError:
        raise DillerResponseError(
            "Diller's answer is not JSON",
            field="(body)",
            operation=operation.operation_id,
            status=response.status_code,
        ) from None


def _problem(operation: Operation, response: httpx2.Response) -> dict[str, Any]:
    try:
        data = wire.loads(response.content) if response.content else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def interpret(
    operation: Operation,
    response: httpx2.Response,
    *,
    retried: bool = False,
    time_zone: tzinfo | None = None,
) -> Any:
    """The typed result of a final response, or the typed error it stands for.

    ``retried``: an earlier attempt of this call got no answer. A DELETE that then finds nothing
    to delete was done by that attempt, so it counts as done. ``time_zone``: the store's, for
    date-times Diller sends without an offset (UTC when None).
    """
    status = response.status_code
    op_id = operation.operation_id
    if retried and status == 404 and operation.method == "DELETE":
        return operation.response(is_ok=True, details="already deleted")
    if 200 <= status < 300:
        if operation.response is None:
            return None
        data = _decode(operation, response)
        try:
            result = _adapter(operation.response).validate_python(
                data, context={TIME_ZONE_CONTEXT: time_zone}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = _dotted(tuple(first["loc"]))
            raise DillerResponseError(
                f"Diller's answer has an invalid '{field}': {first['msg']}",
                field=field,
                operation=op_id,
                status=status,
            ) from None
        if operation.is_action and result.is_ok is False:
            raise DillerRefused(result.details or "", operation=op_id)
        return result

    problem = _problem(operation, response)
    title = str(problem.get("title") or response.reason_phrase or "error")
    detail = problem.get("detail")
    errors = problem.get("errors")
    field_errors = {
        str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
        for k, v in (errors.items() if isinstance(errors, dict) else [])
    }
    # The message names the status and title only: Diller's detail text may quote what was sent
    # (a phone number, an e-mail), so it stays in attributes for staff screens.
    message = f"HTTP {status}: {title}"
    if status in (401, 403):
        raise DillerAuthError(message, operation=op_id, status=status)
    if status == 404:
        raise DillerNotFound(
            message,
            operation=op_id,
            status=status,
            title=title,
            detail=detail,
            field_errors=field_errors,
        )
    if status in (502, 504) and not operation.idempotent:
        # A gateway gave up waiting: Diller may have processed the request behind it.
        raise DillerTimeout(
            f"{message}; the request may have been processed", operation=op_id, status=status
        )
    if status == 429 or status >= 500:
        raise DillerUnavailable(
            message,
            operation=op_id,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if 400 <= status < 500:
        raise DillerValidationError(
            message,
            operation=op_id,
            status=status,
            title=title,
            detail=detail,
            field_errors=field_errors,
        )
    raise DillerError(message, operation=op_id, status=status)
