"""When an Oscar order's receipt goes to Dintero: the same triggers as Diller's transactions.

The payment events, order statuses and "order placed" that send a member's transaction to
Diller (``DILLER['SEND_ON_…']``) queue the order's receipt, and the returns that correct it
(``DILLER['RETURN_ON_…']``, ``CANCEL_ON_ORDER_STATUSES``) queue a receipt of the return. They
do so for every order, member or not, whenever Dintero is on (``DINTERO`` names an account, or
its sandbox): also in a shop that does not use Diller. A guest who joins the club after their
receipt was sent is attached to it.

Every receiver runs inside the database transaction of its cause, writes outbox entries only
(:mod:`django_diller.dintero.queueing`), and never breaks the shop's own change
(:func:`~.guard.guarded`). :func:`connect` connects them; the Oscar app's ``ready()`` calls it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from oscar.apps.order.signals import order_placed, order_status_changed
from oscar.core.loading import get_model

from ...conf import app_settings
from ...dintero.conf import enabled
from ...dintero.queueing import queue_attach_for_order, queue_receipt, queue_return, receipt_entry
from ...models import ConsentRecord, OutboxEntry
from .guard import guarded
from .returns import source_key
from .triggers import has_send_trigger

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
ShippingEvent = get_model("order", "ShippingEvent")
PaymentTransaction = get_model("payment", "Transaction")

PAID_BEFORE = "paid before its return"  # the cause of a receipt queued only when it was returned


def queue_order_receipt(order, source: str) -> OutboxEntry:
    """Queue the paid order's receipt (once, whatever triggers it again)."""
    return queue_receipt(str(order.number), source=source)


def queue_order_return(order, source: str, *, everything: bool = False) -> OutboxEntry | None:
    """Queue the receipt of a return (``everything``: all that is left); None when the order
    was never paid (nothing was bought). An order paid before receipts were on gets its
    receipt first, so that the return has one to refer to."""
    number = str(order.number)
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).first()  # one return at a time
        if receipt_entry(number) is None:
            if not has_send_trigger(order):
                return None
            queue_receipt(number, source=PAID_BEFORE)
        return queue_return(number, source_key(source), everything=everything, source=source)


def receipt_on_payment_event(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw or not enabled():
        return
    name = instance.event_type.name
    if name in app_settings.SEND_ON_PAYMENT_EVENTS:
        guarded(queue_order_receipt)(instance.order, f"payment_event:{instance.pk}")
    elif name in app_settings.RETURN_ON_PAYMENT_EVENTS:
        guarded(queue_order_return)(instance.order, f"payment_event:{instance.pk}")


def receipt_on_status(sender, order, old_status, new_status, **kwargs) -> None:
    if not enabled():
        return
    if new_status in app_settings.CANCEL_ON_ORDER_STATUSES:
        guarded(queue_order_return)(order, f"order_status:{new_status}", everything=True)
    elif new_status in app_settings.SEND_ON_ORDER_STATUSES:
        guarded(queue_order_receipt)(order, f"order_status:{new_status}")


def receipt_on_placed(sender, order, **kwargs) -> None:
    if app_settings.SEND_ON_ORDER_PLACED and enabled():
        guarded(queue_order_receipt)(order, "order placed")


def return_on_shipping_event(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw or not enabled():
        return
    if instance.event_type.name in app_settings.RETURN_ON_SHIPPING_EVENTS:
        guarded(queue_order_return)(instance.order, f"shipping_event:{instance.pk}")


def return_on_refund_transaction(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw or not enabled():
        return
    if instance.txn_type in app_settings.RETURN_ON_REFUND_TRANSACTIONS:
        guarded(queue_order_return)(instance.source.order, f"payment_transaction:{instance.pk}")


def attach_when_a_guest_joins(sender, instance, created, raw=False, **kwargs) -> None:
    """A guest's membership finished (a consent recorded with their order and member id): the
    order's anonymous receipts are given their customer."""
    if not created or raw or not (instance.order_number and instance.member_id) or not enabled():
        return
    guarded(queue_attach_for_order)(instance.order_number, source=f"consent_record:{instance.pk}")


def connect() -> None:
    """Connect the receivers, and register the receipts' builders and handlers."""
    from . import dintero_receipts  # noqa: F401  (payload builders; they import the handlers)

    post_save.connect(
        receipt_on_payment_event,
        sender=PaymentEvent,
        dispatch_uid="dintero-receipt-on-payment-event",
    )
    order_status_changed.connect(receipt_on_status, dispatch_uid="dintero-receipt-on-status")
    order_placed.connect(receipt_on_placed, dispatch_uid="dintero-receipt-on-placed")
    post_save.connect(
        return_on_shipping_event,
        sender=ShippingEvent,
        dispatch_uid="dintero-return-on-shipping-event",
    )
    post_save.connect(
        return_on_refund_transaction,
        sender=PaymentTransaction,
        dispatch_uid="dintero-return-on-refund",
    )
    post_save.connect(
        attach_when_a_guest_joins, sender=ConsentRecord, dispatch_uid="dintero-attach-on-join"
    )
