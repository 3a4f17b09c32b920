"""Demo data: one test account with one API client, and a few receipts from the example shop.

Purchase times are relative to the sandbox clock at seed time; receipt ids are fixed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django_diller.sandbox import codec

from .state import Account, ApiClient, SandboxState, StoredReceipt

SANDBOX_ACCOUNT_ID = "T12345678"
SANDBOX_CLIENT_ID = "demo-dintero"
SANDBOX_CLIENT_SECRET = "demo-dintero-secret"  # noqa: S105  (a public demo credential)
SANDBOX_PUBLIC_URL = "https://sandbox.dintero.invalid"
SANDBOX_CREATED_BY = "dintero-sandbox-seed"

SEED_STORE_ID = "webshop"
SEED_CUSTOMER_ID = "demo-customer"
# The demo customer's receipts (POS ids), newest first, and one anonymous receipt.
SEED_CUSTOMER_RECEIPT_IDS = ("demo-1003", "demo-1002", "demo-1001")
SEED_ANONYMOUS_RECEIPT_ID = "demo-2001"

_NAMESPACE = uuid.UUID("6f1c3f6e-5b0a-4f8e-9d3c-2a7d1e0b9c55")


def seed_receipt_uuid(receipt_id: str, aid: str = SANDBOX_ACCOUNT_ID) -> str:
    """The fixed ``id`` of a seeded receipt."""
    return str(uuid.uuid5(_NAMESPACE, f"{aid}/{receipt_id}"))


def _receipt(
    receipt_id: str, purchase_at: datetime, amount: int, customer: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "receipt_id": receipt_id,
        "store": {"id": SEED_STORE_ID, "name": "Kaffebrenneriet Demo"},
        "purchase_at": codec.iso(purchase_at),
        "currency": "NOK",
        "gross_amount": amount,
        "net_amount": amount,
        "items": [
            {
                "id": "7040110000012",
                "line_id": 1,
                "description": "Kaffe, hele bønner 250 g",
                "quantity": 1,
                "gross_amount": amount,
                "net_amount": amount,
            }
        ],
    }
    if customer is not None:
        data["customer_id"] = customer
    return data


def empty_state(aid: str = SANDBOX_ACCOUNT_ID) -> SandboxState:
    """The demo account and its API client, without receipts."""
    state = SandboxState()
    client = ApiClient(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    state.accounts[aid] = Account(aid, clients={client.client_id: client})
    return state


def seed_state(now: datetime) -> SandboxState:
    state = empty_state()
    account = state.accounts[SANDBOX_ACCOUNT_ID]
    receipts = [
        (SEED_CUSTOMER_RECEIPT_IDS[2], now - timedelta(days=30), 12900, SEED_CUSTOMER_ID),
        (SEED_CUSTOMER_RECEIPT_IDS[1], now - timedelta(days=10), 34900, SEED_CUSTOMER_ID),
        (SEED_CUSTOMER_RECEIPT_IDS[0], now - timedelta(days=2), 8900, SEED_CUSTOMER_ID),
        (SEED_ANONYMOUS_RECEIPT_ID, now - timedelta(days=1), 4900, None),
    ]
    for receipt_id, moment, amount, customer in receipts:
        purchased = moment.replace(microsecond=0)
        stored = StoredReceipt(
            id=seed_receipt_uuid(receipt_id),
            seq=state.take_seq(),
            data=_receipt(receipt_id, purchased, amount, customer),
            created_at=purchased,
            created_by=SANDBOX_CREATED_BY,
            updated_at=purchased,
            purchased=purchased,
        )
        account.receipts[stored.id] = stored
    return state
