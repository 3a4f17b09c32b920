"""Queueing Dintero's receipts: outbox entries written in the caller's database transaction.

Call these inside the transaction of the cause (the payment, the return), so that the entry
exists exactly when the cause does; the delivery task is queued when that transaction commits.
Each intended receipt is one entry, made unique by its kind and id (the outbox's
``external_id``): queueing it again, from a second trigger or a repeated signal, gives the same
entry.

* a paid order: :func:`queue_receipt`, id the order number (which is also the receipt's id);
* a return: :func:`queue_return`, id ``<number>-RET-<return_key>``, one per return (the key
  names the cause, e.g. ``pe17`` for payment event 17), waiting for the order's entries before
  it, so that it goes after the receipt it returns from;
* a buyer who joined later: :func:`queue_attach`, one per receipt, after that receipt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..outbox import engine as outbox
from ..outbox.models import OutboxEntry
from ..outbox.tasks import queue_outbox_entries
from .conf import dintero_settings
from .kinds import Kind

# The payload key of a return queued with what came back (see :func:`queue_return`).
RETURNED = "returned"
RECEIPTS = (Kind.RECEIPT, Kind.RETURN)


def store_id() -> str:
    return str(dintero_settings.STORE_ID or "")


def return_id(order_number: str, return_key: str) -> str:
    """The receipt id of a return (and its entry's ``external_id``)."""
    if not return_key:
        raise ValueError("A return needs a key of its own (the cause it comes from).")
    return f"{order_number}-RET-{return_key}"


def receipt_entry(order_number: str) -> OutboxEntry | None:
    """The entry of the order's receipt, if it was queued."""
    return OutboxEntry.objects.filter(kind=Kind.RECEIPT, external_id=str(order_number)).first()


def queue_receipt(order_number: str, *, source: str = "") -> OutboxEntry:
    """Queue the paid order's receipt (once, whatever queues it again)."""
    number = str(order_number)
    entry = outbox.enqueue(
        Kind.RECEIPT, number, order_number=number, store_id=store_id(), source=source
    )
    queue_outbox_entries([entry.pk])
    return entry


def queue_return(
    order_number: str,
    return_key: str,
    lines: Mapping[str, int] | None = None,
    *,
    everything: bool = False,
    source: str = "",
) -> OutboxEntry:
    """Queue the receipt of a return (once per ``return_key``).

    ``lines``: what came back, the shop's line keys (``"shipping"``: the shipping charge) to
    units, when the caller knows it; ``everything``: all that was not returned before. Neither:
    the shop integration reads it from the cause (``source``) when the receipt is built.
    """
    number = str(order_number)
    external_id = return_id(number, return_key)
    existing = OutboxEntry.objects.filter(kind=Kind.RETURN, external_id=external_id).first()
    if existing is not None:
        return existing
    before = OutboxEntry.objects.filter(order_number=number, kind__in=RECEIPTS).order_by("-pk")
    payload: dict[str, Any] = {}
    if everything:
        payload = {RETURNED: {"everything": True}}
    elif lines:
        quantities = {str(key): int(units) for key, units in lines.items() if units}
        if any(units < 0 for units in quantities.values()):
            raise ValueError("A return takes back a positive number of units.")
        payload = {RETURNED: {"lines": quantities}}
    entry = outbox.enqueue(
        Kind.RETURN,
        external_id,
        order_number=number,
        store_id=store_id(),
        payload=payload,
        source=source,
        depends_on=before.first(),
    )
    queue_outbox_entries([entry.pk])
    return entry


def queue_attach(receipt: OutboxEntry, *, source: str = "") -> OutboxEntry:
    """Queue naming the customer of ``receipt`` (a receipt's or a return's entry), after it."""
    if receipt.kind not in RECEIPTS:
        raise ValueError("Only a receipt's entry can be given a customer.")
    entry = outbox.enqueue(
        Kind.ATTACH,
        receipt.external_id,
        order_number=receipt.order_number,
        store_id=receipt.store_id,
        source=source,
        depends_on=receipt,
    )
    queue_outbox_entries([entry.pk])
    return entry


def queue_attach_for_order(order_number: str, *, source: str = "") -> list[OutboxEntry]:
    """Queue naming the customer of each of the order's receipts (the purchase, its returns)."""
    receipts = OutboxEntry.objects.filter(order_number=str(order_number), kind__in=RECEIPTS)
    return [queue_attach(receipt, source=source) for receipt in receipts.order_by("pk")]
