"""Sending the outbox's Dintero entries: a paid order's receipt, a return's, a late customer.

The body of a receipt is built on the entry's first attempt by the shop integration's builder
for its kind (:data:`BUILDERS`, filled by ``django_diller.contrib.oscar.dintero_receipts``),
stored on the entry, and sent unchanged on every retry: what Dintero receives is what staff
see.

Why a retry never creates a duplicate
    Dintero keeps one receipt per store and receipt id (``store.id`` and ``receipt_id``: the
    order number, or ``<number>-RET-<cause>`` for a return). When an attempt's answer is lost,
    the entry is sent again with the same body, and Dintero answers that it has the receipt
    already (a count of duplicates, or a refusal or 409 naming it: the client reads every
    shape). That counts as received: the entry is ``sent``, its answer marked
    ``received_before``.

Errors
    Dintero unreachable, overloaded or an answer lost (:class:`~.api.DinteroUnavailable` and
    its subclasses) leave the entry to be tried again after a backoff; any other
    :class:`~.api.DinteroError` (a refusal, refused credentials, an answer that breaks the
    contract) and a connection that is not configured leave it dead, for staff to look at and
    send again from the admin.

A return's body
    A return may be queued with what came back already known, stored as its payload
    (``{"returned": …}``, see :mod:`.queueing`); the receipt replaces it on the first attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..outbox import registry
from ..outbox.engine import Skip
from ..outbox.models import OutboxEntry
from . import my_receipts
from .api import DinteroError, DinteroNotFound, DinteroUnavailable
from .api import models as wire
from .conf import dintero_settings
from .connection import NotConfigured, get_client
from .kinds import Kind
from .tokens import ANSWER_KEY, token_of

logger = logging.getLogger("django_diller.dintero")

registry.classify_errors(
    transient=(DinteroUnavailable,),
    permanent=(DinteroError, NotConfigured),
)

PayloadBuilder = Callable[[OutboxEntry], dict[str, Any]]
BUILDERS: dict[str, PayloadBuilder] = {}

# Dintero's error code for "this receipt has a customer already" (attaching one again).
HAS_CUSTOMER = "receipt_has_customer"


def builder(kind: str) -> Callable[[PayloadBuilder], PayloadBuilder]:
    """Register the function that builds the payload of ``kind`` entries from the shop's data.

    It returns the JSON body (a receipt; for an attach, ``{"customer_id": …}``), or raises
    :class:`~django_diller.outbox.engine.Skip` or
    :class:`~django_diller.outbox.engine.NotReady`.
    """

    def decorate(function: PayloadBuilder) -> PayloadBuilder:
        BUILDERS[kind] = function
        return function

    return decorate


def is_receipt(payload: dict[str, Any]) -> bool:
    """Is this payload a built receipt (not yet only what a return brought back)?"""
    return bool(payload.get("receipt_id"))


class DinteroHandler(registry.Handler):
    """An outbox handler whose body the shop integration builds (:data:`BUILDERS`)."""

    def build_payload(self, entry: OutboxEntry) -> dict[str, Any]:
        build = BUILDERS.get(entry.kind)
        if build is None:
            raise LookupError(f"no payload builder for {entry.kind!r}; is the shop app installed?")
        return build(entry)


def _answer(body: dict[str, Any], result: Any) -> dict[str, Any]:
    """What is kept of Dintero's answer: the receipt's ids, never its contents; and its receipt
    token when Dintero answered one (``TOKEN_EXPIRE_DAYS``), for the guest's receipt link."""
    answer: dict[str, Any] = {
        "receipt_id": body.get("receipt_id"),
        "store_id": (body.get("store") or {}).get("id"),
    }
    ids = [receipt.id for receipt in result.receipts if receipt.id]
    if ids:
        answer["id"] = ids[0]
    tokens = [token for receipt in result.receipts if (token := token_of(receipt))]
    if tokens:
        answer[ANSWER_KEY] = tokens[0]
    if result.already_received:
        answer["received_before"] = True
    return answer


def create_receipt(body: dict[str, Any]) -> dict[str, Any]:
    """Send one receipt; Dintero having it already counts as received."""
    receipt = wire.Receipt.model_validate(body)
    days = dintero_settings.TOKEN_EXPIRE_DAYS
    result = get_client().create_receipts(
        [receipt], token_expire_days=None if days is None else int(days)
    )
    return _answer(body, result)


@registry.register
class SendReceipt(DinteroHandler):
    """A paid order's receipt."""

    kind = Kind.RECEIPT
    label = Kind.RECEIPT.label

    def receipt(self, entry: OutboxEntry) -> dict[str, Any]:
        """The entry's receipt, built now if the entry held only what a return brought back."""
        if not is_receipt(entry.payload):
            entry.payload = self.build_payload(entry)
            entry.save(update_fields=["payload", "member_id", "updated_at"])
        body: dict[str, Any] = entry.payload
        return body

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        return create_receipt(self.receipt(entry))

    def announce(self, entry: OutboxEntry) -> None:
        """A receipt sent for a customer shows on their "My receipts" page at once."""
        customer_id = entry.payload.get("customer_id") if isinstance(entry.payload, dict) else None
        if entry.state == OutboxEntry.State.SENT and customer_id:
            my_receipts.forget(str(customer_id))


@registry.register
class SendReturn(SendReceipt):
    """The receipt of goods returned from an order: a receipt of its own, in negative amounts.
    It waits for the order's receipt (and the returns before it), and goes even when that
    entry is dead: the return happened all the same."""

    kind = Kind.RETURN
    label = Kind.RETURN.label
    after_dead = True


@registry.register
class AttachCustomer(DinteroHandler):
    """A buyer who joined after an anonymous receipt was sent: Dintero is told who it was
    (``PUT /accounts/{aid}/receipts/all/{receipt_id}``). It waits for that receipt's entry."""

    kind = Kind.ATTACH
    label = Kind.ATTACH.label

    def build_payload(self, entry: OutboxEntry) -> dict[str, Any]:
        receipt = self._receipt_entry(entry)
        if receipt.state == OutboxEntry.State.SKIPPED:
            raise Skip("The receipt was never sent.")
        if receipt.payload.get("customer_id"):
            raise Skip("The receipt names its customer already.")
        return super().build_payload(entry)

    def _receipt_entry(self, entry: OutboxEntry) -> OutboxEntry:
        receipt = entry.depends_on
        if receipt is None or receipt.kind not in (Kind.RECEIPT, Kind.RETURN):
            raise LookupError("an attach entry needs the receipt's entry (depends_on)")
        return receipt

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        receipt_id = str(self._receipt_entry(entry).payload.get("receipt_id") or "")
        customer_id = str(entry.payload.get("customer_id") or "")
        if not receipt_id or not customer_id:
            raise LookupError("an attach entry needs a sent receipt and a customer id")
        client = get_client()
        try:
            client.attach_customer(receipt_id, customer_id)
        except DinteroError as refusal:
            if (refusal.code or "").lower() != HAS_CUSTOMER:
                raise
            # Ours already (an earlier attempt's answer was lost), or someone else's.
            try:
                client.get_customer_receipt(customer_id, receipt_id)
            except DinteroNotFound:
                raise refusal from None
            return {"receipt_id": receipt_id, "received_before": True}
        return {"receipt_id": receipt_id}
