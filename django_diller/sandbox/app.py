"""The :class:`Sandbox`: routing, auth, faults, validation, dispatch and the request log.

Pipeline for ``/api/v2.0/...``: route (404/405) -> fault draw (503/429 answered without
processing) -> bearer token (401) -> request validation (400) -> handler (under the state lock)
-> response validation (a breach raises :class:`SandboxContractError`) -> log. Timeout and drop
faults are decided up front but carried out by the transport or server *after* processing, so the
effect has happened when the client sees the failure. A hang fault is the exception: the request
is logged (status 0, no answer) and nothing else happens; the carrier then never answers it.

Besides the contract, ``GET /_sandbox/messages`` (the SMS and e-mails "sent", no auth) and
``POST /_sandbox/reset`` help people click through the example shop against the real server.

What knows no provider (the request log, overrides, faults, the entry points) is
:class:`~django_diller.sandbox.emulator.BaseSandbox`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, Generic, TypeVar, overload
from zoneinfo import ZoneInfo

from . import codec
from .auth import TOKEN_PATH, TokenIssuer
from .emulator import (
    ADMIN_PREFIX,
    JSON_CONTENT_TYPE,
    NO_ANSWER,
    BaseSandbox,
    Exchange,
    RecordedRequest,
    SandboxConnectionDropped,
    SandboxHung,
    SandboxResponse,
    SandboxTimedOut,
    SandboxTransportFault,
)
from .faults import TOKEN_OPERATION, FaultKind, Faults
from .handlers import HANDLERS, Context, Reply, Settings
from .handlers.base import (
    CANCEL_AFTER_REFUNDS,
    DUPLICATE_ANSWERS,
    HELD_STAMPS,
    REFUSAL_ANSWERS,
    CancelAfterRefunds,
    DuplicateAnswer,
    HeldStamps,
    RefusalAnswer,
)
from .problems import PROBLEM_CONTENT_TYPE, ApiProblem, SandboxContractError
from .seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    empty_state,
    seed_state,
)
from .state import SandboxState, SentMessage
from .validation import contract

Style = TypeVar("Style", bound=str)


class SettingChoice(Generic[Style]):
    """A sandbox setting that is one of ``choices``, kept on its handlers' ``Settings`` (so
    :meth:`Sandbox.reset` keeps it); anything else is refused with a ``ValueError``."""

    def __init__(self, choices: tuple[Style, ...]) -> None:
        self.choices = choices

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, sandbox: None, owner: type) -> SettingChoice[Style]: ...

    @overload
    def __get__(self, sandbox: Sandbox, owner: type) -> Style: ...

    def __get__(self, sandbox: Sandbox | None, owner: type) -> Style | SettingChoice[Style]:
        return self if sandbox is None else getattr(sandbox.settings, self.name)

    def __set__(self, sandbox: Sandbox, style: Style) -> None:
        if style not in self.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}")
        changed: dict[str, Any] = {self.name: style}
        sandbox.settings = dataclasses.replace(sandbox.settings, **changed)


class Sandbox(BaseSandbox):
    """A stateful, in-memory Diller Retailer API.

    ``seed=False`` keeps the demo store's settings (departments, segments, levels) so the API
    has a store to answer for, but no members, coupons, stamp cards or product rules.
    ``duplicate_answer`` (settable, kept by :meth:`reset`) is how a write Diller already has
    is answered: ``"200-text"`` (``is_ok = false``), ``"409"`` or ``"400-problem"``;
    ``refusal_answer`` (settable, kept by :meth:`reset`) is how a reservation is refused, in
    the same three styles.
    ``held_stamps`` (settable, kept by :meth:`reset`) is whether a stamp held for a pending
    order shows on the member's card until the order's transaction counts it: ``"apart"`` (the
    card shows only counted stamps) or ``"counted"`` (one stamp more while the hold lasts).
    ``cancel_after_refunds`` (settable, kept by :meth:`reset`) is what a cancel reverses of a
    transaction with refunds: what is left (``"net"``) or the whole purchase again
    (``"whole"``).
    ``naive_dates`` (settable, kept by :meth:`reset`) answers every date-time without an offset,
    as the store's wall-clock time, as Diller does in places (the answer is checked against the
    contract before the offsets are dropped).
    """

    tokens: TokenIssuer
    state: SandboxState

    # How the store answers where the contract allows several answers (see above).
    duplicate_answer = SettingChoice[DuplicateAnswer](DUPLICATE_ANSWERS)
    refusal_answer = SettingChoice[RefusalAnswer](REFUSAL_ANSWERS)
    held_stamps = SettingChoice[HeldStamps](HELD_STAMPS)
    cancel_after_refunds = SettingChoice[CancelAfterRefunds](CANCEL_AFTER_REFUNDS)

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
        super().__init__(
            seed=seed,
            validate_requests=validate_requests,
            validate_responses=validate_responses,
            clock=clock,
            faults=Faults(),
            contract=contract(),
        )
        self.tokens = TokenIssuer(client_id, client_secret, token_lifetime)
        self.settings = Settings(public_url, activation_url or f"{public_url}/activate")
        self.duplicate_answer = duplicate_answer
        self.naive_dates = naive_dates
        self.on_message = on_message
        self.state = self._fresh_state()

    # public helpers ------------------------------------------------------------------------

    def _fresh_state(self) -> SandboxState:
        now = self.clock()
        return seed_state(now) if self.seeded else empty_state()

    @property
    def messages(self) -> list[SentMessage]:
        return self.state.messages

    def last_otp(self, member_id: str) -> int | None:
        """The last one-time code texted for this member (login or phone change)."""
        for message in reversed(self.messages):
            if message.member_id == member_id and message.code is not None:
                return message.code
        return None

    def contract_failure(self, error: SandboxContractError, path: str) -> SandboxResponse:
        problem = ApiProblem(500, f"Sandbox contract error: {error}")
        return SandboxResponse(
            500, {"Content-Type": PROBLEM_CONTENT_TYPE}, codec.dumps(problem.payload(path))
        )

    # internals -----------------------------------------------------------------------------

    def _error(
        self, status: int, message: str, *, headers: dict[str, str] | None = None
    ) -> ApiProblem:
        return ApiProblem(status, message, headers=headers)

    def _bad_json(self, error: ValueError) -> ApiProblem:
        return ApiProblem(400, "The request body is not valid JSON.", errors={"body": [str(error)]})

    def _serve(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        now: datetime,
    ) -> Exchange:
        if path.rstrip("/") == TOKEN_PATH:
            return self._token(method, path, query, headers, body, now)
        return self._api(method, path, query, headers, body, now)

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
        return self._exchange(response, latency, fault)

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
            overridden = self._overridden(operation_id, method, path, query, now)
            if overridden is not None:
                return overridden
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
            response = self._reply_response(reply)
        except ApiProblem as problem:
            response = self._problem_response(problem, path)
        self._checked(operation_id, response)
        if operation_id is not None and self.naive_dates:
            response = self._without_offsets(response, method, path)
        self._record(operation_id, method, path, query, parsed, response, now, fault)
        for message in new_messages:
            if self.on_message is not None:
                self.on_message(message)
        return self._exchange(response, latency, fault)

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
    "ADMIN_PREFIX",
    "JSON_CONTENT_TYPE",
    "NO_ANSWER",
    "BaseSandbox",
    "Exchange",
    "RecordedRequest",
    "Sandbox",
    "SandboxConnectionDropped",
    "SandboxContractError",
    "SandboxHung",
    "SandboxResponse",
    "SandboxTimedOut",
    "SandboxTransportFault",
]
