"""httpx2 transports that answer from a sandbox in-process (no sockets): Diller's
:class:`~django_diller.sandbox.app.Sandbox`, or any other
:class:`~django_diller.sandbox.emulator.BaseSandbox`.

``httpx2.Client(transport=SandboxTransport(sb), base_url="https://sandbox.diller.invalid")``.
Injected latency sleeps (``time.sleep`` / ``asyncio.sleep``); a timeout fault raises
``httpx2.ReadTimeout`` and a drop fault ``httpx2.RemoteProtocolError``, both after the sandbox
processed the request, which is the worst case a client must survive.

The request's read timeout is kept as a socket would keep it: latency longer than it ends in
``httpx2.ReadTimeout`` when it runs out, and a hang fault waits it out, then raises the same.
"""

from __future__ import annotations

import asyncio
import time

import httpx2

from .emulator import BaseSandbox, Exchange

NO_ANSWER_IN_TIME = "sandbox fault: no answer within the read timeout"


def _call(sandbox: BaseSandbox, request: httpx2.Request, body: bytes) -> Exchange:
    url = request.url
    return sandbox.process(
        request.method,
        url.raw_path.decode("utf-8").split("?", 1)[0],
        url.query.decode("utf-8"),
        dict(request.headers.items()),
        body,
    )


def _read_timeout(request: httpx2.Request) -> float | None:
    value = request.extensions.get("timeout", {}).get("read")
    return None if value is None else float(value)


def _wait(exchange: Exchange, request: httpx2.Request, ceiling: float) -> tuple[float, bool]:
    """How long the client waits for the answer, and whether it gives up first.

    ``ceiling``: how long a hang lasts for a client without a read timeout.
    """
    delay = ceiling if exchange.fault == "hang" else exchange.latency
    limit = _read_timeout(request)
    if limit is not None and limit < delay:
        return limit, True
    return delay, exchange.fault == "hang"


def _response(exchange: Exchange, request: httpx2.Request) -> httpx2.Response:
    if exchange.fault == "timeout":
        raise httpx2.ReadTimeout("sandbox fault: read timed out", request=request)
    if exchange.fault == "drop":
        raise httpx2.RemoteProtocolError(
            "sandbox fault: server disconnected without sending a response", request=request
        )
    answer = exchange.response
    return httpx2.Response(
        answer.status, headers=answer.headers, content=answer.body, request=request
    )


class SandboxTransport(httpx2.BaseTransport):
    def __init__(self, sandbox: BaseSandbox) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        exchange = _call(self.sandbox, request, request.read())
        delay, gave_up = _wait(exchange, request, self.sandbox.faults.timeout_seconds)
        if delay:
            time.sleep(delay)
        if gave_up:
            raise httpx2.ReadTimeout(NO_ANSWER_IN_TIME, request=request)
        return _response(exchange, request)


class AsyncSandboxTransport(httpx2.AsyncBaseTransport):
    def __init__(self, sandbox: BaseSandbox) -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        exchange = _call(self.sandbox, request, body)
        delay, gave_up = _wait(exchange, request, self.sandbox.faults.timeout_seconds)
        if delay:
            await asyncio.sleep(delay)
        if gave_up:
            raise httpx2.ReadTimeout(NO_ANSWER_IN_TIME, request=request)
        return _response(exchange, request)
