"""Sending the outbox's transactions to Diller: one handler per kind of entry.

The payload of an entry is built on its first attempt by the shop integration's builder for its
kind (:data:`BUILDERS`, filled by ``django_diller.contrib.oscar``), stored on the entry, and sent
unchanged on every retry: what Diller receives is what staff see.

Why a retry never creates a duplicate
    Every effect carries an id of its own that Diller keys on: a transaction its
    ``external_id`` (the order number, or a derived id such as ``1000023-R1`` for a
    remainder), a refund its own ``external_id``, a cancel the id of the transaction it
    cancels. When an attempt times out after the request left, the entry is sent again with
    the same id, and Diller's answer tells us it already had it:

    * a transaction or refund whose ``external_id`` exists is refused with "Duplicate
      external_id" (``is_ok`` false): the first attempt arrived, so the entry is ``sent``;
    * a cancel of a transaction already cancelled is refused with "already cancelled": the
      first attempt arrived, so the entry is ``sent``.

    Only a refusal that names the duplicate counts; any other refusal leaves the entry dead,
    with Diller's words, for staff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..api import DillerRefused
from ..api import models as wire
from ..models import OrderLoyaltyItem, OutboxEntry
from . import claims
from .connection import get_client
from .outbox import Skip, register

logger = logging.getLogger("django_diller.transactions")
Kind = OutboxEntry.Kind

PayloadBuilder = Callable[[OutboxEntry], dict[str, Any]]
BUILDERS: dict[str, PayloadBuilder] = {}


def builder(kind: str) -> Callable[[PayloadBuilder], PayloadBuilder]:
    """Register the function that builds the payload of ``kind`` entries from the shop's data.

    It returns the JSON body to send (and may set ``entry.member_id``), or raises
    :class:`~.outbox.Skip` or :class:`~.outbox.NotReady`.
    """

    def decorate(function: PayloadBuilder) -> PayloadBuilder:
        BUILDERS[kind] = function
        return function

    return decorate


def is_duplicate(refusal: DillerRefused) -> bool:
    """Diller already has a transaction or refund with this ``external_id``."""
    return "duplicate" in (refusal.details or "").lower()


def is_already_cancelled(refusal: DillerRefused) -> bool:
    return "already cancel" in (refusal.details or "").lower()


def payload_of(entry: OutboxEntry) -> dict[str, Any]:
    """The entry's payload: built and saved on the first attempt, reused on every retry."""
    dependency = entry.depends_on
    if dependency is not None and dependency.state == OutboxEntry.State.SKIPPED:
        raise Skip("The transaction it corrects was never sent.")
    if not entry.payload:
        build = BUILDERS.get(entry.kind)
        if build is None:
            raise LookupError(f"no payload builder for {entry.kind!r}; is the shop app installed?")
        entry.payload = build(entry)
        entry.save(update_fields=["payload", "member_id", "updated_at"])
    return entry.payload


def _answer(response: wire.WireModel) -> dict[str, Any]:
    return response.model_dump(mode="json", exclude_none=True)


def _received_before(refusal: DillerRefused) -> dict[str, Any]:
    return {"is_ok": True, "details": refusal.details, "received_before": True}


def _purchase_settled(entry: OutboxEntry) -> None:
    """Diller ends the reservations a transaction uses; the local claims end with them."""
    claims.release_for_order(entry.order_number)
    OrderLoyaltyItem.objects.filter(
        order_number=entry.order_number,
        reservation__in=[
            OrderLoyaltyItem.Reservation.PENDING,
            OrderLoyaltyItem.Reservation.RESERVED,
        ],
    ).update(
        reservation=OrderLoyaltyItem.Reservation.RELEASED,
        reservation_detail="used by the transaction",
    )


def _create(entry: OutboxEntry) -> dict[str, Any]:
    request = wire.CreateTransactionRequest.model_validate(payload_of(entry))
    client = get_client(entry.store_id or None)
    try:
        answer = _answer(client.create_transaction(entry.member_id, request))
    except DillerRefused as refusal:
        if not is_duplicate(refusal):
            raise
        answer = _received_before(refusal)
    if entry.kind == Kind.SEND_TRANSACTION:
        _purchase_settled(entry)
    return answer


@register(Kind.SEND_TRANSACTION)
def send_transaction(entry: OutboxEntry) -> dict[str, Any]:
    return _create(entry)


@register(Kind.RESEND_REMAINDER)
def resend_remainder(entry: OutboxEntry) -> dict[str, Any]:
    """What was kept, after the cancel. Its coupons and stamps are checked again by Diller (a
    new ``external_id``): a coupon that expired since the purchase would refuse the whole
    remainder, after the original is already cancelled. Then it is sent again without coupons
    and stamps (the prices already hold the discounts): the points stay right, and the answer
    records what was dropped."""
    try:
        return _create(entry)
    except DillerRefused as refusal:
        if not _drop_loyalty(entry.payload):
            raise
        logger.warning("diller refused the remainder %s; sent without coupons", entry.pk)
        entry.save(update_fields=["payload", "updated_at"])
        answer = _create(entry)
        answer["loyalty_dropped"] = refusal.details
        return answer


def _drop_loyalty(payload: dict[str, Any]) -> bool:
    """Remove coupons and stamps from a transaction body; whether there were any."""
    dropped = False
    for holder in [payload, *payload.get("details", [])]:
        for key in ("coupon_codes", "stamp_cards", "stamp_card_ids"):
            dropped = bool(holder.pop(key, None)) or dropped
    return dropped


@register(Kind.RETURN_TRANSACTION)
def send_return(entry: OutboxEntry) -> dict[str, Any]:
    return _create(entry)


@register(Kind.CANCEL_TRANSACTION)
def cancel_transaction(entry: OutboxEntry) -> dict[str, Any]:
    reason = wire.CancelationReason.model_validate(payload_of(entry))
    client = get_client(entry.store_id or None)
    try:
        return _answer(client.cancel_transaction(entry.external_id, reason))
    except DillerRefused as refusal:
        if not is_already_cancelled(refusal):
            raise
        return _received_before(refusal)


@register(Kind.REFUND)
def refund(entry: OutboxEntry) -> dict[str, Any]:
    request = wire.CreateRefundTransactionRequest.model_validate(payload_of(entry))
    original = entry.depends_on
    if original is None:
        raise LookupError("a refund entry needs the transaction it refunds (depends_on)")
    client = get_client(entry.store_id or None)
    try:
        return _answer(
            client.create_refund_transaction(entry.member_id, original.external_id, request)
        )
    except DillerRefused as refusal:
        if not is_duplicate(refusal):
            raise
        return _received_before(refusal)
