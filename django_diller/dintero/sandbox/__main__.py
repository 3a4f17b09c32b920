"""``python -m django_diller.dintero.sandbox``: run the Dintero Receipts API sandbox over HTTP
until Ctrl-C, optionally slow or unreliable."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from django_diller.sandbox.cli import (
    add_fault_options,
    add_run_options,
    apply_faults,
    serve_until_interrupted,
)

from .app import DinteroSandbox
from .seed import SANDBOX_ACCOUNT_ID, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from .server import DEFAULT_PORT, DinteroSandboxHTTPServer
from .state import DUPLICATE_ANSWERS, ReceiptOptions


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m django_diller.dintero.sandbox",
        description="Run the Dintero Receipts API sandbox (stateful, in memory) on a local port.",
    )
    add_fault_options(p, port=DEFAULT_PORT)
    p.add_argument("--duplicate-answer", choices=DUPLICATE_ANSWERS, default="counted")
    add_run_options(p, seed_help="Start without the demo receipts.")
    return p


def build(args: argparse.Namespace) -> DinteroSandbox:
    sandbox = DinteroSandbox(
        seed=not args.no_seed,
        validate_requests=not args.no_validate,
        validate_responses=not args.no_validate,
        options=ReceiptOptions(duplicate_answer=args.duplicate_answer),
    )
    apply_faults(sandbox, args)
    return sandbox


def banner(url: str) -> str:
    return (
        f"Dintero sandbox on {url}/v1/accounts/{SANDBOX_ACCOUNT_ID}/ "
        f"(client {SANDBOX_CLIENT_ID} / {SANDBOX_CLIENT_SECRET}); Ctrl-C stops it."
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return serve_until_interrupted(build(args), args, DinteroSandboxHTTPServer, banner)


if __name__ == "__main__":
    sys.exit(main())
