"""The bodies of Dintero's outbox entries, from Oscar's orders: the builders
:mod:`django_diller.dintero.delivery` calls on an entry's first attempt.

* A paid order's receipt: :func:`receipt_for_order`.
* A return's receipt: :func:`receipt_for_return`, of the units a return took back. What came
  back is what the return was queued with, else what its cause says
  (:func:`~.returns.returned_by`: a payment or shipping event's line quantities, or the whole
  order for a status); never more than the order's returns before it left. A refund of an
  amount that names no lines is a receipt only when it refunds all that was left (then it
  returns all of it); otherwise it is skipped, with the reason.
* A buyer who joined after their receipt was sent: the customer id Dintero is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from oscar.core.loading import get_model

from ...dintero.conf import dintero_settings
from ...dintero.delivery import builder, is_receipt
from ...dintero.kinds import Kind
from ...dintero.queueing import RETURNED
from ...dintero.receipts import ReceiptOrder, StoreInfo, receipt
from ...models import OutboxEntry
from ...outbox.engine import Skip
from .receipt_facts import MEMBER, receipt_customer, receipt_order
from .returns import returned_by

Order = get_model("order", "Order")
CENT = Decimal("0.01")


def store_info(store_id: str | None = None) -> StoreInfo:
    """The store the receipts are from, as ``DINTERO`` names it."""
    return StoreInfo(
        id=store_id or str(dintero_settings.STORE_ID),
        name=str(dintero_settings.STORE_NAME or ""),
        business_name=str(dintero_settings.BUSINESS_NAME or ""),
        chain=str(dintero_settings.CHAIN or ""),
        organization_number=str(dintero_settings.ORGANIZATION_NUMBER or ""),
    )


def order_facts(order, *, store_id: str | None = None) -> ReceiptOrder:
    """The facts of the order's receipt, its buyer named as ``DINTERO['CUSTOMER_ID']`` says."""
    return receipt_order(
        order, store=store_info(store_id), identify_by=str(dintero_settings.CUSTOMER_ID)
    )


def receipt_for_order(order, *, store_id: str | None = None) -> dict[str, Any]:
    """The receipt's JSON body of a paid order (its receipt id the order number)."""
    return receipt(order_facts(order, store_id=store_id))


def receipt_for_return(
    order,
    lines: Mapping[str, int],
    *,
    receipt_id: str,
    returned_at: datetime | None = None,
    store_id: str | None = None,
) -> dict[str, Any]:
    """The receipt's JSON body of a return: ``lines`` maps order line ids (text;
    ``"shipping"`` the shipping charge) to the units that came back."""
    whole = order_facts(order, store_id=store_id)
    part = whole.returned(dict(lines), receipt_id=receipt_id, at=returned_at or timezone.now())
    return receipt(part)


def _order(entry: OutboxEntry):
    order = Order.objects.filter(number=entry.order_number).first()
    if order is None:
        raise Skip("The order no longer exists.")
    return order


def _named(entry: OutboxEntry, customer_id: str | None) -> None:
    """Staff find the entry by the member it names (when receipts name members)."""
    if customer_id and dintero_settings.CUSTOMER_ID == MEMBER:
        entry.member_id = customer_id[:100]


@builder(Kind.RECEIPT)
def build_receipt(entry: OutboxEntry) -> dict[str, Any]:
    body = receipt_for_order(_order(entry), store_id=entry.store_id or None)
    _named(entry, body.get("customer_id"))
    return body


# --- returns -----------------------------------------------------------------------------------


def _units(whole: ReceiptOrder) -> dict[str, int]:
    return {item.key: item.quantity for item in whole.items()}


def _sent_back(payload: dict[str, Any], whole: ReceiptOrder) -> dict[str, int]:
    """What a built return receipt takes back, by line key (its items keep the order's line
    numbers)."""
    keys = {item.line_id: item.key for item in whole.items()}
    units: dict[str, int] = {}
    for item in payload.get("items") or []:
        key = keys.get(item.get("line_id"))
        if key is not None:
            units[key] = units.get(key, 0) + abs(int(item.get("quantity") or 0))
    return units


def _asked(order, entry: OutboxEntry, left: dict[str, int], whole: ReceiptOrder) -> dict[str, int]:
    """What the return takes back, before what earlier returns took is counted."""
    noted = entry.payload.get(RETURNED) if not is_receipt(entry.payload) else None
    if noted:
        if noted.get("everything"):
            return dict(left)
        return {str(key): int(units) for key, units in (noted.get("lines") or {}).items()}
    came_back = returned_by(order, entry.source)  # may raise NotReady: quantities not saved yet
    if came_back.everything:
        return dict(left)
    if came_back.lines:
        return dict(came_back.lines)
    if came_back.amount > 0 and left:
        rest = whole.returned(left, receipt_id="rest", at=timezone.now()).total
        if came_back.amount >= rest - CENT:
            return dict(left)
    raise Skip(
        "The return names no lines (a refund of part of the amount): a receipt needs the "
        "lines that came back."
    )


def _returned_before(order, entry: OutboxEntry, whole: ReceiptOrder) -> dict[str, int]:
    """What the order's other returns take back: those sent or built, and those queued
    earlier that are not built yet (as they will be)."""
    others = (
        OutboxEntry.objects.filter(order_number=entry.order_number, kind=Kind.RETURN)
        .exclude(pk=entry.pk)
        .exclude(state=OutboxEntry.State.SKIPPED)
        .order_by("pk")
    )
    taken: dict[str, int] = {}
    for other in others:
        if is_receipt(other.payload):
            units = _sent_back(other.payload, whole)
        elif other.pk < entry.pk:
            left = {k: v - taken.get(k, 0) for k, v in _units(whole).items()}
            try:
                units = _asked(order, other, {k: v for k, v in left.items() if v > 0}, whole)
            except Skip:  # it will take nothing back
                continue
        else:
            continue  # queued later: it counts this one when it is built
        for key, count in units.items():
            taken[key] = taken.get(key, 0) + count
    return taken


@builder(Kind.RETURN)
def build_return(entry: OutboxEntry) -> dict[str, Any]:
    order = _order(entry)
    whole = order_facts(order, store_id=entry.store_id or None)
    before = _returned_before(order, entry, whole)
    left = {key: units - before.get(key, 0) for key, units in _units(whole).items()}
    left = {key: units for key, units in left.items() if units > 0}
    asked = _asked(order, entry, left, whole)
    unknown = sorted(set(asked) - set(_units(whole)))
    if unknown:
        raise ValueError(f"Order {entry.order_number} has no line {unknown[0]!r} to return.")
    quantities = {key: min(units, left.get(key, 0)) for key, units in asked.items()}
    quantities = {key: units for key, units in quantities.items() if units > 0}
    if not quantities:
        raise Skip("Nothing that this return names is left to return.")
    part = whole.returned(
        quantities,
        receipt_id=entry.external_id,
        at=entry.created_at or timezone.now(),
        return_of=whole.receipt_id,
    )
    _named(entry, part.customer.customer_id if part.customer else None)
    return receipt(part)


# --- a buyer who joined later ------------------------------------------------------------------


@builder(Kind.ATTACH)
def build_attach(entry: OutboxEntry) -> dict[str, Any]:
    customer = receipt_customer(_order(entry), identify_by=str(dintero_settings.CUSTOMER_ID))
    if customer is None:
        raise Skip("The buyer is not named: not a member, or no consent to keep purchase history.")
    _named(entry, customer.customer_id)
    return {"customer_id": customer.customer_id}
