"""The Diller clients: :class:`DillerClient` (sync) and :class:`AsyncDillerClient` (asyncio).

Both expose the same methods, one per API operation
(:class:`~django_diller.api.methods.DillerOperations`); on the async
client each returns an awaitable. Store-scoped operations use the configured store unless a
``store_id`` is passed, which the set-up screen needs before a store is chosen.

Every method returns typed wire models or raises a :mod:`~django_diller.api.errors` error. An
``ActionResponse`` with ``is_ok = false`` raises :class:`~django_diller.api.errors.DillerRefused`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any

import httpx2

from .. import __version__
from . import logs
from .auth import (
    AsyncTokenProvider,
    MemoryTokenStore,
    RunSync,
    TokenProvider,
    TokenSettings,
    TokenStore,
    TokenUnavailable,
)
from .breaker import CircuitBreaker
from .calls import Attempts, PreparedCall, interpret, prepare
from .deadline import TokensWithin, limit_request, too_late
from .errors import DillerAuthError, DillerError, DillerUnavailable
from .methods import DillerOperations
from .operations import OPERATIONS
from .provider import DILLER
from .retry import Deadline, DeadlinePassed, RetryPolicy
from .sending import Sender, Timeouts, http_options


@dataclass(frozen=True)
class ClientConfig:
    """How to reach Diller. ``time_zone``: the store's, in which date-times Diller sends
    without an offset are read (every date-time the client returns is aware)."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    store_id: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token_refresh_margin: float = 60.0
    time_zone: tzinfo = UTC

    def token_settings(self) -> TokenSettings:
        one_fetch = self.timeouts.connect + self.timeouts.read + 5.0
        return TokenSettings(
            base_url=self.base_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            refresh_margin=self.token_refresh_margin,
            lock_ttl=one_fetch,
            lock_wait=one_fetch,
        )


USER_AGENT = f"django-diller/{__version__}"

logs.install()


def _http_kwargs(config: ClientConfig) -> dict[str, Any]:
    return http_options(config.base_url, config.timeouts, USER_AGENT)


class DillerClient(Sender, DillerOperations):
    """Synchronous Diller client, for views, tasks and commands. Thread-safe.

    ``breaker``: every answer from Diller is reported to it. For calls with a deadline
    (:meth:`with_deadline`, calls someone waits for), an open breaker refuses the call at once
    (``CircuitOpen``), and their failures count towards opening it.
    """

    provider = DILLER
    token_unavailable = TokenUnavailable

    def __init__(
        self,
        config: ClientConfig,
        *,
        token_store: TokenStore | None = None,
        transport: httpx2.BaseTransport | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        self.config = config
        self.breaker = breaker
        self.store_id = config.store_id
        self._http = httpx2.Client(transport=transport, **_http_kwargs(config))
        self.tokens = TokenProvider(
            config.token_settings(),
            token_store or MemoryTokenStore(),
            config.timeouts.for_httpx(),
            transport=transport,
        )

    def for_store(self, store_id: str) -> DillerClient:
        """The same connection and tokens, addressing another store."""
        other = object.__new__(DillerClient)
        other.__dict__.update(self.__dict__)
        other.store_id = store_id
        return other

    def _token(self, deadline: Deadline | None, stale: str | None = None) -> str:
        tokens = self.tokens if deadline is None else TokensWithin(self.tokens, deadline)
        return tokens.get(stale)

    def _token_refused(self, call: PreparedCall) -> DillerAuthError:
        return DillerAuthError(
            "Diller refused a freshly fetched token",
            operation=call.operation.operation_id,
            status=401,
        )

    def _answer(self, call: PreparedCall, response: httpx2.Response, attempts: Attempts) -> Any:
        return interpret(
            call.operation,
            response,
            retried=attempts.lost_answer,
            time_zone=self.config.time_zone,
        )

    def _pause(
        self, delay: float, deadline: Deadline | None, call: PreparedCall, attempts: Attempts
    ) -> None:
        time.sleep(delay)

    def _call(
        self,
        operation_id: str,
        path: dict[str, Any],
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        call = prepare(OPERATIONS[operation_id], path, query, body)
        deadline = None if self.deadline is None else Deadline(self.deadline)
        guard = self.breaker if deadline is not None else None
        admission = guard.admit(operation_id) if guard is not None else None
        try:
            result = self._attempts(call, deadline, self.config.retry)
        except DillerUnavailable:
            if guard is not None and admission is not None:
                guard.failed(probe=admission.probe)
            raise
        except DillerError:  # Diller answered, if not as hoped
            if self.breaker is not None:
                self.breaker.succeeded(admission)
            raise
        if self.breaker is not None:
            self.breaker.succeeded(admission)
        return result


class AsyncDillerClient(DillerOperations):
    """Asyncio Diller client with the same methods as :class:`DillerClient` (awaitable)."""

    deadline: float | None = None

    def __init__(
        self,
        config: ClientConfig,
        *,
        token_store: TokenStore | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        run_sync: RunSync | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        """``run_sync`` runs the (synchronous) token store and breaker off the event loop; see
        :class:`~django_diller.api.auth.AsyncTokenProvider`. ``breaker``: see
        :meth:`DillerClient.with_deadline`.

        An async client belongs to the event loop it is first used in (its connection pool
        does): create one per loop.
        """
        self.config = config
        self.breaker = breaker
        self.store_id = config.store_id
        self._http = httpx2.AsyncClient(transport=transport, **_http_kwargs(config))
        provider_kwargs = {"run_sync": run_sync} if run_sync else {}
        self.tokens = AsyncTokenProvider(
            config.token_settings(),
            token_store or MemoryTokenStore(),
            config.timeouts.for_httpx(),
            transport=transport,
            **provider_kwargs,
        )

    def for_store(self, store_id: str) -> AsyncDillerClient:
        other = object.__new__(AsyncDillerClient)
        other.__dict__.update(self.__dict__)
        other.store_id = store_id
        return other

    def with_deadline(self, seconds: float | None) -> AsyncDillerClient:
        """As :meth:`DillerClient.with_deadline`."""
        other = object.__new__(AsyncDillerClient)
        other.__dict__.update(self.__dict__)
        other.deadline = seconds
        return other

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncDillerClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _request(self, call: PreparedCall, token: str, deadline: Deadline | None) -> httpx2.Request:
        request = call.build_request(self._http, token)
        if deadline is not None:
            deadline.check()
            limit_request(request, self._http.timeout, deadline, asynchronous=True)
        return request

    async def _token(self, deadline: Deadline | None, stale: str | None = None) -> str:
        if deadline is None:
            return await self.tokens.get(stale)
        try:
            async with asyncio.timeout(deadline.check()):
                return await self.tokens.get(stale)
        except TimeoutError:
            raise DeadlinePassed from None

    async def _send_once(
        self, call: PreparedCall, deadline: Deadline | None = None
    ) -> httpx2.Response:
        token = await self._token(deadline)
        response = await self._http.send(self._request(call, token, deadline))
        if response.status_code != 401:
            return response
        token = await self._token(deadline, stale=token)
        response = await self._http.send(self._request(call, token, deadline))
        if response.status_code == 401:
            raise DillerAuthError(
                "Diller refused a freshly fetched token",
                operation=call.operation.operation_id,
                status=401,
            )
        return response

    async def _call(
        self,
        operation_id: str,
        path: dict[str, Any],
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        call = prepare(OPERATIONS[operation_id], path, query, body)
        deadline = None if self.deadline is None else Deadline(self.deadline)
        guard = self.breaker if deadline is not None else None
        run_sync = self.tokens.run_sync
        admission = await run_sync(guard.admit, operation_id) if guard is not None else None
        try:
            result = await self._attempts(call, deadline)
        except DillerUnavailable:
            if guard is not None and admission is not None:
                await run_sync(functools.partial(guard.failed, probe=admission.probe))
            raise
        except DillerError:  # Diller answered, if not as hoped
            if self.breaker is not None:
                await run_sync(self.breaker.succeeded, admission)
            raise
        if self.breaker is not None:
            await run_sync(self.breaker.succeeded, admission)
        return result

    async def _attempts(self, call: PreparedCall, deadline: Deadline | None) -> Any:
        policy = self.config.retry if deadline is None else deadline.bound(self.config.retry)
        attempts = Attempts(call.operation, policy)
        while True:
            attempts.begin()
            try:
                response = await self._send_once(call, deadline)
            except TokenUnavailable as exc:
                delay = attempts.after_token_failure(exc)
            except httpx2.TransportError as exc:
                delay = attempts.after_error(exc)
            except DeadlinePassed:
                if deadline is None:  # only a deadline raises it
                    raise
                operation_id = call.operation.operation_id
                raise too_late(
                    operation_id, deadline, lost_answer=attempts.lost_answer, provider=DILLER
                ) from None
            else:
                retry_in = attempts.after_response(response)
                if retry_in is None:
                    return interpret(
                        call.operation,
                        response,
                        retried=attempts.lost_answer,
                        time_zone=self.config.time_zone,
                    )
                delay = retry_in
            await asyncio.sleep(delay)
