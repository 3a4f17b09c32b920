"""What every provider's sandbox shares: :class:`BaseSandbox`, and the answers it gives.

A sandbox is a stateful, in-memory emulator of one provider's API (Diller's
:class:`~django_diller.sandbox.app.Sandbox`, Dintero's
:class:`~django_diller.dintero.sandbox.DinteroSandbox`). Here is what knows no provider: the
request log, answer overrides, fault drawing, the token knobs, the entry points
(:meth:`BaseSandbox.handle`, :meth:`BaseSandbox.process`) and the steps of the pipeline that
every provider takes the same way. The transports and the HTTP server carry any of them.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol
from urllib.parse import parse_qsl

from . import codec
from .faults import ERROR_STATUSES, TOKEN_OPERATION, ErrorStatusFaults, FaultKind, Faults
from .problems import SandboxContractError
from .routing import Router
from .validation import Contract

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
ADMIN_PREFIX = "/_sandbox/"


class SandboxResponse(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON; None when empty or not JSON (a deliberately broken answer)."""
        if not self.body:
            return None
        try:
            return codec.loads(self.body)
        except ValueError:
            return None


@dataclass
class RecordedRequest:
    operation_id: str | None  # "token" for the token endpoint, None for an unknown route
    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int
    response_json: Any
    at: datetime
    fault: FaultKind | None = None


NO_ANSWER = 0  # the status logged for a request that is never answered (a hang fault)


@dataclass(frozen=True)
class Exchange:
    """A processed request: the answer, the delay before it, and a transport-level fault."""

    response: SandboxResponse
    latency: float = 0.0
    # "timeout", "drop" or "hang" (errors are already in `response`; a hang has no response)
    fault: FaultKind | None = None


class SandboxTransportFault(Exception):
    """Raised by :meth:`BaseSandbox.handle` when the answer is lost; the request WAS processed."""

    def __init__(self, message: str, response: SandboxResponse) -> None:
        super().__init__(message)
        self.response = response


class SandboxTimedOut(SandboxTransportFault):
    pass


class SandboxConnectionDropped(SandboxTransportFault):
    pass


class SandboxHung(Exception):
    """Raised by :meth:`BaseSandbox.handle` on a hang fault: the request was NOT processed, and
    would never have been answered."""


@functools.cache
def router_for(contract: Contract) -> Router:
    """The router of a contract's paths (one per contract, as the contract is one per process)."""
    return Router(contract.spec)


def _query_dict(query_string: str | bytes) -> dict[str, str]:
    if isinstance(query_string, bytes):
        query_string = query_string.decode("utf-8", "replace")
    return dict(parse_qsl(query_string.lstrip("?"), keep_blank_values=True))


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # be lenient like ASP.NET with a missing header
    base = content_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


class Tokens(Protocol):
    """The token issuer a sandbox keeps: how long new tokens live, how many were granted."""

    lifetime: int
    granted: int

    def revoke_all(self) -> None: ...


class BaseSandbox:
    """A stateful, in-memory API emulator, whichever provider it stands for.

    A subclass sets :attr:`tokens` and :attr:`state` (``_fresh_state()``'s, which has a
    ``lock``) in its ``__init__``, answers the contract's requests in :meth:`_serve` and
    ``/_sandbox/``'s in :meth:`_admin`, and says how its errors look (:meth:`_error`,
    :meth:`_bad_json`, :meth:`contract_failure`). Query parameters named in
    :attr:`secret_query` (credentials) are masked in the request log.
    """

    secret_query: frozenset[str] = frozenset()
    tokens: Tokens
    state: Any

    def __init__(
        self,
        *,
        seed: bool,
        validate_requests: bool,
        validate_responses: bool,
        clock: Callable[[], datetime] | None,
        faults: Faults,
        contract: Contract,
    ) -> None:
        self.seeded = seed
        self.validate_requests = validate_requests
        self.validate_responses = validate_responses
        self.clock: Callable[[], datetime] = clock or codec.utc_now
        self.faults = faults
        self.requests: list[RecordedRequest] = []
        self.contract = contract
        self.router = router_for(contract)
        self._log_lock = threading.Lock()
        self._overrides: dict[str, list[SandboxResponse]] = {}

    # public helpers ------------------------------------------------------------------------

    @property
    def token_lifetime(self) -> int:
        """Seconds a newly issued token lives (settable)."""
        return self.tokens.lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self.tokens.lifetime = seconds

    @property
    def token_requests(self) -> int:
        """Successful token grants."""
        return self.tokens.granted

    def revoke_tokens(self) -> None:
        """Every token issued so far now answers 401."""
        self.tokens.revoke_all()

    def override_response(
        self,
        operation_id: str,
        status: int,
        body: Any = None,
        *,
        raw: bytes | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``operation_id`` with this, unprocessed and unchecked.

        For testing how a client copes with answers the contract does not allow: a missing
        field, a wrong type, a body that is not JSON (``raw``), an unexpected status.
        """
        content = raw if raw is not None else (b"" if body is None else codec.dumps(body))
        headers = {"Content-Type": JSON_CONTENT_TYPE} if content else {}
        with self._log_lock:
            queue = self._overrides.setdefault(operation_id, [])
            queue.extend([SandboxResponse(status, headers, content)] * times)

    def _take_override(self, operation_id: str) -> SandboxResponse | None:
        with self._log_lock:
            queue = self._overrides.get(operation_id)
            return queue.pop(0) if queue else None

    def _overridden(
        self, operation_id: str, method: str, path: str, query: dict[str, str], now: datetime
    ) -> Exchange | None:
        """The answer :meth:`override_response` queued for ``operation_id``, logged; None when
        there is none."""
        override = self._take_override(operation_id)
        if override is None:
            return None
        self._record(operation_id, method, path, query, None, override, now, None)
        return Exchange(override, 0.0, None)

    def _fresh_state(self) -> Any:
        raise NotImplementedError

    def reset(self) -> None:
        """Back to the seed: data (and what it holds, Diller's texts sent), request log, token
        count and faults; settings chosen on the instance are kept.

        Tokens already issued stay valid, so a client need not log in again.
        """
        self.state = self._fresh_state()
        with self._log_lock:
            self.requests.clear()
            self._overrides.clear()
        self.tokens.granted = 0
        self.faults.update(**type(self.faults)().settings())

    def requests_for(self, operation_id: str) -> list[RecordedRequest]:
        with self._log_lock:
            return [r for r in self.requests if r.operation_id == operation_id]

    @contextmanager
    def inject(self, **settings: Any) -> Iterator[Faults]:
        """Temporary faults: ``with sb.inject(error_rate=1.0): ...`` restores them on exit."""
        saved = self.faults.settings()
        self.faults.update(**settings)
        try:
            yield self.faults
        finally:
            self.faults.update(**saved)

    # entry points --------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query_string: str | bytes = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> SandboxResponse:
        """Answer one request, sleeping any injected latency.

        A timeout or drop fault raises :class:`SandboxTimedOut` /
        :class:`SandboxConnectionDropped` (the request was processed), a hang fault
        :class:`SandboxHung` at once (it was not).
        """
        exchange = self.process(method, path, query_string, headers or {}, body)
        if exchange.fault == "hang":
            raise SandboxHung("sandbox fault: no answer, request not processed")
        if exchange.latency:
            time.sleep(exchange.latency)
        if exchange.fault == "timeout":
            raise SandboxTimedOut("sandbox fault: read timeout", exchange.response)
        if exchange.fault == "drop":
            raise SandboxConnectionDropped("sandbox fault: connection dropped", exchange.response)
        return exchange.response

    def process(
        self,
        method: str,
        path: str,
        query_string: str | bytes,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Exchange:
        """Answer one request without sleeping; the carrier applies latency and lost answers."""
        now = self.clock()
        method = method.upper()
        path, _, inline_query = path.partition("?")
        query = _query_dict(query_string or inline_query)
        lowered = {k.lower(): v for k, v in headers.items()}
        if path.startswith(ADMIN_PREFIX):
            return Exchange(self._admin(method, path, query))
        return self._serve(method, path, query, lowered, body, now)

    def contract_failure(self, error: SandboxContractError, path: str) -> SandboxResponse:
        """The 500 the HTTP server sends when this sandbox broke its own contract."""
        raise NotImplementedError

    # for subclasses ------------------------------------------------------------------------

    def _serve(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        now: datetime,
    ) -> Exchange:
        """Answer a request outside ``/_sandbox/`` (headers lower-cased)."""
        raise NotImplementedError

    def _admin(self, method: str, path: str, query: dict[str, str]) -> SandboxResponse:
        """Answer a request under ``/_sandbox/``."""
        raise NotImplementedError

    def _error(
        self, status: int, message: str, *, headers: dict[str, str] | None = None
    ) -> Exception:
        """The provider's error answer, raised by a step of the pipeline."""
        raise NotImplementedError

    def _bad_json(self, error: ValueError) -> Exception:
        """The provider's 400 for a request body that is not JSON."""
        raise NotImplementedError

    def _fault_status(self) -> int:
        """The status an injected ``error`` fault answers with."""
        return 503

    # pipeline steps ------------------------------------------------------------------------

    def _hang(
        self, operation_id: str, method: str, path: str, query: dict[str, str], now: datetime
    ) -> Exchange:
        """Log the request, do nothing with it, and tell the carrier never to answer."""
        response = SandboxResponse(NO_ANSWER, {}, b"")
        self._record(operation_id, method, path, query, None, response, now, "hang")
        return Exchange(response, 0.0, "hang")

    def _raise_for_fault(self, fault: FaultKind | None, status: int | None = None) -> None:
        if fault == "error":
            raise self._error(
                status or self._fault_status(),
                "The service is temporarily unavailable (injected fault).",
            )
        if fault == "rate_limit":
            seconds = str(max(0, int(self.faults.retry_after)))
            raise self._error(
                429,
                f"Too many requests; retry after {seconds} second(s) (injected fault).",
                headers={"Retry-After": seconds},
            )

    def _parse_body(self, operation_id: str, headers: dict[str, str], body: bytes) -> Any:
        operation = self.contract.operations[operation_id]
        if operation.body is None or not body or not body.strip():
            return None
        if not _is_json(headers.get("content-type")):
            raise self._error(415, f"Send JSON, not {headers.get('content-type')!r}.")
        try:
            return codec.loads(body)
        except codec.JsonDecodeError as exc:
            raise self._bad_json(exc) from exc

    @staticmethod
    def _reply_response(reply: Any, headers: Mapping[str, str] | None = None) -> SandboxResponse:
        """A handler's :class:`~django_diller.sandbox.handlers.Reply` as JSON (``headers``
        go with a body)."""
        if reply.body is None:
            return SandboxResponse(reply.status, {}, b"")
        content_headers = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
        return SandboxResponse(reply.status, content_headers, codec.dumps(reply.body))

    def _checked(self, operation_id: str | None, response: SandboxResponse) -> None:
        """Name the operation in the answer, and hold the answer to the contract."""
        if operation_id is None:
            return
        response.headers["X-Sandbox-Operation"] = operation_id
        if self.validate_responses:
            self.contract.check_response(
                operation_id,
                response.status,
                response.headers.get("Content-Type"),
                response.json(),
            )

    @staticmethod
    def _exchange(response: SandboxResponse, latency: float, fault: FaultKind | None) -> Exchange:
        """The answer, its delay, and the lost-answer fault (if any) the carrier acts out."""
        return Exchange(response, latency, fault if fault in ("timeout", "drop") else None)

    def _record(
        self,
        operation_id: str | None,
        method: str,
        path: str,
        query: dict[str, str],
        parsed: Any,
        response: SandboxResponse,
        now: datetime,
        fault: FaultKind | None,
    ) -> None:
        logged = {k: ("***" if k in self.secret_query else v) for k, v in query.items()}
        entry = RecordedRequest(
            operation_id, method, path, logged, parsed, response.status, response.json(), now, fault
        )
        with self._log_lock:
            self.requests.append(entry)


class ErrorStatusSandbox(BaseSandbox):
    """A sandbox whose injected errors answer a chosen status (``faults.error_status``), and
    that can fail the next calls on demand (:meth:`fail_next`): Dintero's and Coupontools'.

    A subclass passes an :class:`~django_diller.sandbox.faults.ErrorStatusFaults` and draws a
    call's fault with :meth:`_draw_fault`.
    """

    faults: ErrorStatusFaults

    def __init__(
        self,
        *,
        seed: bool,
        validate_requests: bool,
        validate_responses: bool,
        clock: Callable[[], datetime] | None,
        faults: ErrorStatusFaults,
        contract: Contract,
    ) -> None:
        super().__init__(
            seed=seed,
            validate_requests=validate_requests,
            validate_responses=validate_responses,
            clock=clock,
            faults=faults,
            contract=contract,
        )
        self._failures: tuple[int, int] = (0, 503)  # (calls left, status) for fail_next

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` calls (the token endpoint aside) with ``status`` in the
        provider's error shape, unprocessed; then work again. Independent of the fault rates;
        :meth:`reset` cancels it."""
        if status not in ERROR_STATUSES:
            raise ValueError(f"status must be one of {ERROR_STATUSES}")
        with self._log_lock:
            self._failures = (max(0, count), status)

    def reset(self) -> None:
        super().reset()
        with self._log_lock:
            self._failures = (0, 503)

    def _take_failure(self, operation_id: str) -> int | None:
        """The status to fail this call with, if :meth:`fail_next` has calls left."""
        if operation_id == TOKEN_OPERATION:
            return None
        with self._log_lock:
            left, status = self._failures
            if left <= 0:
                return None
            self._failures = (left - 1, status)
            return status

    def _draw_fault(self, operation_id: str) -> tuple[FaultKind | None, int | None]:
        """This call's fault, and the status of a :meth:`fail_next` failure (None when the
        fault was drawn from the rates): pass both to :meth:`_raise_for_fault`."""
        failure = self._take_failure(operation_id)
        return ("error" if failure is not None else self.faults.draw(operation_id)), failure

    def _fault_status(self) -> int:
        return self.faults.error_status


__all__ = [
    "ADMIN_PREFIX",
    "JSON_CONTENT_TYPE",
    "NO_ANSWER",
    "BaseSandbox",
    "ErrorStatusSandbox",
    "Exchange",
    "RecordedRequest",
    "SandboxConnectionDropped",
    "SandboxHung",
    "SandboxResponse",
    "SandboxTimedOut",
    "SandboxTransportFault",
    "Tokens",
    "router_for",
]
