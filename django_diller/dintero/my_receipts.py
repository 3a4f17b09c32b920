"""A member's own receipts at Dintero, for "My receipts": the list, newest first, and one receipt.

Who the customer is
    The id the receipts name their buyer by (:func:`customer_id_for`), as the delivery names
    it: the member id, or the shop account's id with ``DINTERO['CUSTOMER_ID'] = "shop"``. It
    never comes from the browser. Dintero answers a customer's receipt only to that customer
    (``/receipts/customers/{customer_id}/{receipt_id}``): another customer's is not found, and
    a receipt that names someone else is refused here too.

Cache
    Both are kept for ``DINTERO['RECEIPTS_CACHE_SECONDS']`` per customer (and receipt), under
    a key that is a digest, so the cache holds no customer id in clear; 0 turns it off.

Errors
    Dintero's errors (:class:`~.api.DinteroError`) and a connection that is not configured
    (:class:`~.connection.NotConfigured`) reach the caller, who shows a message; a receipt
    Dintero does not find for the customer is None.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache

from .api import DinteroClient, DinteroNotFound
from .api import models as wire
from .conf import dintero_settings
from .connection import connection, get_client
from .display import ReceiptDetail, ReceiptSummary, detail_of, newest_first, summary_of

SHOP = "shop"  # DINTERO["CUSTOMER_ID"]: receipts name the buyer's shop account
PAGE_SIZE = 100  # Dintero's largest page
MAX_PAGES = 5  # the list shows at most this many pages of receipts (500)
CACHE_PREFIX = "diller:dintero:receipts"


def customer_id_for(user: Any, member_id: str) -> str | None:
    """The customer id the shopper's receipts carry: their member id, or their account's id."""
    if dintero_settings.CUSTOMER_ID == SHOP:
        pk = getattr(user, "pk", None)
        return str(pk) if pk is not None else None
    return member_id or None


def page_client() -> DinteroClient:
    """The client for a call a shopper waits for: at most ``READ_TIMEOUT`` seconds in all."""
    return get_client(deadline=float(dintero_settings.READ_TIMEOUT))


def cache_key(*parts: str) -> str:
    """A cache key for the parts (a customer id, a receipt), as a digest: no personal data in
    clear, and one account's receipts never answer for another's."""
    account = connection().key[:3]  # the base URL, the account and the client id
    text = "\x1f".join([*map(str, account), *parts])
    return f"{CACHE_PREFIX}:{hashlib.sha256(text.encode()).hexdigest()}"


def forget(customer_id: str) -> None:
    """Drop the customer's cached list: a receipt was just sent for them."""
    cache.delete(cache_key("list", customer_id))


def cache_seconds() -> int:
    """How long receipts read from Dintero are kept (0: not at all)."""
    return max(int(dintero_settings.RECEIPTS_CACHE_SECONDS or 0), 0)


def _fetch_all(client: DinteroClient, customer_id: str) -> list[wire.ReceiptMinimal]:
    receipts: list[wire.ReceiptMinimal] = []
    cursor: str | None = None
    for _page in range(MAX_PAGES):
        try:
            page = client.get_customer_receipts(customer_id, limit=PAGE_SIZE, starting_after=cursor)
        except DinteroNotFound:  # a customer Dintero has no receipts for
            break
        found = page.receipts or []
        receipts.extend(found)
        # The last page: short, or without a cursor (or the same one again).
        if len(found) < PAGE_SIZE or not page.starting_after or page.starting_after == cursor:
            break
        cursor = page.starting_after
    return receipts


def customer_receipts(customer_id: str) -> list[ReceiptSummary]:
    """The customer's receipts, newest first (from the cache when fetched lately)."""
    key = cache_key("list", customer_id)
    found = cache.get(key)
    if found is not None:
        return list(found)
    receipts = newest_first([summary_of(r) for r in _fetch_all(page_client(), customer_id)])
    if cache_seconds():
        cache.set(key, receipts, cache_seconds())
    return receipts


def customer_receipt(customer_id: str, ref: str) -> ReceiptDetail | None:
    """One of the customer's receipts (``ref``: Dintero's id, or the shop's receipt number);
    None when Dintero has no such receipt for this customer."""
    if not ref.strip("."):  # "." or "..": a path segment that would name another resource
        return None
    key = cache_key("receipt", customer_id, ref)
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    try:
        receipt = page_client().get_customer_receipt(customer_id, ref)
    except DinteroNotFound:
        return None
    if receipt.customer_id is not None and receipt.customer_id != customer_id:
        return None  # Dintero answered another customer's receipt: never show it
    detail = detail_of(receipt)
    if cache_seconds():
        cache.set(key, detail, cache_seconds())
    return detail
