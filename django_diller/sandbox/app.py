"""The :class:`Sandbox`: routing, auth, faults, validation, dispatch and the request log.

Pipeline for ``/api/v2.0/...``: route (404/405) -> fault draw (503/429 answered without
processing) -> bearer token (401) -> request validation (400) -> handler (under the state lock)
-> response validation (a breach raises :class:`SandboxContractError`) -> log. Timeout and drop
faults are decided up front but carried out by the transport or server *after* processing, so the
effect has happened when the client sees the failure. A hang fault is the exception: the request
is logged (status 0, no answer) and nothing else happens; the carrier then never answers it.

Besides the contract, ``GET /_sandbox/messages`` (the SMS and e-mails "sent", no auth) and
``POST /_sandbox/reset`` help people click through the example shop against the real server.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, NamedTuple
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from . import codec
from .auth import TOKEN_PATH, TokenIssuer
from .faults import TOKEN_OPERATION, FaultKind, Faults
from .handlers import HANDLERS, Context, Reply, Settings
from .handlers.base import DUPLICATE_ANSWERS, REFUSAL_ANSWERS, DuplicateAnswer, RefusalAnswer
from .problems import PROBLEM_CONTENT_TYPE, ApiProblem, SandboxContractError
from .routing import Router
from .seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    empty_state,
    seed_state,
)
from .state import SandboxState, SentMessage
from .validation import Contract, contract

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
    """Raised by :meth:`Sandbox.handle` when the answer is lost; the request WAS processed."""

    def __init__(self, message: str, response: SandboxResponse) -> None:
        super().__init__(message)
        self.response = response


class SandboxTimedOut(SandboxTransportFault):
    pass


class SandboxConnectionDropped(SandboxTransportFault):
    pass


class SandboxHung(Exception):
    """Raised by :meth:`Sandbox.handle` on a hang fault: the request was NOT processed, and
    would never have been answered."""


@functools.cache
def _router() -> Router:
    return Router(contract().spec)


def _query_dict(query_string: str | bytes) -> dict[str, str]:
    if isinstance(query_string, bytes):
        query_string = query_string.decode("utf-8", "replace")
    return dict(parse_qsl(query_string.lstrip("?"), keep_blank_values=True))


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # be lenient like ASP.NET with a missing header
    base = content_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


class Sandbox:
    """A stateful, in-memory Diller Retailer API.

    ``seed=False`` keeps the demo store's settings (departments, segments, levels) so the API
    has a store to answer for, but no members, coupons, stamp cards or product rules.
    ``duplicate_answer`` (settable, kept by :meth:`reset`) is how a write Diller already has
    is answered: ``"200-text"`` (``is_ok = false``), ``"409"`` or ``"400-problem"``;
    ``refusal_answer`` (settable, kept by :meth:`reset`) is how a reservation is refused, in
    the same three styles.
    ``naive_dates`` (settable, kept by :meth:`reset`) answers every date-time without an offset,
    as the store's wall-clock time, as Diller does in places (the answer is checked against the
    contract before the offsets are dropped).
    """

    def __init__(
        self,
        seed: bool = True,
        validate_requests: bool = True,
        validate_responses: bool = True,
        token_lifetime: int = 3600,
        client_id: str = SANDBOX_CLIENT_ID,
        client_secret: str = SANDBOX_CLIENT_SECRET,
        clock: Callable[[], datetime] | None = None,
        *,
        public_url: str = SANDBOX_PUBLIC_URL,
        activation_url: str | None = None,
        on_message: Callable[[SentMessage], None] | None = None,
        duplicate_answer: DuplicateAnswer = "200-text",
        naive_dates: bool = False,
    ) -> None:
        self.seeded = seed
        self.validate_requests = validate_requests
        self.validate_responses = validate_responses
        self.clock: Callable[[], datetime] = clock or codec.utc_now
        self.faults = Faults()
        self.tokens = TokenIssuer(client_id, client_secret, token_lifetime)
        self.settings = Settings(public_url, activation_url or f"{public_url}/activate")
        self.duplicate_answer = duplicate_answer
        self.naive_dates = naive_dates
        self.on_message = on_message
        self.requests: list[RecordedRequest] = []
        self.contract: Contract = contract()
        self.router: Router = _router()
        self._log_lock = threading.Lock()
        self._overrides: dict[str, list[SandboxResponse]] = {}
        self.state: SandboxState = self._fresh_state()

    # public helpers ------------------------------------------------------------------------

    @property
    def token_lifetime(self) -> int:
        """Seconds a newly issued token lives (settable)."""
        return self.tokens.lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self.tokens.lifetime = seconds

    @property
    def duplicate_answer(self) -> DuplicateAnswer:
        """How a write the store already has is answered (one of ``DUPLICATE_ANSWERS``)."""
        return self.settings.duplicate_answer

    @duplicate_answer.setter
    def duplicate_answer(self, style: DuplicateAnswer) -> None:
        if style not in DUPLICATE_ANSWERS:
            raise ValueError(f"duplicate_answer must be one of {', '.join(DUPLICATE_ANSWERS)}")
        self.settings = dataclasses.replace(self.settings, duplicate_answer=style)

    @property
    def refusal_answer(self) -> RefusalAnswer:
        """How a reservation the store will not make is refused (one of ``REFUSAL_ANSWERS``)."""
        return self.settings.refusal_answer

    @refusal_answer.setter
    def refusal_answer(self, style: RefusalAnswer) -> None:
        if style not in REFUSAL_ANSWERS:
            raise ValueError(f"refusal_answer must be one of {', '.join(REFUSAL_ANSWERS)}")
        self.settings = dataclasses.replace(self.settings, refusal_answer=style)

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

    def _fresh_state(self) -> SandboxState:
        now = self.clock()
        return seed_state(now) if self.seeded else empty_state()

    def reset(self) -> None:
        """Back to the seed: data, messages, request log, token count and faults.

        Tokens already issued stay valid, so a client need not log in again.
        """
        self.state = self._fresh_state()
        with self._log_lock:
            self.requests.clear()
            self._overrides.clear()
        self.tokens.granted = 0
        self.faults.update(**Faults().settings())

    @property
    def messages(self) -> list[SentMessage]:
        return self.state.messages

    @property
    def token_requests(self) -> int:
        """Successful token grants."""
        return self.tokens.granted

    def revoke_tokens(self) -> None:
        """Every token issued so far now answers 401."""
        self.tokens.revoke_all()

    def last_otp(self, member_id: str) -> int | None:
        """The last one-time code texted for this member (login or phone change)."""
        for message in reversed(self.messages):
            if message.member_id == member_id and message.code is not None:
                return message.code
        return None

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
        if path.rstrip("/") == TOKEN_PATH:
            return self._token(method, path, query, lowered, body, now)
        if path.startswith(ADMIN_PREFIX):
            return Exchange(self._admin(method, path, query))
        return self._api(method, path, query, lowered, body, now)

    # internals -----------------------------------------------------------------------------

    def _token(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        now: datetime,
    ) -> Exchange:
        fault = self.faults.draw(TOKEN_OPERATION)
        if fault == "hang":
            return self._hang(TOKEN_OPERATION, method, path, query, now)
        latency = self.faults.latency_for(TOKEN_OPERATION)
        extra: dict[str, str] = {}
        try:
            if method != "POST":
                raise ApiProblem(405, "Use POST for the token endpoint.", headers={"Allow": "POST"})
            self._raise_for_fault(fault)
        except ApiProblem as problem:
            response = self._problem_response(problem, path)
        else:
            answer = self.tokens.grant(headers, body, now)
            extra = answer.headers
            response = SandboxResponse(
                answer.status,
                {"Content-Type": JSON_CONTENT_TYPE, **extra},
                codec.dumps(answer.body),
            )
        self._record(TOKEN_OPERATION, method, path, query, None, response, now, fault)
        return Exchange(response, latency, fault if fault in ("timeout", "drop") else None)

    def _hang(
        self, operation_id: str, method: str, path: str, query: dict[str, str], now: datetime
    ) -> Exchange:
        """Log the request, do nothing with it, and tell the carrier never to answer."""
        response = SandboxResponse(NO_ANSWER, {}, b"")
        self._record(operation_id, method, path, query, None, response, now, "hang")
        return Exchange(response, 0.0, "hang")

    def _raise_for_fault(self, fault: FaultKind | None) -> None:
        if fault == "error":
            raise ApiProblem(503, "The service is temporarily unavailable (injected fault).")
        if fault == "rate_limit":
            seconds = str(max(0, int(self.faults.retry_after)))
            raise ApiProblem(
                429,
                f"Too many requests; retry after {seconds} second(s) (injected fault).",
                headers={"Retry-After": seconds},
            )

    def _parse_body(self, operation_id: str, headers: dict[str, str], body: bytes) -> Any:
        operation = self.contract.operations[operation_id]
        if operation.body is None or not body or not body.strip():
            return None
        if not _is_json(headers.get("content-type")):
            raise ApiProblem(415, f"Send JSON, not {headers.get('content-type')!r}.")
        try:
            return codec.loads(body)
        except codec.JsonDecodeError as exc:
            raise ApiProblem(
                400, "The request body is not valid JSON.", errors={"body": [str(exc)]}
            ) from exc

    def _api(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        now: datetime,
    ) -> Exchange:
        operation_id: str | None = None
        fault: FaultKind | None = None
        latency = 0.0
        parsed: Any = None
        new_messages: list[SentMessage] = []
        try:
            match = self.router.resolve(method, path)
            operation_id = match.operation_id
            override = self._take_override(operation_id)
            if override is not None:
                self._record(operation_id, method, path, query, None, override, now, None)
                return Exchange(override, 0.0, None)
            fault = self.faults.draw(operation_id)
            if fault == "hang":
                return self._hang(operation_id, method, path, query, now)
            latency = self.faults.latency_for(operation_id)
            self._raise_for_fault(fault)
            self.tokens.check(headers.get("authorization"), now)
            parsed = self._parse_body(operation_id, headers, body)
            path_params, query_params = self.contract.parameters(
                operation_id, match.path_params, query, validate=self.validate_requests
            )
            if self.validate_requests:
                self.contract.body(operation_id, parsed)
            state = self.state
            with state.lock:
                for store in state.stores.values():
                    store.purge_deleted(now)
                sent_before = len(state.messages)
                ctx = Context(state, path_params, query_params, parsed, now, self.settings)
                result = HANDLERS[operation_id](ctx)
                new_messages = state.messages[sent_before:]
            reply = result if isinstance(result, Reply) else Reply(200, result)
            response = SandboxResponse(
                reply.status,
                {"Content-Type": JSON_CONTENT_TYPE} if reply.body is not None else {},
                codec.dumps(reply.body) if reply.body is not None else b"",
            )
        except ApiProblem as problem:
            response = self._problem_response(problem, path)
        if operation_id is not None:
            response.headers["X-Sandbox-Operation"] = operation_id
            if self.validate_responses:
                self.contract.check_response(
                    operation_id,
                    response.status,
                    response.headers.get("Content-Type"),
                    response.json(),
                )
            if self.naive_dates:
                response = self._without_offsets(response, method, path)
        self._record(operation_id, method, path, query, parsed, response, now, fault)
        for message in new_messages:
            if self.on_message is not None:
                self.on_message(message)
        return Exchange(response, latency, fault if fault in ("timeout", "drop") else None)

    def _store_zone(self, method: str, path: str) -> tzinfo:
        store_id = self.router.resolve(method, path).path_params.get("storeId")
        store = self.state.store(store_id) if store_id else None
        try:
            return ZoneInfo(store.time_zone) if store and store.time_zone else UTC
        except (ValueError, LookupError):
            return UTC

    def _without_offsets(
        self, response: SandboxResponse, method: str, path: str
    ) -> SandboxResponse:
        """A successful answer with its date-times in the store's zone, without offsets."""
        if not 200 <= response.status < 300 or response.json() is None:
            return response
        body = codec.without_offsets(response.json(), self._store_zone(method, path))
        return SandboxResponse(response.status, response.headers, codec.dumps(body))

    def _problem_response(self, problem: ApiProblem, path: str) -> SandboxResponse:
        headers = {"Content-Type": f"{PROBLEM_CONTENT_TYPE}; charset=utf-8", **problem.headers}
        return SandboxResponse(problem.status, headers, codec.dumps(problem.payload(path)))

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
        entry = RecordedRequest(
            operation_id, method, path, query, parsed, response.status, response.json(), now, fault
        )
        with self._log_lock:
            self.requests.append(entry)

    def _admin(self, method: str, path: str, query: dict[str, str]) -> SandboxResponse:
        route = path[len(ADMIN_PREFIX) :].rstrip("/")
        if route == "messages" and method == "GET":
            to = query.get("to")
            payload: Any = [
                {
                    "channel": m.channel,
                    "to": m.to,
                    "kind": m.kind,
                    "text": m.text,
                    "code": m.code,
                    "member_id": m.member_id,
                    "at": codec.iso(m.at),
                }
                for m in self.messages
                if not to or m.to == to
            ]
        elif route == "reset" and method == "POST":
            self.reset()
            payload = {"is_ok": True, "details": "Sandbox reset to its seed."}
        else:
            return self._problem_response(ApiProblem(404, f"No sandbox route {path}."), path)
        return SandboxResponse(200, {"Content-Type": JSON_CONTENT_TYPE}, codec.dumps(payload))


__all__ = [
    "Exchange",
    "RecordedRequest",
    "Sandbox",
    "SandboxConnectionDropped",
    "SandboxContractError",
    "SandboxResponse",
    "SandboxTimedOut",
    "SandboxTransportFault",
]
