"""Non-eligible products: products that earn no points (gift cards...).

A rule matches a transaction line by product id (the line's ``product.external_id``, ``sku`` or
``gtin.code``), by id prefix, or by category id (``product.category.external_id``). Batches hold
at most 100 items. What the contract leaves open follows
:class:`~django_diller.sandbox.state.NonEligibleOptions`: adding a rule that already exists is a
409 (or a 400) naming the item; the add answers with the created items (or an empty list); an
unknown id in an update is refused (or a 404) and in a delete a 404 (or refused).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import render
from ..codec import parse_datetime
from ..problems import ApiProblem, bad_request, field_error, not_found
from ..state import NonEligibleProduct, Store
from .base import Context, Handler

MAX_BATCH = 100
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
RULE_FIELDS = ("product_id", "product_id_prefix", "product_category_id")


def _expired(rule: NonEligibleProduct, now: datetime) -> bool:
    if not rule.expires_at:
        return False
    try:
        return parse_datetime(rule.expires_at) < now
    except ValueError:
        return False


def is_non_eligible(store: Store, product: dict[str, Any], now: datetime) -> bool:
    ids = {
        str(v)
        for v in (
            product.get("external_id"),
            product.get("sku"),
            (product.get("gtin") or {}).get("code"),
        )
        if v
    }
    category = (product.get("category") or {}).get("external_id")
    for rule in store.non_eligible.values():
        if _expired(rule, now):
            continue
        if rule.product_id and rule.product_id in ids:
            return True
        if rule.product_id_prefix and any(i.startswith(rule.product_id_prefix) for i in ids):
            return True
        if rule.product_category_id is not None and category == str(rule.product_category_id):
            return True
    return False


def _check_batch(items: list[Any]) -> None:
    if len(items) > MAX_BATCH:
        raise field_error("body", f"At most {MAX_BATCH} items per batch; got {len(items)}.")
    errors = {
        f"[{index}]": ["One of product_id, product_id_prefix or product_category_id is required."]
        for index, item in enumerate(items)
        if not any(item.get(name) not in (None, "") for name in RULE_FIELDS)
    }
    if errors:
        raise bad_request("Some items name no product, prefix or category.", errors)


def _key(item: dict[str, Any] | NonEligibleProduct) -> tuple[Any, ...]:
    get = item.get if isinstance(item, dict) else lambda name: getattr(item, name)
    return tuple(get(name) or None for name in RULE_FIELDS)


def add_batch(ctx: Context) -> list[dict[str, Any]]:
    items = ctx.json_list()
    _check_batch(items)
    existing = {_key(rule) for rule in ctx.store.non_eligible.values()}
    seen: set[tuple[Any, ...]] = set()
    for index, item in enumerate(items):
        key = _key(item)
        if key in existing or key in seen:
            message = "This product rule already exists."
            status = ctx.settings.non_eligible.duplicate_status
            raise ApiProblem(status, message, errors={f"[{index}]": [message]})
        seen.add(key)
    created = []
    for item in items:
        rule = NonEligibleProduct(
            id=ctx.store.next_non_eligible_id,
            product_id=item.get("product_id") or None,
            product_id_prefix=item.get("product_id_prefix") or None,
            product_category_id=item.get("product_category_id"),
            description=item.get("description"),
            subsystem=item.get("subsystem"),
            expires_at=item.get("expires_at"),
        )
        ctx.store.non_eligible[rule.id] = rule
        ctx.store.next_non_eligible_id += 1
        created.append(render.non_eligible(rule))
    return created if ctx.settings.non_eligible.add_answer == "created" else []


def get_page(ctx: Context) -> dict[str, Any]:
    offset = ctx.query.get("offset", 0)
    limit = ctx.query.get("limit", DEFAULT_LIMIT)
    if offset < 0:
        raise field_error("offset", "Must be 0 or more.")
    if not 1 <= limit <= MAX_LIMIT:
        raise field_error("limit", f"Must be between 1 and {MAX_LIMIT}.")
    rules = sorted(ctx.store.non_eligible.values(), key=lambda rule: rule.id)
    return {
        "data": [render.non_eligible(rule) for rule in rules[offset : offset + limit]],
        "total_records": len(rules),
        "offset": offset,
        "limit": limit,
    }


def update_batch(ctx: Context) -> dict[str, Any]:
    items = ctx.json_list()
    if len(items) > MAX_BATCH:
        raise field_error("body", f"At most {MAX_BATCH} items per batch; got {len(items)}.")
    missing = {
        f"[{i}].id": ["This field is required."] for i, it in enumerate(items) if "id" not in it
    }
    if missing:
        raise bad_request("Every item needs its id.", missing)
    unknown = [item["id"] for item in items if item["id"] not in ctx.store.non_eligible]
    if unknown:
        if ctx.settings.non_eligible.update_unknown == "not_found":
            raise not_found(f"Non-eligible product(s) not found: {unknown}.")
        return render.action(False, f"Non-eligible product(s) not found: {unknown}.")
    for item in items:
        rule = ctx.store.non_eligible[item["id"]]
        for name in (*RULE_FIELDS, "description", "subsystem", "expires_at"):
            if name in item:
                setattr(rule, name, item[name])
    return render.action(True, f"{len(items)} non-eligible product(s) updated.")


def delete(ctx: Context) -> dict[str, Any]:
    rule_id = ctx.path["nonEligibleProductId"]
    if ctx.store.non_eligible.pop(rule_id, None) is None:
        if ctx.settings.non_eligible.delete_unknown == "refused":
            return render.action(False, f"Non-eligible product {rule_id} not found.")
        raise not_found(f"Non-eligible product {rule_id} not found.")
    return render.action(True, f"Non-eligible product {rule_id} deleted.")


HANDLERS: dict[str, Handler] = {
    "addBatchNonEligibleProducts": add_batch,
    "getNonEligibleProducts": get_page,
    "updateBatchNonEligibleProducts": update_batch,
    "deleteNonEligibleProduct": delete,
}
