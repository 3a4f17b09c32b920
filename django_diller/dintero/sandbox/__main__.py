"""``python -m django_diller.dintero.sandbox``: run the Dintero Receipts API sandbox over HTTP
until Ctrl-C, optionally slow or unreliable."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from .app import DinteroSandbox
from .faults import ERROR_STATUSES
from .seed import SANDBOX_ACCOUNT_ID, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from .server import serve_forever
from .state import DUPLICATE_ANSWERS, ReceiptOptions

RATE_OPTIONS = ("error_rate", "rate_limit_rate", "timeout_rate", "drop_rate", "hang_rate")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m django_diller.dintero.sandbox",
        description="Run the Dintero Receipts API sandbox (stateful, in memory) on a local port.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8766)
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
    p.add_argument("--no-validate", action="store_true", help="Do not check against the contract.")
    p.add_argument("--no-seed", action="store_true", help="Start without the demo receipts.")
    p.add_argument("--duplicate-answer", choices=DUPLICATE_ANSWERS, default="counted")
    p.add_argument("--quiet", action="store_true", help="Do not log each request.")
    return p


def build(args: argparse.Namespace) -> DinteroSandbox:
    sandbox = DinteroSandbox(
        seed=not args.no_seed,
        validate_requests=not args.no_validate,
        validate_responses=not args.no_validate,
        options=ReceiptOptions(duplicate_answer=args.duplicate_answer),
    )
    sandbox.faults.update(
        latency=args.latency_ms / 1000,
        retry_after=args.retry_after,
        timeout_seconds=args.timeout_seconds,
        seed=args.fault_seed,
        error_status=args.error_status,
        **{name: getattr(args, name) for name in RATE_OPTIONS},
    )
    if args.fail_next:
        sandbox.fail_next(args.fail_next, args.error_status)
    return sandbox


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sandbox = build(args)

    def ready(url: str) -> None:
        sys.stdout.write(
            f"Dintero sandbox on {url}/v1/accounts/{SANDBOX_ACCOUNT_ID}/ "
            f"(client {SANDBOX_CLIENT_ID} / {SANDBOX_CLIENT_SECRET}); Ctrl-C stops it.\n"
        )
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(sandbox, args.host, args.port, ready=ready, verbose=not args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
