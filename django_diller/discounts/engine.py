"""The calculation: which units each coupon and stamp card takes, and how much.

The rules (Diller's guide, as implemented here):

1. A unit carries at most one discount. A unit the shop's own offers already discounted, a unit
   a stamp card made free, and a unit a coupon took are not discounted again (no percentage on
   a discounted item; in a mixed basket the coupon applies to the other items only). Lines that
   are not eligible (gift cards, other non-eligible products) take no loyalty discount.
2. Stamp cards go first: every matching unit earns a stamp; when a card's stamps still needed
   reach zero, the next matching undiscounted unit (the one that completed it, when it can) is
   free and ``required_stamps`` are deducted. A restartable card counts again from zero and may
   give several free units in one basket; a non-restartable card gives one and is used up.
   Units are taken cheapest first, so the unit that completes a card is the dearest.
3. Coupons with product ids apply by themselves to those products; whole-purchase coupons only
   when the shopper chose them. Product coupons are placed first, then whole-purchase ones; within
   each group the coupon worth most on the units still free goes first (ties by code), so the
   order in which coupons are given never changes the plan.
4. A percentage is rounded once, half-up to the minor unit, on the coupon's total; a fixed amount
   is capped at the value of the units it may discount. Either is spread over its lines in
   proportion to their value with the largest-remainder method, so the line parts add up to the
   coupon's amount to the cent.
5. Free shipping takes the whole shipping charge; one such coupon per order. A threshold stamp
   card earns one stamp when the goods cost at least its threshold after all discounts.
6. Expired, not-yet-valid and used-up coupons are refused with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .model import (
    BasketLine,
    CouponOffer,
    DiscountKind,
    DiscountPlan,
    LineDiscount,
    LineStamps,
    Refusal,
    RefusalReason,
    StampCardOffer,
    StampMovement,
)
from .rounding import CENT, allocate, round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass
class _LineState:
    line: BasketLine
    free_units: int  # units no discount has touched yet
    value_left: Decimal  # what the shop still charges for the line, minus loyalty discounts

    def free_value(self) -> Decimal:
        """What a coupon may discount on this line (never more than is still charged)."""
        return min(self.line.unit_price * self.free_units, self.value_left)


@dataclass
class _Work:
    lines: list[_LineState]
    minor_unit: Decimal
    discounts: list[LineDiscount] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    coupon_amounts: dict[str, Decimal] = field(default_factory=dict)

    def matching(self, product_ids: frozenset[str]) -> list[_LineState]:
        return [
            s
            for s in self.lines
            if s.line.eligible and (not product_ids or s.line.product_id in product_ids)
        ]


def _validity(valid_from: datetime | None, valid_to: datetime | None, now: datetime):
    if valid_from is not None and now < valid_from:
        return RefusalReason.NOT_YET_VALID
    if valid_to is not None and now > valid_to:
        return RefusalReason.EXPIRED
    return None


def _coupon_problem(coupon: CouponOffer, now: datetime) -> RefusalReason | None:
    if coupon.kind == DiscountKind.NOT_DEFINED:
        return RefusalReason.UNSUPPORTED
    if reason := _validity(coupon.valid_from, coupon.valid_to, now):
        return reason
    if coupon.max_redemptions and coupon.times_redeemed >= coupon.max_redemptions:
        return RefusalReason.USED_UP
    if coupon.whole_purchase and not coupon.chosen:
        return RefusalReason.NOT_CHOSEN
    return None


# Stamp cards ---------------------------------------------------------------------------------
def _units_cheapest_first(states: Iterable[_LineState]):
    """(state, free-able?) for every unit; within a line the already discounted units first."""
    for state in sorted(states, key=lambda s: (s.line.unit_price, s.line.line_id)):
        taken = state.line.quantity - state.free_units
        for index in range(state.line.quantity):
            yield state, index >= taken


def _apply_standard_card(card: StampCardOffer, work: _Work):
    remaining = max(0, card.required_stamps - card.stamps_collected)
    collected = deducted = rewards = 0
    per_line: dict[str, list[int]] = {}
    free_per_line: dict[str, int] = {}
    states = [s for s in work.matching(card.product_ids) if card.product_ids]
    for state, free_able in _units_cheapest_first(states):
        line_id = state.line.line_id
        counts = per_line.setdefault(line_id, [0, 0])
        if remaining > 0:
            remaining -= 1
            collected += 1
            counts[0] += 1
        # A free-able unit is free once its own stamp (or an earlier one) completed the card.
        already_free = free_per_line.get(line_id, 0)
        affordable = state.value_left >= state.line.unit_price * (already_free + 1)
        if remaining == 0 and free_able and state.free_units > already_free and affordable:
            free_per_line[line_id] = free_per_line.get(line_id, 0) + 1
            deducted += card.required_stamps
            counts[1] += card.required_stamps
            rewards += 1
            if not card.is_restartable:
                break
            remaining = card.required_stamps
    for state in states:
        free = free_per_line.get(state.line.line_id, 0)
        if free:
            state.free_units -= free
            state.value_left -= state.line.unit_price * free
            work.discounts.append(
                LineDiscount(
                    line_id=state.line.line_id,
                    source="stamp_card",
                    reference=str(card.card_id),
                    units=free,
                    amount=state.line.unit_price * free,
                )
            )
    line_stamps = [
        LineStamps(line_id, card.card_id, c, d) for line_id, (c, d) in per_line.items() if c or d
    ]
    return StampMovement(card.card_id, collected, deducted, rewards), line_stamps


# Coupons ---------------------------------------------------------------------------------------
def _coupon_value(coupon: CouponOffer, states: list[_LineState], minor_unit: Decimal) -> Decimal:
    base = sum((s.free_value() for s in states), ZERO)
    if base <= 0:
        return ZERO
    if coupon.kind == DiscountKind.PERCENTAGE:
        percent = min(max(coupon.value, ZERO), HUNDRED)
        return round_money(base * percent / HUNDRED, minor_unit)
    return min(round_money(max(coupon.value, ZERO), minor_unit), base)


def _apply_coupon(coupon: CouponOffer, amount: Decimal, work: _Work) -> None:
    states = [s for s in work.matching(coupon.product_ids) if s.free_value() > 0]
    weights = [s.free_value() for s in states]
    for state, part in zip(states, allocate(amount, weights, work.minor_unit), strict=True):
        state.value_left -= part
        work.discounts.append(
            LineDiscount(
                line_id=state.line.line_id,
                source="coupon",
                reference=coupon.code,
                units=state.free_units,
                amount=part,
            )
        )
        state.free_units = 0  # every unit that shares the coupon counts as discounted
    work.coupon_amounts[coupon.code] = amount


def _place_coupons(group: list[CouponOffer], work: _Work) -> None:
    """Greedy: the coupon worth most on what is still free goes first."""
    pending = sorted(group, key=lambda c: c.code)
    while pending:
        values = [
            (_coupon_value(c, work.matching(c.product_ids), work.minor_unit), c) for c in pending
        ]
        best_value, best = min(values, key=lambda pair: (-pair[0], pair[1].code))
        if best_value <= 0:
            work.refused.extend(
                Refusal(c.code, RefusalReason.NOTHING_LEFT_TO_DISCOUNT) for c in pending
            )
            return
        _apply_coupon(best, best_value, work)
        pending.remove(best)


def plan_discounts(
    lines: Iterable[BasketLine],
    coupons: Iterable[CouponOffer] = (),
    stamp_cards: Iterable[StampCardOffer] = (),
    *,
    now: datetime,
    shipping_charge: Decimal = ZERO,
    minor_unit: Decimal = CENT,
) -> DiscountPlan:
    """The discounts Diller's rules give this basket (see the module docstring)."""
    lines = list(lines)
    work = _Work(
        lines=[
            _LineState(line, line.free_units, line.gross - line.shop_discount) for line in lines
        ],
        minor_unit=minor_unit,
    )

    # Stamp cards first: a free unit is a discounted unit that no coupon may touch again.
    movements: list[StampMovement] = []
    line_stamps: list[LineStamps] = []
    threshold_cards: list[StampCardOffer] = []
    for card in sorted(stamp_cards, key=lambda c: c.card_id):
        if card.required_stamps <= 0 or _validity(card.valid_from, card.valid_to, now):
            continue
        if card.card_type == "threshold":
            threshold_cards.append(card)
            continue
        movement, stamps = _apply_standard_card(card, work)
        if movement.collected or movement.deducted:
            movements.append(movement)
            line_stamps.extend(stamps)

    usable: list[CouponOffer] = []
    for coupon in sorted(coupons, key=lambda c: c.code):
        if problem := _coupon_problem(coupon, now):
            work.refused.append(Refusal(coupon.code, problem))
        elif coupon.product_ids and not any(
            s.line.product_id in coupon.product_ids for s in work.lines if s.line.eligible
        ):
            work.refused.append(Refusal(coupon.code, RefusalReason.NO_MATCHING_PRODUCTS))
        else:
            usable.append(coupon)

    goods = [c for c in usable if c.kind != DiscountKind.FREE_SHIPPING]
    _place_coupons([c for c in goods if not c.whole_purchase], work)
    _place_coupons([c for c in goods if c.whole_purchase], work)

    shipping_discount, shipping_coupon = ZERO, None
    for coupon in (c for c in usable if c.kind == DiscountKind.FREE_SHIPPING):
        if shipping_charge <= 0:
            work.refused.append(Refusal(coupon.code, RefusalReason.NO_SHIPPING_CHARGE))
        elif shipping_coupon is None:
            shipping_discount, shipping_coupon = shipping_charge, coupon.code
        else:
            work.refused.append(Refusal(coupon.code, RefusalReason.NOTHING_LEFT_TO_DISCOUNT))

    goods_total = sum((line.gross - line.shop_discount for line in lines), ZERO)
    line_discount_total = sum((d.amount for d in work.discounts), ZERO)
    for card in threshold_cards:
        threshold = card.threshold_amount or ZERO
        if goods_total - line_discount_total >= threshold:
            movements.append(StampMovement(card.card_id, collected=1, deducted=0, rewards=0))

    return DiscountPlan(
        line_discounts=tuple(work.discounts),
        coupon_amounts=work.coupon_amounts,
        shipping_discount=shipping_discount,
        shipping_coupon=shipping_coupon,
        stamp_movements=tuple(sorted(movements, key=lambda m: m.card_id)),
        line_stamps=tuple(line_stamps),
        refused=tuple(sorted(work.refused, key=lambda r: r.code)),
        goods_total=goods_total,
        shipping_charge=shipping_charge,
        loyalty_discount=line_discount_total + shipping_discount,
    )
