"""Every operation of Dintero's Receipts API: method, path, idempotency, answer type.

Paths are the contract's, relative to its server (``https://api.dintero.com/v1``: the
document's base path ``/v1`` is part of the client's ``base_url``, not of these paths).
``tests/dintero/api/test_operations_contract.py`` checks this table against the contract.

An operation is *idempotent* when sending it twice has the same effect and the same answer as
sending it once, so the client may retry it after a timeout or a 5xx. Reads are. The writes
are not: creating receipts (Dintero counts a resent receipt as a duplicate: the outbox, not the
client, sends it again), attaching a customer (allowed only while the receipt has none, so a
repeat is refused), moving a receipt (it is no longer where the repeat looks for it) and
claiming by token (the token dies with the claim). They are retried only when the request
certainly never reached Dintero (no connection, or a 429 that refused it unprocessed).

An :class:`Operation` is Diller's client's (:mod:`django_diller.api.operations`): method, path,
idempotency and answer type say it for any provider.
"""

from __future__ import annotations

from typing import Any

from django_diller.api.operations import Operation

from . import models as m

ACCOUNT = "/accounts/{aid}"
RECEIPTS = ACCOUNT + "/receipts"
CUSTOMER = RECEIPTS + "/customers/{customer_id}"


def _op(operation_id: str, method: str, path: str, response: Any, *, idempotent: bool) -> Operation:
    return Operation(operation_id, method, path, idempotent, response)


TOKEN = _op(
    "aid_auths_oauth_token_post", "POST", ACCOUNT + "/auth/token", m.TokenResponse, idempotent=True
)

OPERATIONS: dict[str, Operation] = {
    op.operation_id: op
    for op in (
        TOKEN,
        _op("aid_receipts_post", "POST", RECEIPTS, m.CreateReceiptsResponse, idempotent=False),
        _op(
            "aid_receipts_update_put",
            "PUT",
            RECEIPTS + "/all/{receipt_id}",
            m.Receipt,
            idempotent=False,
        ),
        # A query with a body: it changes nothing.
        _op(
            "aid_receipts_customer_segment_post",
            "POST",
            RECEIPTS + "/customer_segment",
            m.SegmentResponse,
            idempotent=True,
        ),
        _op("aid_receipts_customers_cid_get", "GET", CUSTOMER, m.CustomerReceipts, idempotent=True),
        _op(
            "aid_receipts_customers_cid_rid_get",
            "GET",
            CUSTOMER + "/{receipt_id}",
            m.Receipt,
            idempotent=True,
        ),
        _op(
            "aid_receipts_customers_cid_rid_change_customer_id_post",
            "POST",
            CUSTOMER + "/{receipt_id}/change_customer_id",
            m.Receipt,
            idempotent=False,
        ),
        _op(
            "aid_receipts_receipt_token_post",
            "POST",
            RECEIPTS + "/receipt-token",
            m.Receipt,
            idempotent=False,
        ),
        _op(
            "aid_receipts_receipt_token_get",
            "GET",
            RECEIPTS + "/receipt-token",
            m.Receipt,
            idempotent=True,
        ),
        _op(
            "aid_receipts_rid_get",
            "GET",
            RECEIPTS + "/search",
            m.ReceiptCollection,
            idempotent=True,
        ),
    )
}


__all__ = ["OPERATIONS", "TOKEN", "Operation"]
