"""Receivers of Oscar's signals. They only enqueue work, after the database commit."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from oscar.apps.order.signals import order_status_changed

from ...conf import app_settings
from ...models import OrderLoyaltyItem


@receiver(order_status_changed, dispatch_uid="diller-release-on-status")
def release_reservations_when_cancelled(sender, order, old_status, new_status, **kwargs) -> None:
    if new_status not in app_settings.RELEASE_ON_ORDER_STATUSES:
        return
    number = str(order.number)
    if not OrderLoyaltyItem.objects.filter(order_number=number).exists():
        return
    from ...tasks import release_order_loyalty

    transaction.on_commit(lambda: release_order_loyalty.delay(number))
