"""Values a request reads many times, read once per request.

The shop's loyalty settings kept in the database (the store chosen on the set-up page, the
product marks and Diller's list of products that earn nothing) live in Django's cache, shared by
every process. With Redis that is a round trip per read, and one checkout page reads them up
to ten times. Within a request (from Django's ``request_started`` to its ``request_finished``)
the first answer is kept for the rest of the request; outside a request (Celery tasks,
management commands) every call reads the cache, as before.

A change saved in the same request is seen at once: whoever changes a value calls
:func:`forget` with its key. Other requests in flight keep the answer they read until they
end, as they would have kept a value read a moment before the change.

Under WSGI the signals are enough. Under ASGI, Django sends ``request_started`` in an asyncio
task of its own, so the memo it starts never reaches the view: a shop served by ASGI puts
:class:`RequestMemoMiddleware` first in ``MIDDLEWARE`` (without it every call reads the cache,
as outside a request).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.signals import request_finished, request_started

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("diller_request_memo", default=None)


# Under this key, the memo keeps the keys that :func:`forget` dropped for good.
_UNKEPT = object()


def remembered(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``'s answer, kept for the rest of the current request under ``key``."""
    memo = _memo.get()
    if memo is None:  # not in a request
        return read()
    if key in memo:
        return memo[key]  # type: ignore[no-any-return]
    unkept = memo.get(_UNKEPT, ())
    if key in unkept or (isinstance(key, tuple) and key and key[0] in unkept):
        return read()
    value = memo[key] = read()
    return value


def forget(key: Hashable, *, for_good: bool = False) -> None:
    """Drop the current request's answer for ``key`` (its value just changed), and the answers
    worked out from it: those kept under a tuple that starts with ``key``.

    ``for_good``: nor are they kept again in this request. For a value written to the
    database: the transaction that wrote it may still be rolled back, and Django says nothing
    then, so an answer read after the write could outlive it.
    """
    memo = _memo.get()
    if memo is None:
        return
    memo.pop(key, None)
    for derived in [k for k in memo if isinstance(k, tuple) and k and k[0] == key]:
        del memo[derived]
    if for_good:
        memo.setdefault(_UNKEPT, set()).add(key)


class RequestMemoMiddleware:
    """Keeps the memo for the whole of each request, sync or async (see the module's
    description)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if iscoroutinefunction(self):
            return self._async_call(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)

    async def _async_call(self, request: Any) -> Any:
        token = _memo.set({})
        try:
            return await self.get_response(request)
        finally:
            _memo.reset(token)


def _request_started(**kwargs: object) -> None:
    _memo.set({})


def _request_finished(**kwargs: object) -> None:
    _memo.set(None)


request_started.connect(_request_started, dispatch_uid="diller-request-memo-start")
request_finished.connect(_request_finished, dispatch_uid="diller-request-memo-end")
