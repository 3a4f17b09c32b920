"""Transactions: create, cancel (full reversal), partial refund.

Idempotency
    ``external_id`` is unique per store. A second ``createTransaction`` with an ``external_id``
    that already exists (even a cancelled one) is NOT applied again. Refunds are idempotent the
    same way on their own ``external_id`` when one is given, and a second cancel of a transaction
    changes nothing. How that is answered is the sandbox's ``duplicate_answer`` setting, since
    the contract allows any of them:

    * ``"200-text"`` (default): HTTP 200 ``{"is_ok": false, "details": "Duplicate external_id:
      a transaction with this external_id already exists."}`` (a cancel: "Transaction … is
      already cancelled.");
    * ``"409"``: HTTP 409 Conflict problem details with that text as ``detail``;
    * ``"400-problem"``: HTTP 400 problem details whose ``errors`` name the id
      (``external_id``, or ``externalTransactionId`` for a cancel).

    Clients treat each as "already received", which makes a retry after a timeout or dropped
    connection safe.

All or nothing
    A transaction is checked completely before anything changes: the member must have accepted
    GDPR, the currency must be the store's, every coupon must be usable by this member for this
    order (a coupon reserved for this ``external_id`` stays usable even if it expired since),
    every stamp card known, usable and holding enough stamps for a deduction. Any refusal is
    ``is_ok: false`` with the reason, and nothing is applied.

Effects
    * Points: ``(total - total_price of non-eligible lines) * currency_points_ratio``, rounded
      toward zero (see :mod:`..loyalty`). Negative totals (a return whose original is unknown)
      take points back.
    * Coupons (top level and per line, deduplicated): ``times_redeemed += 1``, reservation ended.
    * Stamp cards (top level and per line; the obsolete ``stamp_card_ids`` count as one
      ``collected`` each). Reported at both levels, as Diller's own modules send them, the top
      level sums up the lines: per card and action the larger of the two counts is applied, so
      no stamp counts twice. All ``collected`` reports are applied before ``deducted`` ones, so a
      purchase can both earn the last stamp and take the reward. A threshold card earns one stamp
      per transaction whose total reaches ``threshold_amount``, whatever the count. A deduction on
      a non-restartable card completes it (it is no longer listed for the member).

Cancel reverses exactly what the transaction applied, net of refunds, or, with the sandbox's
``cancel_after_refunds = "whole"``, the whole purchase's points again (the contract does not say
which). A refund (``total`` =
the amount refunded, positive) takes back its points, capped at what the transaction still
holds, ignores coupons and stamps, and may not exceed the original total in sum.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from .. import render
from ..codec import parse_datetime
from ..loyalty import change_points, points_for
from ..problems import field_error, not_found
from ..state import Refund, StampCard, StampChange, Store, Transaction
from . import coupons, stamps
from .base import Context, Handler, answer_no, check_department, required_text
from .non_eligible import is_non_eligible

DUPLICATE = "Duplicate external_id: a transaction with this external_id already exists."
DUPLICATE_REFUND = "Duplicate external_id: a refund with this external_id already exists."
NO_GDPR = "The member has not accepted the terms (GDPR); the transaction was not registered."
COLLECTED, DEDUCTED = "collected", "deducted"


class Refusal(Exception):
    """A business refusal found while checking a transaction."""


def already_have(ctx: Context, field: str, detail: str) -> dict[str, Any]:
    """The answer to a write the store already has, in the configured ``duplicate_answer``
    style; ``field`` is the wire name of the id that says so."""
    return answer_no(ctx.settings.duplicate_answer, field, detail)


def _amount(data: dict[str, Any], name: str) -> Decimal:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise field_error(name, "This field is required.")
    return Decimal(value)


def _coupon_codes(data: dict[str, Any]) -> list[str]:
    codes = list(data.get("coupon_codes") or [])
    for detail in data.get("details") or []:
        codes.extend(detail.get("coupon_codes") or [])
    unique: dict[str, str] = {}
    for code in codes:
        unique.setdefault(code.strip().upper(), code.strip())
    return list(unique.values())


def _reports_of(holder: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        *(holder.get("stamp_cards") or []),
        *(
            {"stamp_card_id": card_id, "action": COLLECTED, "count": 1}
            for card_id in holder.get("stamp_card_ids") or []
        ),
    ]


def _counts(reports: list[dict[str, Any]]) -> dict[tuple[Any, str], int] | None:
    """Stamps per card and action; None when a report is malformed (the checks refuse it)."""
    counts: dict[tuple[Any, str], int] = defaultdict(int)
    for report in reports:
        count = report.get("count")
        count = 1 if count is None else count
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            return None
        action = str(report.get("action") or "").strip().lower()
        counts[report.get("stamp_card_id"), action] += count
    return counts


def _stamp_reports(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The stamps a transaction reports; on both levels, the top level sums up the lines."""
    top = _reports_of(data)
    lines = [report for detail in data.get("details") or [] for report in _reports_of(detail)]
    top_counts, line_counts = _counts(top), _counts(lines)
    if not top or not lines or top_counts is None or line_counts is None:
        return top + lines
    merged = []
    for card_id, action in dict.fromkeys([*top_counts, *line_counts]):
        count = max(top_counts[card_id, action], line_counts[card_id, action])
        merged.append({"stamp_card_id": card_id, "action": action, "count": count})
    return merged


def _line_total(detail: dict[str, Any]) -> Decimal:
    if detail.get("total_price") is not None:
        return Decimal(detail["total_price"])
    quantity = Decimal(detail.get("quantity") or 0)
    return quantity * Decimal(detail.get("unit_price") or 0) - Decimal(detail.get("discount") or 0)


def _eligible_amount(ctx: Context, data: dict[str, Any], total: Decimal) -> Decimal:
    excluded = sum(
        (
            _line_total(detail)
            for detail in data.get("details") or []
            if is_non_eligible(ctx.store, detail.get("product") or {}, ctx.now)
        ),
        Decimal(0),
    )
    return total - excluded


def _stamp_deltas(
    ctx: Context, member_id: str, external_id: str, total: Decimal, data: dict[str, Any]
) -> tuple[dict[int, int], set[int]]:
    """Net stamp change per card and the cards with a deduction; raises :class:`Refusal`."""
    store = ctx.store
    collected: dict[int, int] = defaultdict(int)
    deducted: dict[int, int] = defaultdict(int)
    threshold_seen: set[int] = set()
    for report in _stamp_reports(data):
        card = store.stamp_cards.get(report.get("stamp_card_id"))
        if card is None:
            raise Refusal(f"Unknown stamp card {report.get('stamp_card_id')!r}.")
        action = str(report.get("action") or "").strip().lower()
        count = report.get("count")
        count = 1 if count is None else count
        if action not in (COLLECTED, DEDUCTED):
            raise Refusal(f"Stamp card {card.id}: action must be 'collected' or 'deducted'.")
        if count < 1:
            raise Refusal(f"Stamp card {card.id}: count must be at least 1.")
        reason = stamps.refusal(card, member_id, ctx.now, external_id)
        if reason is not None:
            raise Refusal(reason)
        if action == DEDUCTED:
            deducted[card.id] += count
        elif card.is_threshold:
            if card.id not in threshold_seen and _reaches(card, total):
                collected[card.id] += 1
            threshold_seen.add(card.id)
        else:
            collected[card.id] += count
    deltas: dict[int, int] = {}
    for card_id in {*collected, *deducted}:
        card = store.stamp_cards[card_id]
        available = card.stamps_of(member_id) + collected[card_id]
        if deducted[card_id] > available:
            raise Refusal(
                f"Stamp card {card_id} has {available} stamp(s); cannot deduct {deducted[card_id]}."
            )
        deltas[card_id] = collected[card_id] - deducted[card_id]
    return deltas, {card_id for card_id, count in deducted.items() if count}


def _reaches(card: StampCard, total: Decimal) -> bool:
    return card.threshold_amount is not None and total >= card.threshold_amount


def create(ctx: Context) -> dict[str, Any]:
    store, member = ctx.store, ctx.member()
    data = ctx.json_object()
    external_id = required_text(data, "external_id")
    total = _amount(data, "total")
    check_department(store, data.get("department_id"), "department_id")
    check_department(store, (data.get("origin") or {}).get("department_id"), "origin.department_id")
    if external_id in store.transactions:
        return already_have(ctx, "external_id", DUPLICATE)
    if not member.consent.gdpr_accepted:
        return render.action(False, NO_GDPR)
    currency = data.get("currency")
    if currency and currency.upper() != store.currency:
        return render.action(False, f"Currency {currency} is not the store's ({store.currency}).")
    codes = _coupon_codes(data)
    for code in codes:
        reason = coupons.refusal(store.coupon(code), member.id, ctx.now, external_id)
        if reason is not None:
            return render.action(False, f"Coupon {code}: {reason}")
    try:
        deltas, deducted = _stamp_deltas(ctx, member.id, external_id, total, data)
    except Refusal as refusal:
        return render.action(False, str(refusal))

    created_at = parse_datetime(data["created_at"]) if data.get("created_at") else ctx.now
    transaction = Transaction(external_id, member.id, total, created_at, ctx.now, data)
    transaction.points_delta = change_points(
        store, member, points_for(store, _eligible_amount(ctx, data, total)), ctx.now
    )
    for code in codes:
        coupon = store.coupon(code)
        if coupon is not None:
            coupon.redemptions[member.id] = coupon.times_redeemed(member.id) + 1
            coupon.reservations.pop(member.id, None)
            transaction.coupon_codes.append(coupon.code)
    for card_id, delta in deltas.items():
        transaction.stamp_changes.append(_apply_stamps(store, member.id, card_id, delta, deducted))
    store.transactions[external_id] = transaction
    return render.action(
        True,
        f"Transaction {external_id} registered: {transaction.points_delta} point(s), "
        f"{len(transaction.coupon_codes)} coupon(s) redeemed.",
    )


def _apply_stamps(
    store: Store, member_id: str, card_id: int, delta: int, deducted: set[int]
) -> StampChange:
    card = store.stamp_cards[card_id]
    card.stamps[member_id] = card.stamps_of(member_id) + delta
    card.reservations.pop(member_id, None)
    marked = card_id in deducted and not card.is_restartable and member_id not in card.used_up
    if marked:
        card.used_up.add(member_id)
    return StampChange(card_id, delta, marked)


def cancel(ctx: Context) -> dict[str, Any]:
    store = ctx.store
    data = ctx.json_object()
    external_id = ctx.path["externalTransactionId"]
    transaction = store.transactions.get(external_id)
    if transaction is None:
        raise not_found(f"Transaction {external_id!r} not found.")
    if transaction.is_cancelled:
        return already_have(
            ctx, "externalTransactionId", f"Transaction {external_id} is already cancelled."
        )
    member = store.members.get(transaction.member_id)
    reversed_points = 0
    if member is not None:
        refunded = transaction.refunded_points if ctx.settings.cancel_after_refunds == "net" else 0
        net = transaction.points_delta - refunded
        reversed_points = -change_points(store, member, -net, ctx.now)
    for code in transaction.coupon_codes:
        coupon = store.coupon(code)
        if coupon is not None:
            coupon.redemptions[transaction.member_id] = max(
                0, coupon.times_redeemed(transaction.member_id) - 1
            )
    for change in transaction.stamp_changes:
        card = store.stamp_cards.get(change.card_id)
        if card is None:
            continue
        card.stamps[transaction.member_id] = max(
            0, card.stamps_of(transaction.member_id) - change.delta
        )
        if change.marked_used_up:
            card.used_up.discard(transaction.member_id)
    transaction.cancelled_at = ctx.now
    transaction.cancel_request = data
    return render.action(
        True, f"Transaction {external_id} cancelled: {reversed_points} point(s) reversed."
    )


def refund(ctx: Context) -> dict[str, Any]:
    store, member = ctx.store, ctx.member()
    data = ctx.json_object()
    original_id = ctx.path["transactionId"]
    original = store.transactions.get(original_id)
    if original is None or original.member_id != member.id:
        raise not_found(f"Transaction {original_id!r} not found for this member.")
    total = _amount(data, "total")
    refund_id = data.get("external_id")
    if refund_id and any(r.external_id == refund_id for r in store.refunds):
        return already_have(ctx, "external_id", DUPLICATE_REFUND)
    if original.is_cancelled:
        return render.action(False, f"Transaction {original_id} is cancelled.")
    if total <= 0:
        return render.action(False, "The refund total must be positive (the amount refunded).")
    if original.refunded_total + total > original.total:
        return render.action(
            False,
            f"Refunds would exceed the original total of {original.total} "
            f"({original.refunded_total} already refunded).",
        )
    holding = max(0, original.points_delta - original.refunded_points)
    applied = change_points(store, member, -min(points_for(store, total), holding), ctx.now)
    record = Refund(original_id, member.id, total, applied, ctx.now, refund_id, data)
    original.refunds.append(record)
    store.refunds.append(record)
    return render.action(True, f"Refund registered: {-applied} point(s) taken back.")


HANDLERS: dict[str, Handler] = {
    "createTransaction": create,
    "cancelTransaction": cancel,
    "createRefundTransaction": refund,
}
