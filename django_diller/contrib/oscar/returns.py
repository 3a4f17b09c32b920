"""What came back: the returned quantities (or amount) behind an outbox entry's cause.

A cause is written on the entry as ``source``: ``payment_event:<pk>`` and ``shipping_event:<pk>``
name Oscar events with line quantities (a payment event without lines returns its amount),
``payment_transaction:<pk>`` an amount refunded through a payment source, ``order_status:<name>``
the whole order. They are read when the entry is first sent, after the event's transaction
committed, so the event's line quantities (saved after the event itself) are all there; when
the shop saves events without a transaction, a fresh event without lines is waited for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from oscar.core.loading import get_model

from ...loyalty.kinds import Kind
from ...models import OutboxEntry
from ...outbox.engine import NotReady

PaymentEvent = get_model("order", "PaymentEvent")
ShippingEvent = get_model("order", "ShippingEvent")
PaymentTransaction = get_model("payment", "Transaction")
QUANTITIES_GRACE = timedelta(minutes=2)
EVENTS = {"payment_event": PaymentEvent, "shipping_event": ShippingEvent}


@dataclass
class Returned:
    lines: dict[str, int] = field(default_factory=dict)  # order line pk (text) -> quantity
    amount: Decimal = Decimal(0)  # returned without naming lines
    everything: bool = False

    def add(self, other: Returned) -> None:
        for key, quantity in other.lines.items():
            self.lines[key] = self.lines.get(key, 0) + quantity
        self.amount += other.amount
        self.everything = self.everything or other.everything


def _wait_for_quantities(event) -> None:
    """Oscar saves an event's line quantities after the event. When the shop records events
    outside a database transaction, the delivery task can run in between: a fresh event
    without lines is read again later, an old one really has none."""
    if timezone.now() - event.date_created < QUANTITIES_GRACE:
        raise NotReady("The return's line quantities are not recorded yet.")


def returned_by(order, source: str) -> Returned:
    """What the cause ``source`` returned of ``order``."""
    kind, _sep, ref = source.partition(":")
    if kind == "order_status":
        return Returned(everything=True)
    if kind in EVENTS:
        event = EVENTS[kind].objects.filter(pk=ref, order=order).first()
        if event is None:
            return Returned()
        lines = {str(row.line_id): row.quantity for row in event.line_quantities.all()}
        if lines:
            return Returned(lines=lines)
        _wait_for_quantities(event)
        # A payment event without lines returns its amount; a shipping event, nothing.
        return Returned(amount=abs(getattr(event, "amount", 0)))
    if kind == "payment_transaction":
        refund = PaymentTransaction.objects.filter(pk=ref, source__order=order).first()
        return Returned(amount=abs(refund.amount)) if refund is not None else Returned()
    return Returned()


def _returned_by_all(order, entries) -> Returned:
    """What the causes of ``entries`` returned, together."""
    total = Returned()
    for source in entries.order_by("pk").values_list("source", flat=True):
        total.add(returned_by(order, source))
    return total


def returned_before(order, entry: OutboxEntry) -> Returned:
    """Everything returned by this remainder's cause and the remainders before it."""
    earlier = OutboxEntry.objects.filter(
        order_number=entry.order_number,
        kind=Kind.RESEND_REMAINDER,
        pk__lte=entry.pk,
    )
    return _returned_by_all(order, earlier)


# A refund that took no points: turned into its transaction's cancel (skipped), or refused by
# Diller for good (dead, until staff send it again).
NOT_TAKEN = (OutboxEntry.State.SKIPPED, OutboxEntry.State.DEAD)


def taking_refunds(transaction: OutboxEntry) -> QuerySet[OutboxEntry]:
    """The refunds of the transaction entry ``transaction`` that took, or will take, points."""
    return OutboxEntry.objects.filter(kind=Kind.REFUND, depends_on=transaction).exclude(
        state__in=NOT_TAKEN
    )


def earlier_refunds(entry: OutboxEntry) -> QuerySet[OutboxEntry]:
    """The refunds of the same transaction queued before the refund ``entry``."""
    return OutboxEntry.objects.filter(
        kind=Kind.REFUND, depends_on_id=entry.depends_on_id, pk__lt=entry.pk
    )


def refunded_before(order, entry: OutboxEntry) -> Returned:
    """Everything returned by the causes of the refunds before the refund ``entry``."""
    return _returned_by_all(order, earlier_refunds(entry))


def source_key(source: str) -> str:
    """A short, stable suffix for the ids derived from a cause (``pe17``, ``se5``, ``pt9``)."""
    kind, _sep, ref = source.partition(":")
    prefix = {"payment_event": "pe", "shipping_event": "se", "payment_transaction": "pt"}
    return f"{prefix.get(kind, 'x')}{ref}" if kind in prefix else kind.replace("_", "")[:12]
