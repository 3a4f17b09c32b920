"""The :class:`CoupontoolsSandbox`: routing, faults, authentication, validation, dispatch and the
request log.

Pipeline for ``POST /v3/couponsession/{data,update}``: route (404/405) -> fault draw (an error
status or 429 with a proxy's HTML page, without processing) -> ``X-Client-Id`` and
``X-Client-Secret`` (error 1000) -> the body, a form or JSON, read into parameters and renamed
from the account's names to the contract's -> request validation (200/300/301) -> handler
(under the state lock) -> response validation (a breach raises :class:`SandboxContractError`)
-> log. Timeout and drop faults are decided up front but carried out by the transport or
server *after* processing; a hang is logged (status 0) and nothing else happens.

Every Coupontools answer is JSON; an error is ``status.status`` ``"ERROR"`` with
``error_code`` and ``message``, under HTTP 200 or a mapped status
(``SessionOptions.error_http_status``). Besides the contract, ``GET /_sandbox/vouchers`` lists
the vouchers (HTML), ``GET /_sandbox/sessions`` the same as JSON, and ``POST /_sandbox/reset``
puts the sandbox back to its seed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from django_diller.sandbox import codec
from django_diller.sandbox.emulator import (
    ADMIN_PREFIX,
    JSON_CONTENT_TYPE,
    ErrorStatusSandbox,
    Exchange,
    SandboxResponse,
)
from django_diller.sandbox.problems import ApiProblem
from django_diller.sandbox.routing import RouteMatch

from .auth import ClientAuth
from .errors import CoupontoolsError, SandboxContractError, missing
from .faults import CoupontoolsFaults, FaultKind
from .handlers import HANDLERS, Context
from .options import SessionOptions
from .page import session_rows, vouchers_page
from .seed import empty_state, seed_state
from .state import ApiClient, CouponSession, SandboxState
from .validation import contract

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded"


class Outage(Exception):
    """An injected failure in front of the API: an HTML page, not a Coupontools answer."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> SandboxResponse:
        page = f"<html><body><h1>{self.status}</h1><p>{self.message}</p></body></html>"
        headers = {"Content-Type": HTML_CONTENT_TYPE, **self.headers}
        return SandboxResponse(self.status, headers, page.encode("utf-8"))


def read_params(content_type: str | None, body: bytes) -> dict[str, Any]:
    """A request body's parameters: HTML form fields or a JSON object.

    What cannot be read (JSON that is broken or not an object, another media type) has no
    parameters, so it is answered as a missing ``couponsession`` (200), as a server reading
    form fields would.
    """
    if not body.strip():
        return {}
    media = (content_type or "").split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if media == FORM or (not media and not text.lstrip().startswith("{")):
        return dict(parse_qsl(text, keep_blank_values=True))
    if media in ("", "application/json") or media.endswith("+json"):
        try:
            parsed = codec.loads(body)
        except codec.JsonDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


class CoupontoolsSandbox(ErrorStatusSandbox):
    """A stateful, in-memory Coupontools v3 API (coupon sessions).

    ``seed=False`` keeps the demo company, its API clients and campaigns but no sessions.
    ``options`` (a :class:`SessionOptions`, kept by :meth:`reset`) picks among the answers the
    guide leaves open. ``clock``: any callable giving an aware ``datetime`` (a
    :class:`~django_diller.coupontools.sandbox.clock.SandboxClock` can be set and advanced).
    """

    faults: CoupontoolsFaults
    tokens: ClientAuth
    state: SandboxState

    def __init__(
        self,
        seed: bool = True,
        validate_requests: bool = True,
        validate_responses: bool = True,
        clock: Callable[[], datetime] | None = None,
        *,
        options: SessionOptions | None = None,
    ) -> None:
        super().__init__(
            seed=seed,
            validate_requests=validate_requests,
            validate_responses=validate_responses,
            clock=clock,
            faults=CoupontoolsFaults(),
            contract=contract(),
        )
        self.tokens = ClientAuth()
        self.options = options or SessionOptions()
        self.state = self._fresh_state()

    # public helpers ------------------------------------------------------------------------

    @property
    def auth(self) -> ClientAuth:
        """The API clients' check (``auth.granted``: calls that authenticated)."""
        return self.tokens

    def session(self, session_id: str) -> CouponSession:
        """A session of the sandbox, to look at in tests (KeyError when there is none)."""
        with self.state.lock:
            return self.state.sessions[session_id]

    def add_session(self, session: CouponSession) -> CouponSession:
        """Another session (gone again after :meth:`reset`); its campaign is added if new."""
        with self.state.lock:
            return self.state.add(session)

    def add_client(self, client_id: str, client_secret: str, label: str = "") -> None:
        """Another API client (gone again after :meth:`reset`)."""
        if not client_id or not client_secret:
            raise ValueError("an API client needs an id and a secret")
        with self.state.lock:
            self.state.clients[client_id] = ApiClient(client_id, client_secret, label)

    def reset(self) -> None:
        """Back to the seed: sessions, API clients, request log, faults, :meth:`fail_next` and
        revoked credentials (options and the clock are kept)."""
        super().reset()
        self.tokens.restore()

    def contract_failure(self, error: SandboxContractError, path: str) -> SandboxResponse:
        failure = CoupontoolsError(500, f"Sandbox contract error: {error}", fixed=True)
        return self._json_response(500, failure)

    # internals -----------------------------------------------------------------------------

    def _fresh_state(self) -> SandboxState:
        return seed_state(self.clock()) if self.seeded else empty_state()

    def _error(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> Outage:
        return Outage(status, message, headers)

    def _bad_json(self, error: ValueError) -> CoupontoolsError:
        return missing("couponsession")

    def _serve(
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
        params: Any = None
        checked = True
        try:
            match = self._route(method, path)
            operation_id = match.operation_id
            overridden = self._overridden(operation_id, method, path, query, now)
            if overridden is not None:
                return overridden
            fault, failure = self._draw_fault(operation_id)
            if fault == "hang":
                return self._hang(operation_id, method, path, query, now)
            latency = self.faults.latency_for(operation_id)
            self._raise_for_fault(fault, failure)
            client_id = self.tokens.authenticate(self.state, headers)
            params = read_params(headers.get("content-type"), body)
            named = self.options.names.to_contract(params)
            if self.validate_requests:
                self.contract.body(operation_id, {k: v for k, v in named.items() if v != ""})
            state = self.state
            with state.lock:
                ctx = Context(state, client_id, named, now, self.options)
                payload = HANDLERS[operation_id](ctx)
            response = self._json_response(200, payload)
        except CoupontoolsError as error:
            response = self._json_response(self._status_of(error), error)
        except Outage as outage:
            response = outage.response()
            checked = False  # the proxy's page, not the API's answer
        if checked:
            self._checked(operation_id, response)
        self._record(operation_id, method, path, query, params, response, now, fault)
        return self._exchange(response, latency, fault)

    def _status_of(self, error: CoupontoolsError) -> int:
        if error.fixed or self.options.error_http_status == "mapped":
            return error.http_status
        return 200

    def _route(self, method: str, path: str) -> RouteMatch:
        try:
            return self.router.resolve(method, path)
        except ApiProblem as problem:  # the shared router speaks problem details
            raise CoupontoolsError(
                problem.status,
                problem.detail,
                http_status=problem.status,
                fixed=True,
                headers=problem.headers,
            ) from None

    @staticmethod
    def _json_response(status: int, payload: Any) -> SandboxResponse:
        headers = {"Content-Type": JSON_CONTENT_TYPE}
        if isinstance(payload, CoupontoolsError):
            headers.update(payload.headers)
            payload = payload.payload()
        return SandboxResponse(status, headers, codec.dumps(payload))

    def _admin(self, method: str, path: str, query: dict[str, str]) -> SandboxResponse:
        route = path[len(ADMIN_PREFIX) :].rstrip("/")
        if route == "vouchers" and method in ("GET", "HEAD"):
            page = vouchers_page(self.state, self.clock())
            return SandboxResponse(200, {"Content-Type": HTML_CONTENT_TYPE}, page.encode())
        if route == "sessions" and method in ("GET", "HEAD"):
            return self._json_response(200, session_rows(self.state, self.clock()))
        if route == "reset" and method == "POST":
            self.reset()
            return self._json_response(200, {"reset": True})
        unknown = CoupontoolsError(404, f"No sandbox route {path}.", fixed=True)
        return self._json_response(404, unknown)


__all__ = ["FORM", "HTML_CONTENT_TYPE", "CoupontoolsSandbox", "Outage", "read_params"]
