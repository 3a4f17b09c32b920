"""A real HTTP server around a :class:`DinteroSandbox` (stdlib ``ThreadingHTTPServer``).

Diller's sandbox's server (:mod:`django_diller.sandbox.server`) carries out the faults on the
wire: latency and timeouts sleep before answering (a timeout fault waits
``Faults.timeout_seconds``, longer than any sensible client read timeout, then answers), and a
dropped connection closes the socket without writing a response, so clients see a genuine
``RemoteProtocolError``. A hang holds the connection, silent, until the client gives up (or
``Faults.timeout_seconds`` pass), then closes it. A :class:`SandboxContractError` cannot reach
the client from here: it is kept in ``server.contract_errors``, logged, and answered as a 500
with Dintero's ``Error`` body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from django_diller.sandbox import server
from django_diller.sandbox.server import SandboxHTTPServer

from .app import DinteroSandbox

logger = logging.getLogger("django_diller.dintero.sandbox")

DEFAULT_PORT = 8766


class DinteroSandboxHTTPServer(SandboxHTTPServer):
    thread_name = "dintero-sandbox"
    logger = logger
    contract_error_line = "Dintero sandbox contract error: %s"


def make_server(
    sandbox: DinteroSandbox, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
) -> DinteroSandboxHTTPServer:
    return DinteroSandboxHTTPServer(sandbox, host, port, verbose=verbose)


def running_server(
    sandbox: DinteroSandbox, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
) -> AbstractContextManager[str]:
    """Serve ``sandbox`` on a background thread; yields the base URL (``http://host:port``)."""
    return server.running_server(
        sandbox, host, port, verbose=verbose, server_class=DinteroSandboxHTTPServer
    )


def serve_forever(
    sandbox: DinteroSandbox,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    ready: Callable[[str], None] | None = None,
    verbose: bool = True,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C raises KeyboardInterrupt here)."""
    server.serve_forever(
        sandbox,
        host,
        port,
        ready=ready,
        verbose=verbose,
        server_class=DinteroSandboxHTTPServer,
    )


__all__ = ["DinteroSandboxHTTPServer", "make_server", "running_server", "serve_forever"]
