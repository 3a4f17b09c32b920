"""The transport-independent half of a call: building the request, judging the answer.

Both clients (sync and async) use these, so retries, error mapping and parsing behave the same
whichever one a shop uses. Building the request, the retries (:class:`Attempts`, told whose
errors to raise by a :class:`~django_diller.api.provider.Provider`) and reading a field's path
know no provider: Dintero's client uses them too; :func:`interpret` is Diller's.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
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
from .provider import DILLER, Provider
from .retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

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
    *,
    encode: Callable[[Any], bytes] = wire.dumps,
) -> PreparedCall:
    """Fill the path template (values URL-quoted), drop empty query values, encode the body
    (with ``encode``: Diller's wire encoding unless told).

    A missing path parameter is a ``ValueError`` that names the operation, not the path: the
    values already in it (a member id) stay out of the message.
    """
    url_path = operation.path
    for name, value in path_params.items():
        url_path = url_path.replace("{" + name + "}", _path_segment(name, value))
    if "{" in url_path:
        raise ValueError(f"{operation.operation_id}: a path parameter is missing")
    params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
    content = None if body is None else encode(body)
    return PreparedCall(operation, url_path, params, content)


class Attempts:
    """Decides, after each attempt of one call, whether and when to try again.

    Only idempotent operations are tried again after a 5xx or a lost answer; every operation
    is tried again when the request certainly did not reach the provider (no connection, a
    429, the token endpoint down). The policy bounds the attempts and the time. ``provider``:
    whose errors are raised and on whose logger the attempts are logged.
    """

    def __init__(
        self, operation: Operation, policy: RetryPolicy, provider: Provider[Any] = DILLER
    ) -> None:
        self.operation = operation
        self.policy = policy
        self.provider = provider
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
        key = self.provider.key
        self.provider.logger.info(
            f"{key} %s %s -> %s in %.0f ms",
            op.method,
            op.path,
            status,
            self._elapsed_ms(),
            extra={f"{key}_operation": op.operation_id, f"{key}_status": status},
        )
        # A 429 refuses the request unprocessed, so even non-idempotent calls may repeat it.
        if status not in RETRYABLE_STATUSES or not (op.idempotent or status == 429):
            return None
        delay = self._retry_delay(parse_retry_after(response.headers.get("Retry-After")))
        if delay is not None:
            self.provider.logger.warning(
                f"{key} %s: HTTP %s, retry %d in %.2f s",
                op.operation_id,
                status,
                self.attempt,
                delay,
            )
        return delay

    def after_token_failure(self, exc: Exception) -> float:
        """Seconds to wait after the token endpoint failed (``exc``, the provider's
        "unavailable" error, with its ``retry_after``); raises it when no retry is left.

        No API request went out, so this is safe to retry for every operation.
        """
        delay = self._retry_delay(getattr(exc, "retry_after", None))
        if delay is None:
            raise exc
        self.provider.logger.warning(
            f"{self.provider.key} %s: token endpoint unavailable, retry %d in %.2f s",
            self.operation.operation_id,
            self.attempt,
            delay,
        )
        return delay

    def after_error(self, exc: httpx2.TransportError) -> float:
        """Seconds to wait before retrying; raises the typed error when no retry is allowed."""
        op = self.operation
        never_sent = isinstance(exc, NEVER_SENT)
        provider = self.provider
        provider.logger.info(
            f"{provider.key} %s %s -> %s after %.0f ms",
            op.method,
            op.path,
            type(exc).__name__,
            self._elapsed_ms(),
            extra={f"{provider.key}_operation": op.operation_id, f"{provider.key}_status": None},
        )
        if not never_sent:
            self.lost_answer = True
        if never_sent or op.idempotent:
            delay = self._retry_delay(None)
            if delay is not None:
                provider.logger.warning(
                    f"{provider.key} %s: %s, retry %d in %.2f s",
                    op.operation_id,
                    type(exc).__name__,
                    self.attempt,
                    delay,
                )
                return delay
        name = type(exc).__name__
        if never_sent:
            raise provider.unavailable(
                f"{provider.name} could not be reached ({name})", operation=op.operation_id
            ) from None
        raise provider.timeout(
            f"no answer from {provider.name} ({name}); the request may have been processed",
            operation=op.operation_id,
        ) from None


@functools.cache
def type_adapter(response_type: Any) -> TypeAdapter[Any]:
    """A (cached) pydantic adapter for an operation's answer type."""
    return TypeAdapter(response_type)


def dotted(loc: tuple[int | str, ...]) -> str:
    """A validation error's location as ``details[0].quantity``."""
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
            result = type_adapter(operation.response).validate_python(
                data, context={TIME_ZONE_CONTEXT: time_zone}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = dotted(tuple(first["loc"]))
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
