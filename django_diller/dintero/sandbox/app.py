"""The :class:`DinteroSandbox`: routing, auth, faults, validation, dispatch and the request log.

Pipeline for ``/v1/accounts/{aid}/...``: route (404/405) -> fault draw (an error status or 429
answered without processing) -> bearer token (401) -> account id (400 if malformed; the
contract's "forbidden" status if the token is another account's) -> request validation (400) ->
handler (under the state lock) -> response validation (a breach raises
:class:`SandboxContractError`) -> log. The token endpoint takes HTTP Basic instead of a bearer
token, and is logged (and drawn for faults) as ``"token"``. Timeout and drop faults are decided
up front but carried out by the transport or server *after* processing; a hang is logged
(status 0) and nothing else happens.

Besides the contract, ``POST /_sandbox/reset`` puts the sandbox back to its seed (for people
clicking through the example shop against the real server).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django_diller.dintero.openapi import BASE_PATH
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

from . import signing
from .auth import ACCOUNT_ID, DEFAULT_TOKEN_LIFETIME, Grant, TokenIssuer
from .errors import DinteroError, SandboxContractError
from .faults import TOKEN_OPERATION, DinteroFaults, FaultKind
from .handlers import HANDLERS, Context, Reply, Settings
from .handlers.receipts import CREATE
from .seed import SANDBOX_PUBLIC_URL, empty_state, seed_state
from .state import Account, ApiClient, DuplicateAnswer, ReceiptOptions, SandboxState
from .validation import contract

TOKEN_OPERATION_ID = "aid_auths_oauth_token_post"  # noqa: S105  (an operation id)
# Query parameters that carry a credential: kept out of the request log.
SECRET_QUERY = frozenset({"token"})
# The status for "this token is another account's", where the contract lists no 403 for the
# operation but files its Forbidden answer under another status.
FORBIDDEN_STATUS = {CREATE: 404}


class DinteroSandbox(ErrorStatusSandbox):
    """A stateful, in-memory Dintero Receipts API.

    ``seed=False`` keeps the demo account and its API client but no receipts. ``options``
    (a :class:`ReceiptOptions`, kept by :meth:`reset`) picks among the answers the contract
    leaves open; ``duplicate_answer`` is a shortcut to one of them.
    """

    secret_query = SECRET_QUERY
    faults: DinteroFaults
    tokens: TokenIssuer
    state: SandboxState

    def __init__(
        self,
        seed: bool = True,
        validate_requests: bool = True,
        validate_responses: bool = True,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
        clock: Callable[[], datetime] | None = None,
        *,
        public_url: str = SANDBOX_PUBLIC_URL,
        options: ReceiptOptions | None = None,
    ) -> None:
        super().__init__(
            seed=seed,
            validate_requests=validate_requests,
            validate_responses=validate_responses,
            clock=clock,
            faults=DinteroFaults(),
            contract=contract(),
        )
        self.tokens = TokenIssuer(token_lifetime, public_url)
        self.options = options or ReceiptOptions()
        self.public_url = public_url
        self._receipt_key = signing.new_key()
        self.state = self._fresh_state()

    # public helpers ------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return Settings(self.public_url, self.options, self._receipt_key)

    @property
    def duplicate_answer(self) -> DuplicateAnswer:
        """How a receipt the account already has is answered (one of ``DUPLICATE_ANSWERS``:
        ``"counted"``, ``"listed"``, ``"refused"``, ``"409"``)."""
        return self.options.duplicate_answer

    @duplicate_answer.setter
    def duplicate_answer(self, style: DuplicateAnswer) -> None:
        self.options.duplicate_answer = style

    def add_account(self, aid: str, client_id: str, client_secret: str) -> None:
        """Another account with one API client (gone again after :meth:`reset`)."""
        if not ACCOUNT_ID.match(aid):
            raise ValueError("an account id is T or P and eight digits")
        with self.state.lock:
            account = self.state.accounts.setdefault(aid, Account(aid))
            account.clients[client_id] = ApiClient(client_id, client_secret)

    def _fresh_state(self) -> SandboxState:
        return seed_state(self.clock()) if self.seeded else empty_state()

    def reset(self) -> None:
        """Back to the seed: data, request log, token count, faults and :meth:`fail_next`
        (options are kept).

        Access tokens already issued stay valid, so a client need not fetch a new one.
        """
        super().reset()

    def contract_failure(self, error: SandboxContractError, path: str) -> SandboxResponse:
        return self._error_response(DinteroError(500, f"Sandbox contract error: {error}"))

    # internals -----------------------------------------------------------------------------

    def _error(
        self, status: int, message: str, *, headers: dict[str, str] | None = None
    ) -> DinteroError:
        return DinteroError(status, message, headers=headers)

    def _bad_json(self, error: ValueError) -> DinteroError:
        return DinteroError(
            400,
            "The request body is not valid JSON.",
            code="invalid_json",
            errors=[{"field": "body", "message": str(error)}],
        )

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
        logged_as: str | None = None
        fault: FaultKind | None = None
        latency = 0.0
        parsed: Any = None
        extra_headers: dict[str, str] = {}
        try:
            match = self._route(method, path)
            operation_id, path_params = match.operation_id, match.path_params
            logged_as = TOKEN_OPERATION if operation_id == TOKEN_OPERATION_ID else operation_id
            overridden = self._overridden(logged_as, method, path, query, now)
            if overridden is not None:
                return overridden
            fault, failure = self._draw_fault(logged_as)
            if fault == "hang":
                return self._hang(logged_as, method, path, query, now)
            latency = self.faults.latency_for(logged_as)
            self._raise_for_fault(fault, failure)
            aid = path_params["aid"]
            if operation_id == TOKEN_OPERATION_ID:
                client_id = self.tokens.authenticate(self.state, aid, headers)
            else:
                grant = self.tokens.check(headers.get("authorization"), now)
                self._check_account(operation_id, aid, grant)
                client_id = grant.client_id
            parsed = self._parse_body(operation_id, headers, body)
            path_values, query_values = self.contract.parameters(
                operation_id, path_params, query, validate=self.validate_requests
            )
            if self.validate_requests:
                self.contract.body(operation_id, parsed)
            if operation_id == TOKEN_OPERATION_ID:
                reply = Reply(200, self.tokens.issue(aid, client_id, parsed, now))
                extra_headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
            else:
                state = self.state
                with state.lock:
                    ctx = Context(
                        state,
                        aid,
                        client_id,
                        path_values,
                        query_values,
                        parsed,
                        now,
                        self.settings,
                    )
                    result = HANDLERS[operation_id](ctx)
                reply = result if isinstance(result, Reply) else Reply(200, result)
            response = self._reply_response(reply, extra_headers)
        except DinteroError as error:
            response = self._error_response(error)
        self._checked(operation_id, response)
        self._record(logged_as, method, path, query, parsed, response, now, fault)
        return self._exchange(response, latency, fault)

    def _relative(self, path: str) -> str:
        if path != BASE_PATH and not path.startswith(BASE_PATH + "/"):
            raise DinteroError(404, f"No API route matches {path}.")
        return path[len(BASE_PATH) :] or "/"

    def _route(self, method: str, path: str) -> RouteMatch:
        try:
            return self.router.resolve(method, self._relative(path))
        except ApiProblem as problem:  # the shared router speaks problem details
            raise DinteroError(problem.status, problem.detail, headers=problem.headers) from None

    def _check_account(self, operation_id: str, aid: str, grant: Grant) -> None:
        """The path's account must be well formed and the token's own."""
        if not ACCOUNT_ID.match(aid):
            raise DinteroError(
                400,
                "aid must be T or P followed by eight digits.",
                code="validation_error",
                errors=[{"field": "aid", "message": "T or P followed by eight digits."}],
            )
        if grant.aid != aid:
            raise DinteroError(
                FORBIDDEN_STATUS.get(operation_id, 403),
                "The access token is not for this account.",
                code="forbidden",
            )

    def _error_response(self, error: DinteroError) -> SandboxResponse:
        headers = {"Content-Type": JSON_CONTENT_TYPE, **error.headers}
        return SandboxResponse(error.status, headers, codec.dumps(error.payload()))

    def _admin(self, method: str, path: str, query: dict[str, str]) -> SandboxResponse:
        route = path[len(ADMIN_PREFIX) :].rstrip("/")
        if route == "reset" and method == "POST":
            self.reset()
            payload = {"reset": True}
            return SandboxResponse(200, {"Content-Type": JSON_CONTENT_TYPE}, codec.dumps(payload))
        return self._error_response(DinteroError(404, f"No sandbox route {path}."))


__all__ = ["SECRET_QUERY", "TOKEN_OPERATION_ID", "DinteroSandbox"]
