"""A faithful, stateful, in-memory emulator of Dintero's Receipts API (and its token endpoint).

Use it in-process
(``httpx2.Client(transport=DinteroSandboxTransport(DinteroSandbox()), base_url=...)``), over
real HTTP (``with running_server(DinteroSandbox()) as url: ...``) or from the command line
(``python -m django_diller.dintero.sandbox --port 8766``). Requests and responses are validated
against the contract (``django_diller/dintero/openapi/dintero-receipts.yaml``). No Django needed.
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

from .app import DinteroSandbox
from .auth import DEFAULT_TOKEN_LIFETIME, audience_for
from .errors import DinteroError, SandboxContractError
from .faults import ERROR_STATUSES, DinteroFaults
from .handlers.tokens import TOKEN_EXPIRES_AT, TOKEN_URL, TOKEN_VALUE
from .seed import (
    SANDBOX_ACCOUNT_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    SEED_ANONYMOUS_RECEIPT_ID,
    SEED_CUSTOMER_ID,
    SEED_CUSTOMER_RECEIPT_IDS,
    SEED_STORE_ID,
    seed_receipt_uuid,
)
from .server import make_server, running_server, serve_forever
from .state import DUPLICATE_ANSWERS, DuplicateAnswer, ReceiptOptions
from .transport import AsyncDinteroSandboxTransport, DinteroSandboxTransport

__all__ = [
    "DEFAULT_TOKEN_LIFETIME",
    "DUPLICATE_ANSWERS",
    "ERROR_STATUSES",
    "SANDBOX_ACCOUNT_ID",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_PUBLIC_URL",
    "SEED_ANONYMOUS_RECEIPT_ID",
    "SEED_CUSTOMER_ID",
    "SEED_CUSTOMER_RECEIPT_IDS",
    "SEED_STORE_ID",
    "TOKEN_EXPIRES_AT",
    "TOKEN_URL",
    "TOKEN_VALUE",
    "AsyncDinteroSandboxTransport",
    "DinteroError",
    "DinteroFaults",
    "DinteroSandbox",
    "DinteroSandboxTransport",
    "DuplicateAnswer",
    "ReceiptOptions",
    "RecordedRequest",
    "SandboxConnectionDropped",
    "SandboxContractError",
    "SandboxHung",
    "SandboxResponse",
    "SandboxTimedOut",
    "SandboxTransportFault",
    "audience_for",
    "make_server",
    "running_server",
    "seed_receipt_uuid",
    "serve_forever",
]
