"""A real HTTP server around a :class:`CoupontoolsSandbox`: Diller's sandbox's threaded server
(:mod:`django_diller.sandbox.server`), which carries out faults on the wire for any sandbox.

Latency and timeouts sleep before answering (a timeout fault waits ``Faults.timeout_seconds``,
longer than any sensible client read timeout, then answers), and a dropped connection closes
the socket without writing a response, so clients see a genuine ``RemoteProtocolError``. A hang
holds the connection, silent, until the client gives up. A :class:`SandboxContractError` cannot
reach the client from here: it is kept in ``server.contract_errors``, logged, and answered as a
500 with Coupontools' error body.
"""

from __future__ import annotations

import logging

from django_diller.sandbox.server import SandboxHTTPServer

logger = logging.getLogger("django_diller.coupontools.sandbox")

DEFAULT_PORT = 8767


class CoupontoolsSandboxHTTPServer(SandboxHTTPServer):
    thread_name = "coupontools-sandbox"
    logger = logger
    default_port = DEFAULT_PORT
    contract_error_line = "Coupontools sandbox contract error: %s"


make_server = CoupontoolsSandboxHTTPServer.make
running_server = CoupontoolsSandboxHTTPServer.running
serve_forever = CoupontoolsSandboxHTTPServer.serve


__all__ = [
    "DEFAULT_PORT",
    "CoupontoolsSandboxHTTPServer",
    "make_server",
    "running_server",
    "serve_forever",
]
