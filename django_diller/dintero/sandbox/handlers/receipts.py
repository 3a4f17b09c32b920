"""Receipts of an account: create a batch, search by POS receipt id, attach a customer to an
anonymous receipt, and segment customers by what they bought."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from ..errors import DinteroError, bad_request
from ..state import ENTITY_FIELDS, StoredReceipt
from .base import Context, customer_id, moment
from .tokens import attach_token

CREATE = "aid_receipts_post"
UPDATE = "aid_receipts_update_put"
SEARCH = "aid_receipts_rid_get"
SEGMENT = "aid_receipts_customer_segment_post"


def _prepare(ctx: Context, index: int, raw: Any) -> StoredReceipt:
    """A posted receipt checked for what the sandbox relies on, not yet stored."""
    where = f"[{index}]"
    if not isinstance(raw, dict):
        raise bad_request("A receipt is a JSON object.", where)
    receipt_id = raw.get("receipt_id")
    if not isinstance(receipt_id, str) or not receipt_id:
        raise bad_request("A non-empty receipt_id is required.", f"{where}.receipt_id")
    store = raw.get("store")
    if not isinstance(store, dict) or not isinstance(store.get("id"), str):
        raise bad_request("A store with an id is required.", f"{where}.store.id")
    purchased = moment(raw.get("purchase_at"), f"{where}.purchase_at")
    if "customer_id" in raw:
        customer_id(raw["customer_id"], f"{where}.customer_id")
    data = {key: copy.deepcopy(value) for key, value in raw.items() if key not in ENTITY_FIELDS}
    return StoredReceipt(
        id=str(uuid.uuid4()),
        seq=0,  # numbered when stored
        data=data,
        created_at=ctx.now,
        created_by=ctx.client_id,
        updated_at=ctx.now,
        purchased=purchased,
    )


def create(ctx: Context) -> Any:
    posted = ctx.json_list()
    days = ctx.query.get("token_expire_days")
    if days is not None and (not isinstance(days, int) or days < 1):
        raise bad_request(
            "token_expire_days must be a whole number of at least 1.", "token_expire_days"
        )
    account = ctx.account
    answer: list[StoredReceipt] = []
    new: list[StoredReceipt] = []
    duplicates: list[tuple[int, StoredReceipt]] = []
    batch: dict[tuple[str, str], StoredReceipt] = {}
    for index, raw in enumerate(posted):
        receipt = _prepare(ctx, index, raw)
        existing = account.by_key(*receipt.key) or batch.get(receipt.key)
        if existing is not None:
            duplicates.append((index, existing))
            if ctx.options.duplicate_answer == "listed":
                answer.append(existing)
            continue
        batch[receipt.key] = receipt
        new.append(receipt)
        answer.append(receipt)
    if duplicates and ctx.options.duplicate_answer in ("refused", "409"):
        raise DinteroError(
            409 if ctx.options.duplicate_answer == "409" else 400,
            "The account already has receipts with these receipt ids in these stores.",
            code="duplicate_receipt",
            errors=[
                {"field": f"[{index}].receipt_id", "message": "This receipt already exists."}
                for index, _ in duplicates
            ],
        )
    for receipt in new:
        receipt.seq = ctx.state.take_seq()
        if days is not None:
            attach_token(ctx, receipt, days)
        account.receipts[receipt.id] = receipt
    shape = (
        StoredReceipt.payload if ctx.options.create_answer == "receipts" else StoredReceipt.entity
    )
    return {"receipts": [shape(r) for r in answer], "duplicates": len(duplicates)}


def search(ctx: Context) -> Any:
    receipt_id = ctx.query.get("receipt_id")
    if not isinstance(receipt_id, str) or not receipt_id:
        raise bad_request("receipt_id is required.", "receipt_id")
    return {"receipts": [r.payload() for r in ctx.account.by_receipt_id(receipt_id)]}


def update(ctx: Context) -> Any:
    """Attach a customer (and discounts) to an anonymous receipt."""
    body = ctx.json_object()
    new_customer = customer_id(body.get("customer_id"))
    discounts = body.get("discounts")
    if discounts is not None and not isinstance(discounts, list):
        raise bad_request("discounts is a list.", "discounts")
    receipt = ctx.one_receipt(str(ctx.path["receipt_id"]))
    owned = ctx.options.owned_status
    current = receipt.customer_id
    repeat = current == new_customer and ctx.options.attach_again == "accepted"
    if current is not None and not repeat:
        raise DinteroError(
            owned, "The receipt already has a customer.", code="receipt_has_customer"
        )
    if discounts is not None and receipt.data.get("discounts"):
        raise DinteroError(
            owned, "The receipt already has discounts.", code="receipt_has_discounts"
        )
    receipt.data["customer_id"] = new_customer
    if discounts is not None:
        receipt.data["discounts"] = copy.deepcopy(discounts)
    receipt.updated_at = ctx.now
    return receipt.payload()


def _matches_item(receipt: StoredReceipt, wanted: list[Any]) -> bool:
    for item in receipt.data.get("items") or []:
        if not isinstance(item, dict):
            continue
        groups = {g.get("id") for g in item.get("groups") or [] if isinstance(g, dict)}
        for want in wanted:
            if not isinstance(want, dict):
                continue
            if ("id" in want and want["id"] == item.get("id")) or (
                "group" in want and want["group"] in groups
            ):
                return True
    return False


def segment(ctx: Context) -> Any:
    """Customers whose receipts match the filter, with how many purchases each made."""
    body = ctx.json_object()
    start: datetime | None = None
    end: datetime | None = None
    if body.get("purchase_from") is not None:
        start = moment(body["purchase_from"], "purchase_from")
    if body.get("purchase_to") is not None:
        end = moment(body["purchase_to"], "purchase_to")
    stores = body.get("store_ids")
    wanted = body.get("items")
    counts: dict[str, int] = {}
    for receipt in ctx.account.receipts.values():
        customer = receipt.customer_id
        if customer is None:
            continue
        if (start and receipt.purchased < start) or (end and receipt.purchased > end):
            continue
        if stores and receipt.store_id not in stores:
            continue
        if wanted and not _matches_item(receipt, wanted):
            continue
        counts[customer] = counts.get(customer, 0) + 1
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return {"customers": [{"customer_id": c, "purchases": n} for c, n in ranked]}


HANDLERS = {CREATE: create, SEARCH: search, UPDATE: update, SEGMENT: segment}
