"""Orders whose payment never came: what they hold at Diller is let go after a while.

An order is placed, its coupons are reserved at Diller, and then the shopper leaves the payment
page or the gateway never calls back. Nothing cancels such an order, so without this sweep its
coupons stay reserved for good and the member cannot use them in the shop or at the till. The
Coupontools vouchers of such orders have a sweep of their own (:mod:`.vouchers`); both ask
:func:`paid_numbers` whether the money came after all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from oscar.core.loading import get_model

from ...loyalty.kinds import Kind
from ...loyalty.reservations import ABANDONED_CHECKOUT, queue_release
from ...outbox.models import OutboxEntry
from .guard import guarded

logger = logging.getLogger("django_diller.oscar")
Order = get_model("order", "Order")

# What ends an order's wait: its purchase is on its way (the purchase uses the coupons), or its
# reservations are already being released (cancelled, skipped, or this sweep ran before).
SETTLING_KINDS = (Kind.SEND_TRANSACTION, Kind.RESEND_REMAINDER, Kind.RELEASE_LOYALTY)


def paid_numbers(numbers: Iterable[str]) -> set[str]:
    """Of these order numbers, those with any sign that the payment was taken or authorised: a
    payment event of any type, or a payment source with money allocated or debited. A shop
    that sends the purchase only when the order ships has paid orders waiting for days; they
    keep what they hold."""
    numbers = list(numbers)
    if not numbers:
        return set()
    money = (
        Q(payment_events__isnull=False)
        | Q(sources__amount_allocated__gt=0)
        | Q(sources__amount_debited__gt=0)
    )
    paid = Order.objects.filter(money, number__in=numbers).values_list("number", flat=True)
    return set(paid.distinct())


def release_unpaid_reservations(minutes: float) -> int:
    """Release at Diller the reservations of orders placed more than ``minutes`` ago that were
    never paid, sent or released; how many orders. Each release is an outbox entry of its own,
    so running this again (or at the same time elsewhere) queues nothing twice; a payment that
    comes in before the release is sent stops it there (see ``reservations.SendRelease``)."""
    before = timezone.now() - timedelta(minutes=minutes)
    held = OutboxEntry.objects.filter(kind=Kind.RESERVE_LOYALTY, created_at__lt=before)
    settling = OutboxEntry.objects.filter(kind__in=SETTLING_KINDS).values("order_number")
    waiting = set(held.exclude(order_number__in=settling).values_list("order_number", flat=True))
    released = [
        number
        for number in sorted(waiting - paid_numbers(waiting))
        if guarded(queue_release)(number, ABANDONED_CHECKOUT) is not None
    ]
    if released:
        logger.info("released the diller reservations of %d unpaid orders", len(released))
    return len(released)
