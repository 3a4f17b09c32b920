"""The bodies of the outbox's requests, built from Oscar orders on an entry's first attempt.

Mapping (see ``docs/transactions.md``):

* ``external_id`` the order number (a remainder ``<number>-R<n>``, a return
  ``<number>-RET-<cause>``, a refund ``<number>-RF-<cause>``); ``created_at`` when the order was
  placed; ``currency`` the order's.
* ``details``, only when the member gave ``save_order_history``: one per order line (product
  external id from the adapter, SKU, name, category, GTIN when the UPC is a valid EAN-13 or
  UPC-A, quantity, unit price incl. tax before discounts, the exact VAT percentage, the line's
  discount, its total), plus shipping and surcharges as lines of their own, each with the
  coupons and stamp cards it used. Without ``save_order_history`` the transaction carries
  totals only.
* ``coupon_codes`` and ``stamp_cards`` on the transaction, always (as Diller's own modules send
  them): each coupon of the lines sent (and those that touched no line) once, and each card's
  stamps summed.
* ``total`` the sum of the lines' totals (the order total incl. tax; without shipping when
  ``SHIPPING_AS_DETAIL`` is False), ``total_tax`` and ``total_discount`` summed from the lines
  and rounded once; ``payment_details`` from the adapter, scaled to the total when a
  remainder or a return sends only part of it.
* ``department_id`` and ``origin {system_id, department_id, channel: "OnlineStore"}``.

The shop's adapter has the last word on every transaction body (``adjust_transaction_payload``),
once, as it is built: a retry sends the stored body unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from oscar.core.loading import get_model

from ...adapter import get_adapter
from ...api import DillerNotFound
from ...loyalty.connection import get_client
from ...loyalty.kinds import Kind
from ...loyalty.origin import placement
from ...loyalty.transactions import builder
from ...models import Consent, ConsentRecord, MemberLink, OrderLoyaltyItem, OutboxEntry
from ...outbox.engine import Skip
from .order_facts import ZERO, OrderFacts, money, order_facts
from .returns import Returned, refunded_before, returned_before, returned_by, taking_refunds

Order = get_model("order", "Order")
OrderBody = Callable[[OutboxEntry, Any], dict]


def order_member_id(order, store_id: str) -> str | None:
    """The member the order belongs to: the member whose coupons and stamp cards the order
    used (recorded with it: their reservations must be used or released by that member's
    purchase, whoever the buyer's account is linked to since), or the buyer's linked account,
    or the guest who joined.

    "" when a guest joined but their registration at Diller has not finished yet.
    """
    link = MemberLink.objects.of(order.user_id, store_id) if order.user_id else None
    if link is not None and not (order.date_placed and link.linked_at > order.date_placed):
        return link.member_id  # the member who placed it
    recorded = OrderLoyaltyItem.objects.filter(
        order_number=str(order.number), store_id=store_id
    ).exclude(member_id="")
    if member_id := recorded.values_list("member_id", flat=True).first():
        return member_id
    if link is not None:  # linked since, and the order used no member's coupons or cards
        return link.member_id
    joined = ConsentRecord.objects.filter(
        order_number=str(order.number), consent=Consent.GDPR, given=True
    )
    if not joined.exists():
        return None
    return joined.exclude(member_id="").values_list("member_id", flat=True).first() or ""


def _member(entry: OutboxEntry, order) -> tuple[str, bool]:
    """The member to send to and whether they allow order history; Skip when not a member."""
    member_id = entry.member_id or order_member_id(order, entry.store_id)
    if member_id is None:
        raise Skip("The buyer is not a member of the loyalty club.")
    if member_id == "":  # a guest who ticked "join": sent once the phone's owner has joined
        from .guests import guest_member_id

        member_id = guest_member_id(order)  # or Skip / NotReady, with the true reason
    try:
        member = get_client(entry.store_id or None).get_member(member_id)
    except DillerNotFound as exc:
        raise Skip("The member no longer exists at Diller.") from exc
    consent = member.consent
    if consent is None or not consent.gdpr_accepted:
        raise Skip("The member has not accepted the terms (gdpr_accepted).")
    entry.member_id = member_id
    return member_id, bool(consent.save_order_history)


def _payments(facts: OrderFacts, total: Decimal) -> list[dict]:
    """The payment methods, each scaled to ``total`` when only part of the order is sent."""
    paid = sum((amount for _method, amount in facts.payments), ZERO)
    if not facts.payments or not paid:
        return [{"payment_method": "Unknown", "sub_total": str(total)}]
    parts = [
        {"payment_method": method, "sub_total": str(money(amount * total / paid))}
        for method, amount in facts.payments
    ]
    rounding = total - sum((Decimal(p["sub_total"]) for p in parts), ZERO)
    parts[-1]["sub_total"] = str(Decimal(parts[-1]["sub_total"]) + rounding)
    return parts


def _body(
    facts: OrderFacts,
    external_id: str,
    quantities: dict[str, int],
    *,
    with_details: bool,
    loyalty: bool = True,
    less: Decimal = ZERO,
) -> dict:
    """A transaction body for ``quantities`` of the order's lines (negative for a return).

    ``less``: an amount returned without naming lines; such a body carries totals only.
    """
    total = total_tax = discount = ZERO
    details = []
    for line in facts.lines:
        quantity = quantities.get(line.key, 0)
        if not quantity:
            continue
        line_total = money(line.total_for(quantity))  # as the detail says, so they add up
        total += line_total
        total_tax += line.tax_in(line_total)
        discount += quantity * line.unit_price - line_total
        details.append(line.detail(quantity, loyalty=loyalty))
    if less:
        share = (total - less) / total if total else ZERO
        total, total_tax, discount = total - less, total_tax * share, discount * share
        with_details = False
    total = money(total)
    body = {
        "external_id": external_id,
        "created_at": facts.placed_at,
        "total": str(total),
        "total_tax": str(money(total_tax)),
        "total_discount": str(money(discount)),
        "currency": facts.currency,
        "payment_details": _payments(facts, total),
        **placement(),
    }
    if with_details:
        body["details"] = details
    codes, cards = facts.purchase_loyalty(quantities, less)
    if loyalty and codes:
        body["coupon_codes"] = list(codes)
    if loyalty and cards:
        body["stamp_cards"] = [card.model_dump(mode="json", exclude_none=True) for card in cards]
    return body


def _order(entry: OutboxEntry):
    try:
        return Order.objects.get(number=entry.order_number)
    except Order.DoesNotExist as exc:
        raise Skip("The order no longer exists in the shop.") from exc


def _everything(facts: OrderFacts) -> dict[str, int]:
    return {line.key: line.quantity for line in facts.lines}


def transaction_body(kind: str) -> Callable[[OrderBody], OrderBody]:
    """Register ``build(entry, order)`` as the builder of ``kind``'s transaction body; the
    shop's adapter adjusts the body it returns."""

    def decorate(build: OrderBody) -> OrderBody:
        @builder(kind)
        def adjusted(entry: OutboxEntry) -> dict:
            order = _order(entry)
            return get_adapter().adjust_transaction_payload(build(entry, order), order, entry.kind)

        return build

    return decorate


@transaction_body(Kind.SEND_TRANSACTION)
def purchase(entry: OutboxEntry, order) -> dict:
    _member_id, history = _member(entry, order)
    facts = order_facts(order)
    return _body(facts, entry.external_id, _everything(facts), with_details=history)


@builder(Kind.CANCEL_TRANSACTION)
def cancellation(entry: OutboxEntry) -> dict:
    origin = placement()["origin"]
    return {"reason": "Order cancelled or returned in the web shop", "origin": origin}


def _kept(facts: OrderFacts, returned: Returned) -> dict[str, int]:
    kept = {}
    for line in facts.lines:
        quantity = line.quantity - returned.lines.get(line.key, 0)
        if quantity > 0:
            kept[line.key] = quantity
    return kept


def _nothing_kept(facts: OrderFacts, returned: Returned) -> bool:
    """Do the returns ``returned`` leave the buyer nothing? No goods (shipping and surcharges
    alone are no purchase), or nothing paid once the amounts returned without lines are off."""
    if returned.everything:
        return True
    kept = _kept(facts, returned)
    goods = [key for key in kept if key.isdigit()]  # order lines, not shipping or surcharges
    kept_total = sum((facts.line(key).total_for(q) for key, q in kept.items()), ZERO)
    return not goods or kept_total - returned.amount <= 0


@transaction_body(Kind.RESEND_REMAINDER)
def remainder(entry: OutboxEntry, order) -> dict:
    """What the buyer kept after every return so far, as a new transaction."""
    _member_id, history = _member(entry, order)
    facts = order_facts(order)
    returned = returned_before(order, entry)
    if _nothing_kept(facts, returned):
        raise Skip("Nothing was kept: the cancel was the whole correction.")
    kept = _kept(facts, returned)
    return _body(facts, entry.external_id, kept, with_details=history, less=returned.amount)


def _returned_goods(entry: OutboxEntry, order):
    """The order's facts, the member's order-history consent, what the entry's cause
    returned, and the returned quantities per line."""
    _member_id, history = _member(entry, order)
    facts = order_facts(order)
    returned = returned_by(order, entry.source)
    quantities = _everything(facts) if returned.everything else returned.lines
    return facts, history, returned, {key: q for key, q in quantities.items() if q}


def _amount_only(body: dict, amount: Decimal) -> dict:
    """The order's totals cut down to ``amount`` returned without naming lines."""
    total = Decimal(body["total"])
    share = amount / total if total else ZERO
    return {
        "total": str(money(amount)),
        "total_tax": str(money(Decimal(body["total_tax"]) * share)),
        "total_discount": "0.00",
    }


@transaction_body(Kind.RETURN_TRANSACTION)
def negative_return(entry: OutboxEntry, order) -> dict:
    """Goods returned from an order Diller never received: negative quantities and totals."""
    facts, history, returned, quantities = _returned_goods(entry, order)
    if returned.amount and not quantities:
        body = _body(facts, entry.external_id, _everything(facts), with_details=False)
        totals = _amount_only(body, returned.amount)
        body.update({key: str(-Decimal(value)) for key, value in totals.items()})
        body["payment_details"] = _payments(facts, Decimal(body["total"]))
        body.pop("coupon_codes", None)
        body.pop("stamp_cards", None)
        return body
    if not quantities:
        raise Skip("The return names nothing to take back.")
    negative = {key: -quantity for key, quantity in quantities.items()}
    return _body(facts, entry.external_id, negative, with_details=history, loyalty=False)


def _cancel_instead(refund: OutboxEntry) -> Skip:
    """The whole order came back: queue the cancel of the refund's transaction, which gives
    the coupons and stamps back too; the refund itself is skipped."""
    from .triggers import cancel_instead_of_refund

    cancel = cancel_instead_of_refund(refund)
    return Skip(f"The whole order came back: its transaction is cancelled (entry #{cancel.pk}).")


def _rest(facts: OrderFacts, earlier: Returned) -> dict[str, int]:
    """What the transaction holds after the refunds before: shipping and surcharges too."""
    rest = {line.key: line.quantity - earlier.lines.get(line.key, 0) for line in facts.lines}
    return {key: quantity for key, quantity in rest.items() if quantity > 0}


def _refunded(
    facts: OrderFacts, external_id: str, quantities: dict[str, int], less: Decimal = ZERO
) -> tuple[dict, list]:
    """The totals and details of a refund of ``quantities`` (less an amount without lines)."""
    transaction = _body(facts, external_id, quantities, with_details=True, loyalty=False, less=less)
    totals = {key: transaction[key] for key in ("total", "total_tax", "total_discount")}
    return totals, transaction.get("details", [])


def _completing(entry: OutboxEntry, facts: OrderFacts, earlier: Returned) -> tuple[dict, list]:
    """The refund of the return that, with the refunds before it (``earlier``), brings back
    the whole order. A refund of its lines would leave at Diller the points of the shipping and
    the coupons and stamps the order used:

    * no refund went before: the transaction is cancelled instead (Diller's guide for a whole
      return), which takes every point and gives the coupons and stamps back;
    * refunds went before, or may still go (they do not wait for one another): this one
      refunds everything the transaction still holds, shipping and surcharges too. Diller's
      contract does not say whether a cancel after refunds takes back only what is left or
      the whole purchase again, nor whether it is allowed at all: the member's points are
      kept right with refunds alone, and the coupons and stamps stay used, as with every
      refund.
    """
    if not taking_refunds(entry.depends_on).filter(pk__lt=entry.pk).exists():
        raise _cancel_instead(entry)
    return _refunded(facts, entry.external_id, _rest(facts, earlier), earlier.amount)


@transaction_body(Kind.REFUND)
def partial_refund(entry: OutboxEntry, order) -> dict:
    """Diller's partial refund of the transaction it follows (points only); when this return
    completes the order, see :func:`_completing`.

    The returned quantities are read here, when the refund is first sent, and not when the
    return is recorded: Oscar saves an event's line quantities after the event.
    """
    facts, history, returned, quantities = _returned_goods(entry, order)
    earlier = refunded_before(order, entry)
    if _nothing_kept(facts, earlier):  # the last of them refunded everything it held
        raise Skip("The refunds before this one took back the whole purchase.")
    so_far = Returned()
    so_far.add(earlier)
    so_far.add(returned)
    if _nothing_kept(facts, so_far):
        body, details = _completing(entry, facts, earlier)
    elif returned.amount and not quantities:
        whole = _body(facts, entry.external_id, _everything(facts), with_details=False)
        body, details = _amount_only(whole, returned.amount), []
    else:
        body, details = _refunded(facts, entry.external_id, quantities)
    if Decimal(body["total"]) <= 0:
        raise Skip("The return names nothing to refund.")
    body.update(
        external_id=entry.external_id,
        reason="Return in the web shop",
        created_at=timezone.now().isoformat(),
        currency=facts.currency,
        payment_details=_payments(facts, Decimal(body["total"])),
        **placement(),
    )
    if history and details:
        body["details"] = details
    return body
