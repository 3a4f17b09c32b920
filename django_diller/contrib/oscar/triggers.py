"""When an order's transaction goes to Diller, and how a return corrects it.

Every function here runs inside the database transaction of its cause (the payment event, the
status change, the refund) and only writes outbox entries; the delivery tasks are queued when
that transaction commits. Nothing here calls Diller, so a slow or absent Diller never holds up
the shop.

Returns follow Diller's guide:

* the transaction was never queued (the plugin was installed later, the order was not yet
  paid): a transaction with negative quantities and totals for what came back;
* the whole order came back (``CANCEL_ON_ORDER_STATUSES``): cancel the transaction;
* part of it came back: with ``PARTIAL_RETURNS = "resend"``, cancel the transaction and send
  what was kept as a new one (``<number>-R1``, then ``-R2`` …); with ``"refund"``, Diller's
  partial refund of the transaction.

What a return brings back is known only once its event's line quantities are saved, after the
event: so a return that turns out to complete the order is settled when its entry is first
sent. In ``"resend"`` mode the remainder finds nothing kept and is skipped (the cancel was the
whole correction); in ``"refund"`` mode the refund queues the transaction's cancel instead
(:func:`cancel_instead_of_refund`), or, after earlier refunds, refunds all that is left.

Each entry waits for the one before it (``depends_on``), so a cancel never overtakes its
transaction. The order's row is locked while the entries are chosen, so two returns of one
order at the same moment queue one after the other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from oscar.core.loading import get_model

from ...conf import app_settings
from ...loyalty.connection import current_store_id
from ...loyalty.kinds import CORRECTIONS, Kind
from ...loyalty.reservations import hold_again_after_release
from ...models import MemberLink, OutboxEntry
from ...outbox import engine as outbox
from ...outbox.tasks import queue_outbox_entries
from .payloads import order_member_id
from .returns import source_key, taking_refunds

logger = logging.getLogger("django_diller.oscar")
Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
ShippingEvent = get_model("order", "ShippingEvent")
PaymentTransaction = get_model("payment", "Transaction")
TRANSACTIONS = (Kind.SEND_TRANSACTION, Kind.RESEND_REMAINDER)


# Set on an order while the checkout saves the payment of the order it is placing.
PLACED_NOW = "_diller_placed_now"


@contextmanager
def placing(order) -> Iterator[None]:
    """While the block runs, the checkout is saving the payment of ``order``, which it is
    placing and whose reservation it has not queued yet: a purchase queued meanwhile needs not
    look for its reservation or its returns (see :func:`queue_transaction`). A payment recorded
    after the block (a shop's own later step) looks them up as for any order."""
    setattr(order, PLACED_NOW, True)
    try:
        yield
    finally:
        setattr(order, PLACED_NOW, False)


def placed_now(order) -> bool:
    """Whether the checkout is placing ``order`` in this request (see :func:`placing`)."""
    return getattr(order, PLACED_NOW, False)


def queue_transaction(order, source: str) -> OutboxEntry | None:
    """Queue the order's transaction (once, whatever triggers it again); None for non-members.

    For an order being placed in this request (:func:`placing`) nothing is looked up:
    its reservation is queued after its payment, and makes the purchase wait for it then
    (:func:`~django_diller.loyalty.reservations.queue_reservation`); nothing of it was
    returned yet.
    """
    member = _member_of(order)
    if member is None:
        return None
    store_id, member_id = member
    number = str(order.number)
    being_placed = placed_now(order)
    entry, new = outbox.enqueue_new(
        Kind.SEND_TRANSACTION,
        number,
        order_number=number,
        store_id=store_id,
        member_id=member_id,
        source=source,
        depends_on=None if being_placed else _reservation_first(order),
    )
    queue_outbox_entries([entry.pk])
    if new and not being_placed:
        # Returns recorded before the purchase was sent (a shop that sends when the order
        # ships refunded an item out of stock first) were dropped then, with nothing to
        # correct: replayed now, Diller ends up with what the buyer kept.
        for cause in return_causes(order):
            queue_return(order, cause)
    return entry


def _reservation_first(order) -> OutboxEntry | None:
    """The reservation the order's purchase waits for: for an order paid after its unpaid
    reservations were released, the coupons and stamps reserved again."""
    again = hold_again_if_paid_late(order)
    if again is not None:
        return again
    number = str(order.number)
    return OutboxEntry.objects.filter(kind=Kind.RESERVE_LOYALTY, external_id=number).first()


def hold_again_if_paid_late(order) -> OutboxEntry | None:
    """A payment for an order whose unpaid reservations were released: its coupons and stamps
    reserved again (see :func:`~django_diller.loyalty.reservations.hold_again_after_release`).
    Not for an order cancelled since (nothing would release them again). Callers skip an order
    being placed (:func:`placed_now`): it released nothing."""
    let_go = (*app_settings.RELEASE_ON_ORDER_STATUSES, *app_settings.CANCEL_ON_ORDER_STATUSES)
    if order.status in let_go:
        return None
    return hold_again_after_release(str(order.number))


def queue_return(order, source: str, *, everything: bool = False) -> list[OutboxEntry]:
    """Queue the correction of a return (``everything``: the whole order); the new entries."""
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).first()  # one return at a time
        entries = _corrections(order, source, everything)
    queue_outbox_entries([entry.pk for entry in entries])
    return entries


def _corrections(order, source: str, everything: bool) -> list[OutboxEntry]:
    number = str(order.number)
    handled = OutboxEntry.objects.filter(order_number=number, source=source, kind__in=CORRECTIONS)
    if handled.exists():
        return []  # this cause was handled already
    sent = OutboxEntry.objects.filter(order_number=number, kind__in=TRANSACTIONS)
    current = sent.order_by("-pk").first()
    if current is None:
        # Never queued: Diller has the purchase only if it was paid before the plugin was
        # installed. An order that was never paid has nothing at Diller to correct.
        entries = _negative_return(order, source) if has_send_trigger(order) else []
    elif OutboxEntry.objects.filter(
        kind=Kind.CANCEL_TRANSACTION, external_id=current.external_id
    ).exists():
        entries = []  # already cancelled in full: nothing is left to correct
    elif everything and not taking_refunds(current).exists():
        entries = [_cancel(current, source)]
    elif app_settings.PARTIAL_RETURNS == "refund" or everything:
        # After a refund, a whole return is the refund of what is left (see
        # ``payloads.partial_refund``): a cancel might take the refunded points again.
        entries = [_refund(current, source)]
    else:
        cancel = _cancel(current, source)
        entries = [cancel, _remainder(current, cancel, source, sent)]
    return entries


def _member_of(order) -> tuple[str, str] | None:
    """The configured store and the order's member there ("" for a guest still joining)."""
    store_id = current_store_id() or ""
    member_id = order_member_id(order, store_id)
    return None if member_id is None else (store_id, member_id)


def _negative_return(order, source: str) -> list[OutboxEntry]:
    """A return of a paid order whose purchase the plugin never sent: Diller has it only if it
    was paid before the plugin was installed, by an account linked to a member then. One
    linked only after the order was placed was not a member when it paid: Diller never had
    the purchase, and nothing is taken back."""
    store_id = current_store_id() or ""
    link = MemberLink.objects.of(order.user_id, store_id) if order.user_id else None
    if link is None or (order.date_placed and link.linked_at > order.date_placed):
        return []
    number = str(order.number)
    entry = outbox.enqueue(
        Kind.RETURN_TRANSACTION,
        f"{number}-RET-{source_key(source)}",
        order_number=number,
        store_id=store_id,
        member_id=link.member_id,
        source=source,
    )
    return [entry]


def _cancel(current: OutboxEntry, source: str) -> OutboxEntry:
    return outbox.enqueue(
        Kind.CANCEL_TRANSACTION,
        current.external_id,
        order_number=current.order_number,
        store_id=current.store_id,
        member_id=current.member_id,
        source=source,
        depends_on=current,
    )


def _refund(current: OutboxEntry, source: str) -> OutboxEntry:
    return outbox.enqueue(
        Kind.REFUND,
        f"{current.order_number}-RF-{source_key(source)}",
        order_number=current.order_number,
        store_id=current.store_id,
        member_id=current.member_id,
        source=source,
        depends_on=current,
    )


def cancel_instead_of_refund(refund: OutboxEntry) -> OutboxEntry:
    """Queue the cancel of the transaction ``refund`` was for, for the same cause: the refund
    found, when it was built, that the whole order came back (see ``payloads.partial_refund``)."""
    if refund.depends_on is None:
        raise LookupError("a refund entry needs the transaction it refunds (depends_on)")
    cancel = _cancel(refund.depends_on, refund.source)
    queue_outbox_entries([cancel.pk])
    return cancel


def _remainder(current: OutboxEntry, cancel: OutboxEntry, source: str, sent) -> OutboxEntry:
    number = current.order_number
    count = sent.filter(kind=Kind.RESEND_REMAINDER).count()
    return outbox.enqueue(
        Kind.RESEND_REMAINDER,
        f"{number}-R{count + 1}",
        order_number=number,
        store_id=current.store_id,
        member_id=current.member_id,
        source=source,
        depends_on=cancel,
    )


def has_send_trigger(order) -> bool:
    """Has something that sends the transaction already happened to this order?"""
    if app_settings.SEND_ON_ORDER_PLACED:
        return True
    statuses = app_settings.SEND_ON_ORDER_STATUSES
    if statuses and (
        order.status in statuses or order.status_changes.filter(new_status__in=statuses).exists()
    ):
        return True
    types = app_settings.SEND_ON_PAYMENT_EVENTS
    return order.payment_events.filter(event_type__name__in=types).exists()


def return_causes(order) -> list[str]:
    """The order's recorded returns that count as returns by the settings, oldest first: one
    statement per family of returns the settings name (none without settings)."""
    families = (
        ("payment_event", PaymentEvent, "order", "event_type__name", "RETURN_ON_PAYMENT_EVENTS"),
        ("shipping_event", ShippingEvent, "order", "event_type__name", "RETURN_ON_SHIPPING_EVENTS"),
        (
            "payment_transaction",
            PaymentTransaction,
            "source__order",
            "txn_type",
            "RETURN_ON_REFUND_TRANSACTIONS",
        ),
    )
    causes = []
    for prefix, model, order_field, type_field, setting in families:
        types = getattr(app_settings, setting)
        if types:
            rows = model.objects.filter(**{order_field: order, f"{type_field}__in": types})
            causes += [(row.date_created, f"{prefix}:{row.pk}") for row in rows]
    return [cause for _when, cause in sorted(causes)]


def backfill_order(order) -> OutboxEntry | None:
    """Queue a paid order found late; :func:`queue_transaction` replays the returns it had
    since, so Diller ends up with what the buyer kept."""
    return queue_transaction(order, "backfill")


def member_joined_with_order(order) -> OutboxEntry | None:
    """A guest joined at checkout: queue the order if it was already paid when they joined."""
    if has_send_trigger(order):
        return queue_transaction(order, "joined at checkout")
    return None
