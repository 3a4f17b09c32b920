"""A guest's link to the receipt of their order, offered on the thank-you page.

With ``DINTERO['TOKEN_EXPIRE_DAYS']``, Dintero gives each receipt a token to read it by
(:mod:`.tokens`). The shop's link names the order, not the token: the order number signed
(:mod:`django.core.signing`, valid as long as the token), so that nobody can guess another
order's link and the token never travels in a URL or lands in a log. The page behind it reads
the order's receipt entry:

* not sent yet (queued, being sent, or to be tried again; or not queued, the order not paid
  yet): :attr:`LinkState.PREPARING`;
* sent: the receipt, read from Dintero by its token (:attr:`LinkState.READY`). The token is
  the one the delivery kept from Dintero's answer; if the answer had none (Dintero answers the
  receipts' ids only, or answered that it had the receipt already), the receipt's token is read
  from Dintero's search by receipt number in the shop's store;
* nothing to show (never sent, given up, no token, or Dintero refuses the token, e.g. expired):
  :attr:`LinkState.UNAVAILABLE`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from django.core import signing
from django.core.cache import cache

from ..outbox.models import OutboxEntry
from .api import DinteroAuthError, DinteroNotFound, DinteroRefused
from .conf import dintero_settings, enabled
from .display import ReceiptDetail, detail_of
from .my_receipts import cache_key, cache_seconds, page_client
from .queueing import receipt_entry, store_id
from .tokens import ANSWER_KEY, token_of

logger = logging.getLogger("django_diller.dintero")

SALT = "django_diller.dintero.receipt-link"
DAY = 24 * 60 * 60
State = OutboxEntry.State
NOT_SENT = (State.PENDING, State.IN_FLIGHT, State.FAILED)


class LinkState(StrEnum):
    PREPARING = "preparing"
    READY = "ready"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class LinkedReceipt:
    state: LinkState
    receipt: ReceiptDetail | None = None


def links_on() -> bool:
    """Are receipt links offered: Dintero on, and receipts made with a token?"""
    return enabled() and bool(dintero_settings.TOKEN_EXPIRE_DAYS)


def link_value(order_number: str) -> str:
    """The signed order number a link carries."""
    return signing.dumps(str(order_number), salt=SALT)


def order_number_in(value: str) -> str | None:
    """The order number a link names; None when it is forged, or older than the token."""
    max_age = int(dintero_settings.TOKEN_EXPIRE_DAYS or 0) * DAY
    try:
        number = signing.loads(value, salt=SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired included
        return None
    return number if isinstance(number, str) and number else None


def _searched_token(entry: OutboxEntry) -> str | None:
    """The token of the entry's receipt, from Dintero's search by receipt number."""
    store = entry.store_id or store_id()
    found = page_client().search_receipts(entry.external_id)
    for receipt in found.receipts or []:
        if receipt.receipt_id == entry.external_id and receipt.store.id == store:
            token = token_of(receipt)
            if token:
                return token
    return None


def _token(entry: OutboxEntry) -> str | None:
    kept = (entry.response or {}).get(ANSWER_KEY) if isinstance(entry.response, dict) else None
    if isinstance(kept, str) and kept:
        return kept
    return _searched_token(entry)


def linked_receipt(order_number: str) -> LinkedReceipt:
    """Where the order's receipt stands, with the receipt when it can be shown.

    Raises :class:`~.api.DinteroUnavailable` (and :class:`~.connection.NotConfigured`) for the
    page to say that Dintero cannot be reached."""
    entry = receipt_entry(order_number)
    if entry is None or entry.state in NOT_SENT:
        return LinkedReceipt(LinkState.PREPARING)
    if entry.state != State.SENT:
        return LinkedReceipt(LinkState.UNAVAILABLE)
    key = cache_key("link", entry.external_id)
    found = cache.get(key)
    if found is not None:
        return LinkedReceipt(LinkState.READY, found)
    token = _token(entry)
    if token is None:
        return LinkedReceipt(LinkState.UNAVAILABLE)
    try:
        receipt = page_client().get_receipt_by_token(token)
    except (DinteroAuthError, DinteroNotFound, DinteroRefused) as refusal:
        # The token expired, was spent, or is not Dintero's: say which call, never the token.
        logger.warning("Dintero refused a receipt token: %s", refusal)
        return LinkedReceipt(LinkState.UNAVAILABLE)
    detail = detail_of(receipt)
    if cache_seconds():
        cache.set(key, detail, cache_seconds())
    return LinkedReceipt(LinkState.READY, detail)
