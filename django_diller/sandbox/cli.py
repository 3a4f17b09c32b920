"""The command line a provider's sandbox shares (``python -m django_diller.<provider>.sandbox``):
where it listens, the faults it injects, validation and seed, and serving until Ctrl-C.

A provider's ``__main__`` adds its own options between :func:`add_fault_options` and
:func:`add_run_options`, builds its sandbox, hands the faults to :func:`apply_faults` and runs it
with :func:`serve_until_interrupted`. Diller's management command words its options its own way,
but reads them into faults with :func:`fault_settings` too.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

from .emulator import BaseSandbox, ErrorStatusSandbox
from .faults import ERROR_STATUSES
from .server import SandboxHTTPServer

RATE_OPTIONS = ("error_rate", "rate_limit_rate", "timeout_rate", "drop_rate", "hang_rate")


def add_fault_options(parser: argparse.ArgumentParser, *, port: int) -> None:
    """``--host`` and ``--port``, then the faults: latency, the rates, ``--error-status``,
    ``--fail-next``, Retry-After, the timeout's length and ``--fault-seed``."""
    p = parser
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=port)
    p.add_argument("--latency-ms", type=int, default=0, help="Delay before every answer.")
    p.add_argument("--error-rate", type=float, default=0.0, help="Share of calls failed (0..1).")
    p.add_argument(
        "--error-status",
        type=int,
        choices=ERROR_STATUSES,
        default=503,
        help="The status a failed call gets.",
    )
    p.add_argument(
        "--fail-next",
        type=int,
        default=0,
        help="Fail the first N calls with --error-status, then work.",
    )
    p.add_argument("--rate-limit-rate", type=float, default=0.0, help="Share answered 429.")
    p.add_argument("--retry-after", type=int, default=1, help="Seconds sent in Retry-After.")
    p.add_argument(
        "--timeout-rate",
        type=float,
        default=0.0,
        help="Share processed but answered only after --timeout-seconds (0..1).",
    )
    p.add_argument("--timeout-seconds", type=float, default=30.0)
    p.add_argument(
        "--drop-rate",
        type=float,
        default=0.0,
        help="Share processed, then the connection closed unanswered (0..1).",
    )
    p.add_argument(
        "--hang-rate", type=float, default=0.0, help="Share neither processed nor answered."
    )
    p.add_argument("--fault-seed", type=int, default=None, help="Repeatable faults.")


def add_run_options(parser: argparse.ArgumentParser, *, seed_help: str) -> None:
    """``--no-validate``, ``--no-seed`` (``seed_help`` says what the seed is) and ``--quiet``."""
    parser.add_argument(
        "--no-validate", action="store_true", help="Do not check against the contract."
    )
    parser.add_argument("--no-seed", action="store_true", help=seed_help)
    parser.add_argument("--quiet", action="store_true", help="Do not log each request.")


def fault_settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """The :meth:`~django_diller.sandbox.faults.Faults.update` keywords of parsed options (an
    ``argparse`` namespace's ``vars()`` or a management command's options); ``error_status``
    only where the options have it."""
    settings: dict[str, Any] = {
        "latency": options["latency_ms"] / 1000,
        "retry_after": options["retry_after"],
        "timeout_seconds": options["timeout_seconds"],
        "seed": options["fault_seed"],
        **{name: options[name] for name in RATE_OPTIONS},
    }
    if "error_status" in options:
        settings["error_status"] = options["error_status"]
    return settings


def apply_faults(sandbox: ErrorStatusSandbox, args: argparse.Namespace) -> None:
    """Set the faults :func:`add_fault_options` asked for, ``--fail-next`` included."""
    sandbox.faults.update(**fault_settings(vars(args)))
    if args.fail_next:
        sandbox.fail_next(args.fail_next, args.error_status)


def serve_until_interrupted(
    sandbox: BaseSandbox,
    args: argparse.Namespace,
    server_class: type[SandboxHTTPServer],
    banner: Callable[[str], str],
) -> int:
    """Serve ``sandbox`` where ``args`` say, print ``banner(url)`` once it listens, and stop
    quietly on Ctrl-C; the exit status."""

    def ready(url: str) -> None:
        sys.stdout.write(banner(url) + "\n")
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):
        server_class.serve(sandbox, args.host, args.port, ready=ready, verbose=not args.quiet)
    return 0


__all__ = [
    "RATE_OPTIONS",
    "add_fault_options",
    "add_run_options",
    "apply_faults",
    "fault_settings",
    "serve_until_interrupted",
]
