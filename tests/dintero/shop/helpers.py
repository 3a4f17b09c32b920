"""What the embedded Dintero sandbox received from the shop."""

from __future__ import annotations

from django_diller.dintero.connection import embedded_sandbox
from django_diller.dintero.sandbox import SANDBOX_ACCOUNT_ID, SANDBOX_CLIENT_ID


def receipts_at_dintero() -> dict:
    """The receipts the shop sent to the sandbox (not the seed's), by receipt id."""
    account = embedded_sandbox().state.accounts[SANDBOX_ACCOUNT_ID]
    return {
        stored.receipt_id: stored.payload()
        for stored in account.receipts.values()
        if stored.created_by == SANDBOX_CLIENT_ID
    }


def created_receipts() -> int:
    """How many create requests Dintero answered (faults aside)."""
    requests = embedded_sandbox().requests_for("aid_receipts_post")
    return sum(1 for request in requests if request.status == 200)
