"""The sending half of a synchronous client: one call's attempts, each with a token, within a
deadline when someone waits for the call; and the HTTP connection's options.

:class:`Sender` knows no provider. A client (Diller's
:class:`~django_diller.api.client.DillerClient`, Dintero's) says whose errors it raises
(:attr:`Sender.provider`, :attr:`Sender.token_unavailable`), where its tokens come from
(:meth:`Sender._token`), how a final answer reads (:meth:`Sender._answer`) and how it waits
between attempts (:meth:`Sender._pause`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import httpx2

from .calls import Attempts, PreparedCall
from .deadline import limit_request, too_late
from .provider import Provider
from .retry import Deadline, DeadlinePassed, RetryPolicy
from .tls import shared_tls_context


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.0
    read: float = 10.0

    def for_httpx(self) -> httpx2.Timeout:
        return httpx2.Timeout(connect=self.connect, read=self.read, write=self.read, pool=self.read)


def http_options(base_url: str, timeouts: Timeouts, user_agent: str) -> dict[str, Any]:
    """A client's ``httpx2.Client`` (or ``AsyncClient``) options: no redirects followed, the
    process's shared TLS context."""
    return {
        "base_url": base_url.rstrip("/"),
        "timeout": timeouts.for_httpx(),
        "headers": {"User-Agent": user_agent},
        "follow_redirects": False,
        "verify": shared_tls_context(),
    }


class Sender:
    """Sends prepared calls over ``_http`` with a bearer token, trying again as
    :class:`~django_diller.api.calls.Attempts` allows; within ``deadline`` seconds a call, when
    one is set (:meth:`with_deadline`)."""

    provider: Provider[Any]
    # The token endpoint's failure: no API request went out, so every operation may retry.
    token_unavailable: type[Exception]
    _http: httpx2.Client
    deadline: float | None = None

    def with_deadline(self, seconds: float | None) -> Self:
        """The same client (connection, tokens) for calls someone waits for (None: calls
        nobody waits for): each call then takes at most ``seconds`` in all, retries and the
        token fetch included, and raises the provider's "timed out" or "unavailable" error
        when they are up."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.deadline = seconds
        return other

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _token(self, deadline: Deadline | None, stale: str | None = None) -> str:
        """A usable token (not ``stale``, one just refused), fetched within ``deadline``."""
        raise NotImplementedError

    def _token_refused(self, call: PreparedCall) -> Exception:
        """The error for a freshly fetched token the API refused too."""
        raise NotImplementedError

    def _answer(self, call: PreparedCall, response: httpx2.Response, attempts: Attempts) -> Any:
        """The typed result of the final response, or the typed error it stands for."""
        raise NotImplementedError

    def _pause(
        self, delay: float, deadline: Deadline | None, call: PreparedCall, attempts: Attempts
    ) -> None:
        """Wait ``delay`` seconds before the next attempt (a retry policy cut to the deadline
        already made it fit)."""
        raise NotImplementedError

    def _request(self, call: PreparedCall, token: str, deadline: Deadline | None) -> httpx2.Request:
        request = call.build_request(self._http, token)
        if deadline is not None:
            deadline.check()
            limit_request(request, self._http.timeout, deadline)
        return request

    def _send_once(self, call: PreparedCall, deadline: Deadline | None = None) -> httpx2.Response:
        token = self._token(deadline)
        response = self._http.send(self._request(call, token, deadline))
        if response.status_code != 401:
            return response
        # The token expired early or was revoked: fetch a new one once, then give up.
        token = self._token(deadline, stale=token)
        response = self._http.send(self._request(call, token, deadline))
        if response.status_code == 401:
            raise self._token_refused(call)
        return response

    def _too_late(self, call: PreparedCall, deadline: Deadline, attempts: Attempts) -> Exception:
        error: Exception = too_late(
            call.operation.operation_id,
            deadline,
            lost_answer=attempts.lost_answer,
            provider=self.provider,
        )
        return error

    def _attempts(self, call: PreparedCall, deadline: Deadline | None, retry: RetryPolicy) -> Any:
        """Send ``call`` until it has an answer or ``retry`` (cut to ``deadline``) is spent."""
        policy = retry if deadline is None else deadline.bound(retry)
        attempts = Attempts(call.operation, policy, self.provider)
        while True:
            attempts.begin()
            try:
                response = self._send_once(call, deadline)
            except self.token_unavailable as exc:
                delay = attempts.after_token_failure(exc)
            except httpx2.TransportError as exc:
                delay = attempts.after_error(exc)
            except DeadlinePassed:
                if deadline is None:  # only a deadline raises it
                    raise
                raise self._too_late(call, deadline, attempts) from None
            else:
                retry_in = attempts.after_response(response)
                if retry_in is None:
                    return self._answer(call, response, attempts)
                delay = retry_in
            self._pause(delay, deadline, call, attempts)
