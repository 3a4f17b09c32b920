"""``python -m django_diller.coupontools.sandbox``: run the Coupontools sandbox over HTTP until
Ctrl-C, optionally slow or unreliable, with its demo vouchers listed at ``/_sandbox/vouchers``."""

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

from .app import CoupontoolsSandbox
from .options import SessionOptions
from .seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from .server import DEFAULT_PORT, CoupontoolsSandboxHTTPServer


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m django_diller.coupontools.sandbox",
        description="Run the Coupontools coupon session sandbox (stateful, in memory) on a port.",
    )
    add_fault_options(p, port=DEFAULT_PORT)
    p.add_argument(
        "--error-http-status",
        choices=("200", "mapped"),
        default="200",
        help="The HTTP status of an error answer: always 200, or mapped (400, 401, 404, 409).",
    )
    p.add_argument(
        "--locks",
        choices=("held", "flag"),
        default="held",
        help="A lock belongs to the client that made it (held), or is only a flag.",
    )
    add_run_options(p, seed_help="Start without the demo vouchers.")
    return p


def build(args: argparse.Namespace) -> CoupontoolsSandbox:
    sandbox = CoupontoolsSandbox(
        seed=not args.no_seed,
        validate_requests=not args.no_validate,
        validate_responses=not args.no_validate,
        options=SessionOptions(error_http_status=args.error_http_status, locks=args.locks),
    )
    apply_faults(sandbox, args)
    return sandbox


def banner(url: str) -> str:
    return (
        f"Coupontools sandbox on {url}/v3/ (client {SANDBOX_CLIENT_ID} / "
        f"{SANDBOX_CLIENT_SECRET}); vouchers at {url}/_sandbox/vouchers; Ctrl-C stops it."
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return serve_until_interrupted(build(args), args, CoupontoolsSandboxHTTPServer, banner)


if __name__ == "__main__":
    sys.exit(main())
