"""A real HTTP server around a :class:`Sandbox` (stdlib ``ThreadingHTTPServer``), or any other
:class:`~django_diller.sandbox.emulator.BaseSandbox`: a subclass of :class:`SandboxHTTPServer`
names its thread and logger (Dintero's sandbox has one).

Faults are carried out on the wire: latency and timeouts sleep before answering (a timeout fault
hangs ``Faults.timeout_seconds``, longer than any sensible client read timeout, then answers),
and a dropped connection closes the socket without writing a response, so clients see a genuine
``RemoteProtocolError``. A hang holds the connection, silent, until the client gives up (or
``Faults.timeout_seconds`` pass), then closes it: the client's own read timeout ends the wait.
A :class:`SandboxContractError` cannot reach the client from here: it is kept in
``server.contract_errors``, logged, and answered as a 500 in the provider's error shape
(:meth:`~django_diller.sandbox.emulator.BaseSandbox.contract_failure`; Diller's: problem details).
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from .emulator import BaseSandbox, Exchange, SandboxResponse
from .problems import SandboxContractError

logger = logging.getLogger("django_diller.sandbox")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many clients connecting at once (a race of tills, a load test) must queue, not be reset:
    # the standard library's default backlog is 5.
    request_queue_size = 128
    allow_reuse_address = True
    thread_name = "diller-sandbox"  # the background thread of :func:`running_server`
    logger = logger
    contract_error_line = "Sandbox contract error: %s"
    default_port = 8765  # where :meth:`serve` listens unless told

    def __init__(
        self, sandbox: BaseSandbox, host: str, port: int, *, verbose: bool = False
    ) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        self.sandbox = sandbox
        self.verbose = verbose
        self.stopping = threading.Event()
        self.contract_errors: list[SandboxContractError] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def stop(self) -> None:
        self.stopping.set()  # wakes handlers sleeping on latency or a timeout fault
        self.shutdown()
        self.server_close()

    # A provider's server module offers these as its make_server, running_server and
    # serve_forever (the functions below, with the server class fixed).

    @classmethod
    def make(
        cls, sandbox: BaseSandbox, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
    ) -> Self:
        return cls(sandbox, host, port, verbose=verbose)

    @classmethod
    @contextmanager
    def running(
        cls, sandbox: BaseSandbox, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
    ) -> Iterator[str]:
        """Serve ``sandbox`` on a background thread; yields the base URL (``http://host:port``)."""
        server = cls.make(sandbox, host, port, verbose=verbose)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=server.thread_name,
            daemon=True,
        )
        thread.start()
        try:
            yield server.url
        finally:
            server.stop()
            thread.join(timeout=5)

    @classmethod
    def serve(
        cls,
        sandbox: BaseSandbox,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        ready: Callable[[str], None] | None = None,
        verbose: bool = True,
    ) -> None:
        """Serve in the foreground until interrupted (Ctrl-C raises KeyboardInterrupt here);
        on :attr:`default_port` unless ``port`` is given."""
        server = cls.make(
            sandbox, host, cls.default_port if port is None else port, verbose=verbose
        )
        try:
            if ready is not None:
                ready(server.url)
            server.serve_forever(poll_interval=0.2)
        finally:
            server.stopping.set()
            server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without this, Nagle plus delayed ACKs add
    # about 40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer
    timeout = 120  # idle keep-alive connections end eventually

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        body = self._read_body()
        path, _, query = self.path.partition("?")
        try:
            exchange = self.server.sandbox.process(
                self.command, path, query, dict(self.headers.items()), body
            )
        except SandboxContractError as exc:
            self.server.contract_errors.append(exc)
            self.server.logger.error(self.server.contract_error_line, exc)
            exchange = Exchange(self.server.sandbox.contract_failure(exc, path))
        stopping = self.server.stopping
        if exchange.fault == "hang":
            self._hold(self.server.sandbox.faults.timeout_seconds)
            return
        if exchange.latency:
            stopping.wait(exchange.latency)
        if exchange.fault == "drop":
            self.close_connection = True  # nothing written: the peer sees EOF, no response
            return
        if exchange.fault == "timeout":
            stopping.wait(self.server.sandbox.faults.timeout_seconds)
        self._write(exchange.response)

    def _hold(self, seconds: float) -> None:
        """Say nothing until the client hangs up, the server stops or ``seconds`` pass; then
        close the connection unanswered."""
        self.close_connection = True
        ends = time.monotonic() + seconds
        while not self.server.stopping.is_set() and (left := ends - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(0.05, left))
            if readable:  # the client closed its end (or sent more, which is not waited for)
                return

    def _write(self, response: SandboxResponse) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            # Request lines carry ?phone= and ?email= searches (Diller's), receipt tokens
            # (Dintero's): log the path only.
            args = tuple(
                arg.split("?", 1)[0] + (" …" if "?" in arg else "") if isinstance(arg, str) else arg
                for arg in args
            )
            super().log_message(format, *args)


def make_server(
    sandbox: BaseSandbox,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    verbose: bool = False,
    server_class: type[SandboxHTTPServer] = SandboxHTTPServer,
) -> SandboxHTTPServer:
    return server_class.make(sandbox, host, port, verbose=verbose)


def running_server(
    sandbox: BaseSandbox,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    verbose: bool = False,
    server_class: type[SandboxHTTPServer] = SandboxHTTPServer,
) -> AbstractContextManager[str]:
    """Serve ``sandbox`` on a background thread; yields the base URL (``http://host:port``)."""
    return server_class.running(sandbox, host, port, verbose=verbose)


def serve_forever(
    sandbox: BaseSandbox,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    ready: Callable[[str], None] | None = None,
    verbose: bool = True,
    server_class: type[SandboxHTTPServer] = SandboxHTTPServer,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C raises KeyboardInterrupt here)."""
    server_class.serve(sandbox, host, port, ready=ready, verbose=verbose)
