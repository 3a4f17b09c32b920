"""A customer's receipts: the list (newest first, a page at a time), one receipt, and moving
a receipt to another customer."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django_diller.sandbox import codec

from ..errors import bad_request, not_found
from .base import Context, customer_id

LIST = "aid_receipts_customers_cid_get"
DETAIL = "aid_receipts_customers_cid_rid_get"
CHANGE_CUSTOMER = "aid_receipts_customers_cid_rid_change_customer_id_post"

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
CHANGE_KEY = "dintero.receipts.change_customer_id.{timestamp}.{hash}"


def list_receipts(ctx: Context) -> Any:
    limit = ctx.query.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit is a whole number from 1 to {MAX_LIMIT}.", "limit")
    receipts = ctx.account.of_customer(str(ctx.path["customer_id"]))
    cursor = ctx.query.get("starting_after")
    if cursor is not None:
        position = next((i for i, r in enumerate(receipts) if r.id == cursor), None)
        if position is None:
            raise not_found("starting_after names no receipt of this customer.")
        receipts = receipts[position + 1 :]
    page = receipts[:limit]
    if ctx.options.customer_list == "full":
        shown = [r.payload() for r in page]
    else:
        shown = [r.minimal() for r in page]
    answer: dict[str, Any] = {"receipts": shown}
    more = len(receipts) > limit
    if page and (more or ctx.options.last_page_cursor == "kept"):
        answer["starting_after"] = page[-1].id
    return answer


def _customer_receipt(ctx: Context) -> Any:
    owner = str(ctx.path["customer_id"])
    return ctx.one_receipt(str(ctx.path["receipt_id"]), ctx.account.of_customer(owner))


def detail(ctx: Context) -> Any:
    return _customer_receipt(ctx).payload()


def change_customer(ctx: Context) -> Any:
    """Move a receipt to another customer, noting the move in its ``extra_info``."""
    body = ctx.json_object()
    if "customer_id" not in body:
        raise bad_request("The new customer_id is required.", "customer_id")
    new = customer_id(body["customer_id"])
    receipt = _customer_receipt(ctx)
    old = receipt.customer_id
    stamp = int(ctx.now.timestamp() * 1000)
    note = {"created_at": codec.iso(ctx.now), "created_by": ctx.client_id, "old": old, "new": new}
    text = json.dumps(note, separators=(",", ":"))
    digest = hashlib.sha256(f"{receipt.id}{stamp}{text}".encode()).hexdigest()[:8]
    receipt.add_extra_info(CHANGE_KEY.format(timestamp=stamp, hash=digest), text)
    receipt.data["customer_id"] = new
    receipt.updated_at = ctx.now
    return receipt.payload()


HANDLERS = {LIST: list_receipts, DETAIL: detail, CHANGE_CUSTOMER: change_customer}
