"""The discount engine as it was before coupon placement was indexed: the oracle the
equivalence test compares the engine with. It re-values every pending coupon over every line
each round (coupons squared times lines), so it is kept here only as a specification, never
used by the shop. The rules are documented in ``django_diller.discounts.engine``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django_diller.discounts.model import (
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
from django_diller.discounts.rounding import CENT, allocate, round_money

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


def _in_minor_units(line: BasketLine, minor_unit: Decimal) -> BasketLine:
    """The line with its price and shop discount rounded half-up to the minor unit (and the
    shop discount at most the line's value), so that every amount the engine splits is made
    of whole minor units and every split adds up exactly."""
    price = round_money(line.unit_price, minor_unit)
    shop_discount = line.shop_discount
    if shop_discount:
        shop_discount = min(round_money(shop_discount, minor_unit), price * line.quantity)
    if price == line.unit_price and shop_discount == line.shop_discount:
        return line
    return replace(line, unit_price=price, shop_discount=shop_discount)


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
def _freeable(state: _LineState) -> int:
    """Units of the line a stamp card may make free: untouched by any discount, paid for (a
    zero-priced unit such as a free sample is no reward), and still charged in full."""
    price, units = state.line.unit_price, state.free_units
    if price <= 0 or units <= 0:
        return 0
    if state.value_left >= price * units:
        return units
    return max(0, int(state.value_left // price))


def _card_outcome(card: StampCardOffer, units: int, freeable: int) -> tuple[int, int, bool]:
    """(stamps collected, free units, whether the first free unit earned no stamp) for a card
    over ``units`` matching units of which ``freeable`` may be made free.

    A basket has no order of its own, so the engine stamps in the order that serves the member:
    the units that cannot be free fill the card first, and each time it is one stamp short the
    next unit stamped is one that may be free. Every matching unit earns a stamp until a card
    that cannot give its reward is full or a non-restartable card is used up.
    """
    remaining = max(0, card.required_stamps - card.stamps_collected)
    collected = rewards = 0
    others = units - freeable
    unstamped_first = False
    if remaining == 0:  # the card came full: its reward takes no stamp
        if freeable == 0:
            return 0, 0, False
        rewards, units, freeable, unstamped_first = 1, units - 1, freeable - 1, True
        if not card.is_restartable:
            return 0, 1, True
        remaining = card.required_stamps
    while units >= remaining and freeable > 0:
        fillers_from_others = min(others, remaining - 1)
        others -= fillers_from_others
        freeable -= remaining - fillers_from_others  # the rest of the fillers and the reward
        units -= remaining
        collected += remaining
        rewards += 1
        if not card.is_restartable:
            return collected, rewards, unstamped_first
        remaining = card.required_stamps
    return collected + min(units, remaining), rewards, unstamped_first


def _dearest_free_units(states: list[_LineState], capacity: dict[str, int], rewards: int):
    """line id -> units made free: the dearest that may be free (ties: the first line id)."""
    free_per_line: dict[str, int] = {}
    if rewards == 0:
        return free_per_line
    for state in sorted(states, key=lambda s: (-s.line.unit_price, s.line.line_id)):
        if rewards == 0:
            break
        if take := min(rewards, capacity[state.line.line_id]):
            free_per_line[state.line.line_id] = take
            rewards -= take
    return free_per_line


def _stamps_per_line(
    states: list[_LineState], free_per_line: dict[str, int], collected: int, unstamped_first: bool
) -> dict[str, int]:
    """line id -> stamps earned. Each free unit earned the stamp that completed its card (but
    the reward of a card that came full); the other stamps go to the other units, cheapest
    first (all of them unless a full card or a used-up one stopped the stamping)."""
    stamps = dict(free_per_line)
    if unstamped_first:
        stamps[next(iter(free_per_line))] -= 1
    fillers = collected - sum(stamps.values())
    others = [(s, s.line.quantity - free_per_line.get(s.line.line_id, 0)) for s in states]
    if fillers < sum(count for _, count in others):
        others.sort(key=lambda pair: (pair[0].line.unit_price, pair[0].line.line_id))
    for state, count in others:
        if fillers == 0:
            break
        line_id = state.line.line_id
        take = min(fillers, count)
        stamps[line_id] = stamps.get(line_id, 0) + take
        fillers -= take
    return stamps


def _apply_standard_card(card: StampCardOffer, work: _Work):
    states = work.matching(card.product_ids) if card.product_ids else []
    capacity = {s.line.line_id: _freeable(s) for s in states}
    units = sum(s.line.quantity for s in states)
    collected, rewards, unstamped_first = _card_outcome(card, units, sum(capacity.values()))
    free_per_line = _dearest_free_units(states, capacity, rewards)
    stamps_per_line = _stamps_per_line(states, free_per_line, collected, unstamped_first)

    line_stamps = []
    for state in states:
        line_id = state.line.line_id
        free = free_per_line.get(line_id, 0)
        stamps = stamps_per_line.get(line_id, 0)
        if free:
            state.free_units -= free
            state.value_left -= state.line.unit_price * free
            work.discounts.append(
                LineDiscount(
                    line_id=line_id,
                    source="stamp_card",
                    reference=str(card.card_id),
                    units=free,
                    amount=state.line.unit_price * free,
                )
            )
        if stamps or free:
            line_stamps.append(
                LineStamps(line_id, card.card_id, stamps, free * card.required_stamps)
            )
    deducted = rewards * card.required_stamps
    return StampMovement(card.card_id, collected, deducted, rewards), line_stamps


def _threshold_stamps(
    cards: list[StampCardOffer], lines: list[BasketLine], loyalty_discount: Decimal
) -> list[StampMovement]:
    """One stamp per threshold card the eligible goods reach after every discount. Only
    eligible lines count (a gift card earns nothing); loyalty discounts are only ever on them."""
    eligible_goods = (line.gross - line.shop_discount for line in lines if line.eligible)
    paid = sum(eligible_goods, ZERO) - loyalty_discount
    return [
        StampMovement(card.card_id, collected=1, deducted=0, rewards=0)
        for card in cards
        if paid > 0 and paid >= (card.threshold_amount or ZERO)
    ]


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


def reference_plan_discounts(
    lines: Iterable[BasketLine],
    coupons: Iterable[CouponOffer] = (),
    stamp_cards: Iterable[StampCardOffer] = (),
    *,
    now: datetime,
    shipping_charge: Decimal = ZERO,
    minor_unit: Decimal = CENT,
) -> DiscountPlan:
    """The plan the engine gave before its coupon placement was indexed."""
    lines = [_in_minor_units(line, minor_unit) for line in lines]
    shipping_charge = round_money(shipping_charge, minor_unit)
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
    if threshold_cards:
        movements.extend(_threshold_stamps(threshold_cards, lines, line_discount_total))

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
