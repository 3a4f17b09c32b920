"""Receivers of Oscar's signals. They write outbox entries and queue work after the commit.

Which events count is set in ``DILLER`` (see :mod:`django_diller.conf`): payment event types
and order statuses that send the transaction, statuses that cancel it, and the payment events,
shipping events and payment-source transactions that return part of it.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from oscar.apps.basket.signals import basket_addition
from oscar.apps.order.signals import order_placed, order_status_changed
from oscar.core.loading import get_model

from ...conf import app_settings
from ...loyalty.connection import current_store_id
from ...loyalty.reservations import queue_release
from ...loyalty.wallet import prefetch
from ...models import MemberLink, OrderLoyaltyItem
from . import triggers
from .guard import guarded

PaymentEvent = get_model("order", "PaymentEvent")
ShippingEvent = get_model("order", "ShippingEvent")
PaymentTransaction = get_model("payment", "Transaction")
PaymentSource = get_model("payment", "Source")


@receiver(basket_addition, dispatch_uid="diller-prefetch-wallet-on-add")
def prefetch_wallet_when_the_basket_fills(sender, product, user, request, **kwargs) -> None:
    """The member's coupons and stamp cards, fetched ahead of the coupon step."""
    if app_settings.PREFETCH_WALLET and (link := MemberLink.objects.of(user, current_store_id())):
        prefetch(link.member_id)


@receiver(order_status_changed, dispatch_uid="diller-release-on-status")
def release_reservations_when_cancelled(sender, order, old_status, new_status, **kwargs) -> None:
    if new_status not in app_settings.RELEASE_ON_ORDER_STATUSES:
        return
    number = str(order.number)
    if OrderLoyaltyItem.objects.filter(order_number=number).exists():
        guarded(queue_release)(number, f"order_status:{new_status}")


@receiver(order_status_changed, dispatch_uid="diller-transaction-on-status")
def transaction_on_status(sender, order, old_status, new_status, **kwargs) -> None:
    if new_status in app_settings.CANCEL_ON_ORDER_STATUSES:
        guarded(triggers.queue_return)(order, f"order_status:{new_status}", everything=True)
    elif new_status in app_settings.SEND_ON_ORDER_STATUSES:
        guarded(triggers.queue_transaction)(order, f"order_status:{new_status}")


@receiver(order_placed, dispatch_uid="diller-transaction-on-placed")
def transaction_on_placed(sender, order, **kwargs) -> None:
    if app_settings.SEND_ON_ORDER_PLACED:
        guarded(triggers.queue_transaction)(order, "order placed")


@receiver(post_save, sender=PaymentEvent, dispatch_uid="diller-transaction-on-payment-event")
def transaction_on_payment_event(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw:
        return
    name = instance.event_type.name
    if name in app_settings.SEND_ON_PAYMENT_EVENTS:
        guarded(triggers.queue_transaction)(instance.order, f"payment_event:{instance.pk}")
    elif name in app_settings.RETURN_ON_PAYMENT_EVENTS:
        guarded(triggers.queue_return)(instance.order, f"payment_event:{instance.pk}")
    else:  # money on its way: what an unpaid order's release let go is held again
        _hold_again_if_paid_late(instance.order)


@receiver(post_save, sender=ShippingEvent, dispatch_uid="diller-return-on-shipping-event")
def return_on_shipping_event(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw and instance.event_type.name in app_settings.RETURN_ON_SHIPPING_EVENTS:
        guarded(triggers.queue_return)(instance.order, f"shipping_event:{instance.pk}")


@receiver(post_save, sender=PaymentSource, dispatch_uid="diller-hold-again-on-paid-source")
def hold_again_when_money_is_on_a_source(sender, instance, raw=False, **kwargs) -> None:
    """Money allocated or debited on a payment source (which the unpaid sweep counts as paid),
    saved after the order's unpaid reservations were released: they are held again."""
    if not raw and (instance.amount_allocated > 0 or instance.amount_debited > 0):
        _hold_again_if_paid_late(instance.order)


def _hold_again_if_paid_late(order) -> None:
    """:func:`.triggers.hold_again_if_paid_late`, guarded; not even a savepoint for an order
    being placed (it released nothing)."""
    if not triggers.placed_now(order):
        guarded(triggers.hold_again_if_paid_late)(order)


@receiver(post_save, sender=PaymentTransaction, dispatch_uid="diller-return-on-refund")
def return_on_refund_transaction(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw and instance.txn_type in app_settings.RETURN_ON_REFUND_TRANSACTIONS:
        guarded(triggers.queue_return)(instance.source.order, f"payment_transaction:{instance.pk}")
