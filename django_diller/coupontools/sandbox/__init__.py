"""A stateful, in-memory emulator of Coupontools' v3 API for coupon sessions: the look-up
(``POST /v3/couponsession/data``) and the update (``POST /v3/couponsession/update``: lock,
unlock, validate with the money spent, void).

Use it in-process
(``httpx2.Client(transport=CoupontoolsSandboxTransport(CoupontoolsSandbox()), base_url=...)``),
over real HTTP (``with running_server(CoupontoolsSandbox()) as url: ...``) or from the command
line (``python -m django_diller.coupontools.sandbox --port 8767``), where
``GET /_sandbox/vouchers`` lists the demo vouchers and their state. Requests and responses are
validated against the contract (``django_diller/coupontools/openapi/coupontools-v3.yaml``).
No Django needed.
"""

from __future__ import annotations

from django_diller.sandbox.emulator import (
    RecordedRequest,
    SandboxConnectionDropped,
    SandboxHung,
    SandboxResponse,
    SandboxTimedOut,
    SandboxTransportFault,
)

from .app import CoupontoolsSandbox
from .auth import CLIENT_ID_HEADER, CLIENT_SECRET_HEADER
from .clock import SandboxClock
from .errors import (
    AUTHENTICATION_FAILED,
    INVALID_CHARACTER,
    INVALID_PARAMETER,
    MISSING_PARAMETER,
    REFUSAL_CODES,
    SESSION_NOT_FOUND,
    CoupontoolsError,
    SandboxContractError,
)
from .faults import ERROR_STATUSES, CoupontoolsFaults
from .handlers import DATA, UPDATE
from .options import ACTIONS, SessionOptions, WireNames
from .seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_COMPANY,
    SANDBOX_PUBLIC_URL,
    SANDBOX_TILL_CLIENT_ID,
    SANDBOX_TILL_CLIENT_SECRET,
    SEED_CUSTOM_VALUE_FIELD,
    SEED_VALIDATED_MONEY_SPENT,
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_AMOUNT_100,
    SEED_VOUCHER_CUSTOM,
    SEED_VOUCHER_EXPIRED,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_MIXED_CASE,
    SEED_VOUCHER_PERCENT,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHER_VOIDED,
    SEED_VOUCHERS,
    SeedVoucher,
)
from .server import DEFAULT_PORT, make_server, running_server, serve_forever
from .state import ApiClient, Campaign, CouponSession, SessionState
from .transport import AsyncCoupontoolsSandboxTransport, CoupontoolsSandboxTransport

__all__ = [
    "ACTIONS",
    "AUTHENTICATION_FAILED",
    "CLIENT_ID_HEADER",
    "CLIENT_SECRET_HEADER",
    "DATA",
    "DEFAULT_PORT",
    "ERROR_STATUSES",
    "INVALID_CHARACTER",
    "INVALID_PARAMETER",
    "MISSING_PARAMETER",
    "REFUSAL_CODES",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_COMPANY",
    "SANDBOX_PUBLIC_URL",
    "SANDBOX_TILL_CLIENT_ID",
    "SANDBOX_TILL_CLIENT_SECRET",
    "SEED_CUSTOM_VALUE_FIELD",
    "SEED_VALIDATED_MONEY_SPENT",
    "SEED_VOUCHERS",
    "SEED_VOUCHER_AMOUNT",
    "SEED_VOUCHER_AMOUNT_100",
    "SEED_VOUCHER_CUSTOM",
    "SEED_VOUCHER_EXPIRED",
    "SEED_VOUCHER_LOCKED",
    "SEED_VOUCHER_MIXED_CASE",
    "SEED_VOUCHER_PERCENT",
    "SEED_VOUCHER_VALIDATED",
    "SEED_VOUCHER_VOIDED",
    "SESSION_NOT_FOUND",
    "UPDATE",
    "ApiClient",
    "AsyncCoupontoolsSandboxTransport",
    "Campaign",
    "CouponSession",
    "CoupontoolsError",
    "CoupontoolsFaults",
    "CoupontoolsSandbox",
    "CoupontoolsSandboxTransport",
    "RecordedRequest",
    "SandboxClock",
    "SandboxConnectionDropped",
    "SandboxContractError",
    "SandboxHung",
    "SandboxResponse",
    "SandboxTimedOut",
    "SandboxTransportFault",
    "SeedVoucher",
    "SessionOptions",
    "SessionState",
    "WireNames",
    "make_server",
    "running_server",
    "serve_forever",
]
