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

from django_diller.sandbox.server import SandboxHTTPServer

logger = logging.getLogger("django_diller.dintero.sandbox")

DEFAULT_PORT = 8766


class DinteroSandboxHTTPServer(SandboxHTTPServer):
    thread_name = "dintero-sandbox"
    logger = logger
    default_port = DEFAULT_PORT
    contract_error_line = "Dintero sandbox contract error: %s"


make_server = DinteroSandboxHTTPServer.make
running_server = DinteroSandboxHTTPServer.running
serve_forever = DinteroSandboxHTTPServer.serve


__all__ = ["DinteroSandboxHTTPServer", "make_server", "running_server", "serve_forever"]
