"""The calculation: which units each coupon and stamp card takes, and how much.

The rules (Diller's guide, as implemented here):

1. A unit carries at most one discount. A unit the shop's own offers already discounted, a unit
   a stamp card made free, and a unit a coupon took are not discounted again (no percentage on
   a discounted item; in a mixed basket the coupon applies to the other items only). Lines that
   are not eligible (gift cards, other non-eligible products) take no loyalty discount.
2. Stamp cards go first. Every matching unit earns a stamp; when a card's stamps still needed
   reach zero, the unit that completed it is free (100 % off) and ``required_stamps`` are
   deducted. A basket has no order of its own, so the engine stamps the units in the order that
   serves the member: the unit that completes a card is the dearest matching unit that may
   still be free (one no discount touched, and never a zero-priced one such as a free sample;
   ties go to the earlier line id). A card that is full with no such unit in the basket keeps
   its stamps for a later purchase. A restartable card counts again from zero and may give
   several free units in one basket (the dearest ones); a non-restartable card gives one and is
   used up.
3. Coupons with product ids apply by themselves to those products; whole-purchase coupons only
   when the shopper chose them. Product coupons are placed first, then whole-purchase ones; within
   each group the coupon worth most on the units still free goes first (ties by code), so the
   order in which coupons are given never changes the plan.
4. A percentage is rounded once, half-up to the minor unit, on the coupon's total; a fixed amount
   is capped at the value of the units it may discount. Either is spread over its lines in
   proportion to their value with the largest-remainder method, so the line parts add up to the
   coupon's amount to the cent.
5. Free shipping takes the whole shipping charge; one such coupon per order. A threshold stamp
   card earns one stamp when the eligible goods cost at least its threshold (and more than
   nothing) after all discounts; non-eligible lines such as gift cards do not count.
6. Expired, not-yet-valid and used-up coupons are refused with the reason.
7. Prices, shop discounts and the shipping charge are rounded half-up to the currency's minor
   unit on the way in (a shop discount is at most its line's value), so every amount is made of
   whole minor units, no line is discounted below zero and every split adds up exactly. The
   plan's amounts are in terms of these rounded prices. The minor unit is a power of ten
   (0.01, 1, ...).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from .model import (
    DILLER,
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
from .rounding import CENT, round_money

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

# How it is fast: amounts are counted in whole minor units (ints); the lines are indexed by
# product; a coupon takes every free unit of its products, so each product is used up at most
# once and the coupons' worth is kept up to date instead of being summed over the basket each
# round. The plan's Decimals have the exponents plain Decimal sums of the rounded amounts have
# (``_decimal`` rebuilds them), so a plan reads the same as the sums would give.


class _LineState:
    """A line during planning. Amounts in minor units; the line's ids and quantity are kept
    beside it so the inner loops read one attribute, not two."""

    __slots__ = ("free_units", "line", "line_id", "price", "product_id", "quantity", "value_left")

    def __init__(self, line: BasketLine, price: int, value_left: int, free_units: int) -> None:
        self.line = line
        self.line_id = line.line_id
        self.product_id = line.product_id
        self.quantity = line.quantity
        self.price = price
        self.free_units = free_units  # units no discount has touched yet
        self.value_left = value_left  # what is still charged, minus loyalty discounts

    def free_value_exponent(self) -> int:
        """The exponent the line's free value has as a Decimal (its price's, or its charge's
        when that is less): what a sum of free values is written with."""
        price_exponent = _exponent(self.line.unit_price)
        if self.price * self.free_units <= self.value_left:
            return price_exponent
        return min(price_exponent, _exponent(self.line.gross - self.line.shop_discount))


@dataclass
class _Work:
    lines: list[_LineState]
    minor_unit: Decimal
    scale: int  # minor units per currency unit
    # product id -> positions (in basket order) of its eligible lines
    by_product: dict[str, list[int]]
    eligible_goods: int  # the eligible lines' charge, in minor units
    discounts: list[LineDiscount] = field(default_factory=list)
    discounted: int = 0  # the discounts' total, in minor units
    discount_exponent: int = 0  # the exponent of the discounts' total as a Decimal sum
    refused: list[Refusal] = field(default_factory=list)
    coupon_amounts: dict[str, Decimal] = field(default_factory=dict)
    other_providers: dict[str, str] = field(default_factory=dict)  # see DiscountPlan

    def positions(self, product_ids: Iterable[str]) -> list[int]:
        """Positions of the eligible lines of these products, in basket order."""
        found: list[int] = []
        by_product = self.by_product
        for product_id in product_ids:
            if (positions := by_product.get(product_id)) is not None:
                found += positions
        found.sort()
        return found

    def matching(self, product_ids: frozenset[str]) -> list[_LineState]:
        """The eligible lines of these products (all eligible lines for none), in basket order."""
        lines = self.lines
        return [lines[p] for p in self.positions(product_ids or self.by_product)]

    def units(self, amount: Decimal) -> int:
        """A whole number of minor units as an int."""
        return int(amount * self.scale)

    def money(self, units: int) -> Decimal:
        """Minor units as an amount with the minor unit's exponent (as rounding gives it)."""
        return Decimal(units) * self.minor_unit

    def record(self, discount: LineDiscount, units: int, exponent: int) -> None:
        self.discounts.append(discount)
        self.discounted += units
        self.discount_exponent = min(self.discount_exponent, exponent)


def _exponent(amount: Decimal) -> int:
    """The amount's exponent; finite amounts only (a NaN's or infinity's letter raises)."""
    exponent: int | str = amount.as_tuple().exponent
    return int(exponent)


def _scale(minor_unit: Decimal) -> int:
    """Minor units per currency unit; the minor unit must be a power of ten (0.01, 1, ...)."""
    sign, digits, exponent = minor_unit.as_tuple()
    if sign or digits != (1,) or not isinstance(exponent, int) or exponent > 0:
        raise ValueError("the minor unit must be a power of ten, such as 0.01 or 1")
    return int(10**-exponent)  # exponent <= 0: a whole number


def _decimal(units: int, minor_exponent: int, exponent: int) -> Decimal:
    """``units`` minor units written with ``exponent`` (a multiple of 10 ** exponent)."""
    if exponent <= minor_exponent:
        return Decimal(units * 10 ** (minor_exponent - exponent)).scaleb(exponent)
    return Decimal(units // 10 ** (exponent - minor_exponent)).scaleb(exponent)


def _in_minor_units(line: BasketLine, minor_unit: Decimal) -> BasketLine:
    """The line with its price and shop discount rounded half-up to the minor unit (and the
    shop discount at most the line's value), so that every amount the engine splits is made
    of whole minor units and every split adds up exactly."""
    price = line.unit_price.quantize(minor_unit, ROUND_HALF_UP)  # as round_money does
    shop_discount = line.shop_discount
    if shop_discount:
        rounded = shop_discount.quantize(minor_unit, ROUND_HALF_UP)
        shop_discount = min(rounded, price * line.quantity)
    if price == line.unit_price and shop_discount == line.shop_discount:
        return line
    return replace(line, unit_price=price, shop_discount=shop_discount)


@dataclass
class _Basket:
    """The planning states of the lines in minor units (see ``_in_minor_units``), the index of
    the eligible ones by product, and the goods total (after shop discounts) as Decimal."""

    states: list[_LineState]
    by_product: dict[str, list[int]]
    goods_total: Decimal
    eligible_goods: int  # in minor units


def _basket(lines: Iterable[BasketLine], minor_unit: Decimal, scale: int) -> _Basket:
    """One pass over the lines. The goods total is summed in minor units and written with the
    exponent a plain Decimal sum of the lines' charges has: the least of their prices' and
    shop discounts' exponents (and 0). ``zeros`` gathers that exponent: a Decimal sum takes its
    terms' least exponent, and zeros never run out of precision."""
    states: list[_LineState] = []
    by_product: dict[str, list[int]] = {}
    zeros = ZERO  # 0 written with the least exponent of the prices not in minor units
    in_minor_units = False  # whether some price or shop discount has the minor unit's exponent
    goods = eligible_goods = 0
    decimal_scale = Decimal(scale)
    for position, line in enumerate(lines):
        unit_price, shop_discount = line.unit_price, line.shop_discount
        scaled = unit_price * decimal_scale
        units = int(scaled)
        if shop_discount or line.shop_units is not None or units != scaled:
            line = _in_minor_units(line, minor_unit)
            unit_price, shop_discount = line.unit_price, line.shop_discount
            units = int(unit_price * decimal_scale)
            value = units * line.quantity - int(shop_discount * decimal_scale)
            free_units = line.free_units
            for amount in (unit_price, shop_discount):
                if amount.same_quantum(minor_unit):
                    in_minor_units = True
                else:
                    zeros += amount * 0
        else:  # the usual line: in whole minor units already, and no shop discount
            value = units * line.quantity
            free_units = line.quantity if line.eligible else 0
            if unit_price.same_quantum(minor_unit):
                in_minor_units = True
            else:  # the same amount written with other places (12.5, 12.500 for 12.50)
                zeros += unit_price * 0
            if not shop_discount.same_quantum(ZERO):
                zeros += shop_discount  # a zero written with places (0.00)
        goods += value
        if line.eligible:
            eligible_goods += value
            if (positions := by_product.get(line.product_id)) is None:
                by_product[line.product_id] = [position]
            else:
                positions.append(position)
        states.append(_LineState(line, units, value, free_units))
    if in_minor_units:
        zeros += minor_unit * 0
    goods_total = _decimal(goods, _exponent(minor_unit), min(0, _exponent(zeros)))
    return _Basket(states, by_product, goods_total, eligible_goods)


# Records -------------------------------------------------------------------------------------
# A plan has a record per discounted or stamped line. A frozen dataclass's __init__ sets each
# field through object.__setattr__, which costs as much as the rest of a line's planning; these
# fill the instance's dict directly, giving records equal to the ones the constructor makes.
_new_record = object.__new__


def _line_discount(
    line_id: str, source: str, reference: str, units: int, amount: Decimal
) -> LineDiscount:
    record: LineDiscount = _new_record(LineDiscount)
    fields = record.__dict__
    fields["line_id"] = line_id
    fields["source"] = source
    fields["reference"] = reference
    fields["units"] = units
    fields["amount"] = amount
    return record


def _line_stamps(line_id: str, card_id: int, collected: int, deducted: int) -> LineStamps:
    record: LineStamps = _new_record(LineStamps)
    fields = record.__dict__
    fields["line_id"] = line_id
    fields["card_id"] = card_id
    fields["collected"] = collected
    fields["deducted"] = deducted
    return record


def _validity(
    valid_from: datetime | None, valid_to: datetime | None, now: datetime
) -> RefusalReason | None:
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


# Splitting -------------------------------------------------------------------------------------
def _allocate(total: int, weights: Sequence[int], minor_unit: Decimal) -> list[int]:
    """:func:`~.rounding.allocate` in minor units: ``total`` over positive ``weights`` in
    proportion, largest remainder first, ties to the earlier weight.

    Remainders are compared exactly, except among weights whose remainders are exactly equal:
    there the order is the one of the remainders as 28-digit Decimal quotients give them
    (which round repeating fractions at different places), so the split is the one
    ``allocate`` gives to the cent.
    """
    weight_sum = sum(weights)
    parts, remainders = [], []
    for weight in weights:
        part, remainder = divmod(total * weight, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    leftover = total - sum(parts)
    if leftover == 0:
        return parts
    # largest remainder first; sorted() is stable, so equal remainders keep the weights' order
    order = sorted(range(len(weights)), key=remainders.__getitem__, reverse=True)
    last = remainders[order[leftover - 1]]
    if last and leftover < len(order) and remainders[order[leftover]] == last:
        # a tie across the cut: these weights are ordered as Decimal quotients order them
        group = [i for i in order if remainders[i] == last]
        start = order.index(group[0])
        total_money, sum_money = Decimal(total) * minor_unit, Decimal(weight_sum) * minor_unit

        def decimal_order(index: int) -> tuple[Decimal, int]:
            exact = total_money * (Decimal(weights[index]) * minor_unit) / sum_money
            return Decimal(parts[index]) * minor_unit - exact, index

        order[start : start + len(group)] = sorted(group, key=decimal_order)
    for index in order[:leftover]:
        parts[index] += 1
    return parts


# Stamp cards ---------------------------------------------------------------------------------
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


def _dearest_free_units(
    states: list[_LineState], capacity: list[int], rewards: int
) -> dict[str, int]:
    """line id -> units made free: the dearest that may be free (ties: the first line id).
    ``capacity`` holds the units each of ``states`` may give free."""
    free_per_line: dict[str, int] = {}
    if rewards == 0:
        return free_per_line
    candidates = [state for state, units in zip(states, capacity, strict=True) if units]
    candidates.sort(key=_by_line_id)
    candidates.sort(key=_by_price, reverse=True)  # stable: equal prices keep line id order
    units_of = dict(zip(map(_by_line_id, states), capacity, strict=True))
    for state in candidates:
        take = min(rewards, units_of[state.line_id])
        free_per_line[state.line_id] = take
        rewards -= take
        if rewards == 0:
            break
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
    if fillers <= 0:
        return stamps
    counts = {s.line_id: s.quantity for s in states}
    for line_id, free in free_per_line.items():
        counts[line_id] -= free
    if fillers < sum(counts.values()):
        cheapest = sorted(states, key=_by_line_id)
        cheapest.sort(key=_by_price)  # stable: equal prices keep line id order
        order: Iterable[str] = map(_by_line_id, cheapest)
    else:
        order = counts
    for line_id in order:
        if count := counts[line_id]:
            take = fillers if fillers < count else count
            stamps[line_id] = stamps.get(line_id, 0) + take
            fillers -= take
            if fillers == 0:
                break
    return stamps


_by_line_id = attrgetter("line_id")
_by_price = attrgetter("price")


def _apply_standard_card(
    card: StampCardOffer, work: _Work
) -> tuple[StampMovement, list[LineStamps]]:
    states = work.matching(card.product_ids) if card.product_ids else []
    # capacity: the units of each line the card may make free: untouched by any discount,
    # paid for (a zero-priced unit such as a free sample is no reward), and still charged in full
    capacity, units = [], 0
    for state in states:
        units += state.quantity
        price, free = state.price, state.free_units
        if price <= 0 or free <= 0:
            capacity.append(0)
        elif (left := state.value_left) >= price * free:
            capacity.append(free)
        else:
            capacity.append(max(0, left // price))
    collected, rewards, unstamped_first = _card_outcome(card, units, sum(capacity))
    free_per_line = _dearest_free_units(states, capacity, rewards)
    stamps_per_line = _stamps_per_line(states, free_per_line, collected, unstamped_first)

    line_stamps = []
    card_id, required = card.card_id, card.required_stamps
    reference = str(card_id)
    for state in states:
        line_id = state.line_id
        if line_id not in stamps_per_line:
            continue
        stamps = stamps_per_line[line_id]
        if free := free_per_line.get(line_id, 0):
            state.free_units -= free
            state.value_left -= state.price * free
            amount = state.line.unit_price * free
            discount = _line_discount(line_id, "stamp_card", reference, free, amount)
            work.record(discount, state.price * free, _exponent(amount))
        if stamps or free:
            line_stamps.append(_line_stamps(line_id, card_id, stamps, free * required))
    deducted = rewards * required
    return StampMovement(card_id, collected, deducted, rewards), line_stamps


def _threshold_stamps(cards: list[StampCardOffer], work: _Work) -> list[StampMovement]:
    """One stamp per threshold card the eligible goods reach after every discount. Only
    eligible lines count (a gift card earns nothing); loyalty discounts are only ever on them."""
    paid_units = work.eligible_goods - work.discounted
    paid = work.money(paid_units)
    return [
        StampMovement(card.card_id, collected=1, deducted=0, rewards=0)
        for card in cards
        if paid_units > 0 and paid >= (card.threshold_amount or ZERO)
    ]


# Coupons ---------------------------------------------------------------------------------------
class _Placement:
    """Coupon placement without reading the whole basket again each round.

    A coupon takes every still-free unit of its products, so a product is either untouched by
    coupons or used up, and what a coupon may discount is the sum of its products' free value.
    One running total is kept per distinct product set (the empty set: the whole basket) and
    lowered when one of its products is used up; the pending coupons wait in a heap by worth,
    and only the coupons whose total changed are valued again. The order is the one of valuing
    every pending coupon each round: most worth first, ties by code.
    """

    def __init__(self, work: _Work) -> None:
        self.work = work
        self.free: dict[str, int] = {}  # product id -> free value of its eligible lines
        self.used_up: set[str] = set()
        self.fixed: dict[Decimal, int] = {}  # a fixed coupon's value -> its minor units
        free, lines = self.free, work.lines
        for product_id, positions in work.by_product.items():
            total = 0
            for position in positions:
                state = lines[position]
                value = state.price * state.free_units
                total += value if value <= state.value_left else state.value_left
            free[product_id] = total

    def _known(self, product_ids: frozenset[str]) -> list[str]:
        """The products that have eligible lines (all of them for none)."""
        if not product_ids:
            return list(self.work.by_product)
        return [p for p in product_ids if p in self.free]

    def _worth(self, coupon: CouponOffer, base: int) -> int:
        """What the coupon takes, in minor units, when ``base`` is free on its lines."""
        if base <= 0:
            return 0
        if coupon.kind == DiscountKind.PERCENTAGE:
            percent = min(max(coupon.value, ZERO), HUNDRED)
            return int((base * percent / HUNDRED).quantize(ONE, rounding=ROUND_HALF_UP))
        return min(self._fixed(coupon), base)

    def _fixed(self, coupon: CouponOffer) -> int:
        """A fixed coupon's amount, in minor units."""
        if (units := self.fixed.get(coupon.value)) is None:
            units = self.work.units(round_money(max(coupon.value, ZERO), self.work.minor_unit))
            self.fixed[coupon.value] = units
        return units

    def place(self, group: list[CouponOffer]) -> None:
        """Greedy: the coupon worth most on what is still free goes first."""
        pending = sorted(group, key=lambda c: c.code)
        members: dict[frozenset[str], list[int]] = {}
        for index, coupon in enumerate(pending):
            members.setdefault(coupon.product_ids, []).append(index)
        totals: dict[frozenset[str], int] = {}
        # product id -> the product sets it is in; the whole purchase (the empty set) is in
        # none of them, as every product is in it
        sets_of: dict[str, list[frozenset[str]]] = {}
        for products in members:
            if not products:
                totals[products] = sum(self.free.values())
                continue
            known = self._known(products)
            totals[products] = sum(self.free[p] for p in known)
            for product_id in known:
                sets_of.setdefault(product_id, []).append(products)
        whole_purchase: frozenset[str] | None = frozenset() if frozenset() in members else None
        values = [self._worth(c, totals[c.product_ids]) for c in pending]
        heap = [(-value, index) for index, value in enumerate(values)]
        heapq.heapify(heap)
        waiting = [True] * len(pending)
        while heap:
            negative, index = heapq.heappop(heap)
            if not waiting[index] or -negative != values[index]:
                continue  # applied already, or worth less since
            if values[index] <= 0:
                self.work.refused.extend(
                    Refusal(c.code, RefusalReason.NOTHING_LEFT_TO_DISCOUNT)
                    for c, still in zip(pending, waiting, strict=True)
                    if still
                )
                return
            waiting[index] = False
            changed: set[frozenset[str]] = set()
            taken_per_product = self._apply(pending[index], values[index])
            for product_id, taken in taken_per_product.items():
                for products in sets_of.get(product_id, ()):
                    totals[products] -= taken
                    changed.add(products)
            if whole_purchase is not None and taken_per_product:
                totals[whole_purchase] -= sum(taken_per_product.values())
                changed.add(whole_purchase)
            for products in changed:
                for other in members[products]:
                    if waiting[other]:
                        value = self._worth(pending[other], totals[products])
                        if value != values[other]:
                            values[other] = value
                            heapq.heappush(heap, (-value, other))

    def _amount(self, coupon: CouponOffer, units: int) -> Decimal:
        """The coupon's amount as a Decimal: rounded to the minor unit, or, for a fixed amount
        capped at what is free, written as the sum of its lines' free values is."""
        work = self.work
        if coupon.kind == DiscountKind.PERCENTAGE or units == self._fixed(coupon):
            return work.money(units)
        states = work.matching(coupon.product_ids)
        exponent = min((s.free_value_exponent() for s in states), default=0)
        return _decimal(units, _exponent(work.minor_unit), min(0, exponent))

    def _apply(self, coupon: CouponOffer, units: int) -> dict[str, int]:
        """Spread the coupon over its lines; product id -> free value it took."""
        work = self.work
        work.coupon_amounts[coupon.code] = self._amount(coupon, units)
        if coupon.provider != DILLER:
            work.other_providers[coupon.code] = coupon.provider
        fresh = [p for p in self._known(coupon.product_ids) if p not in self.used_up]
        self.used_up.update(fresh)
        states, weights = [], []
        lines = work.lines
        for position in work.positions(fresh):
            state = lines[position]
            weight = state.price * state.free_units
            if state.value_left < weight:
                weight = state.value_left
            if weight > 0:
                states.append(state)
                weights.append(weight)
        taken = dict.fromkeys(fresh, 0)
        if not states:
            return taken
        minor_unit, code, append = work.minor_unit, coupon.code, work.discounts.append
        for state, weight, part in zip(
            states, weights, _allocate(units, weights, minor_unit), strict=True
        ):
            left = state.value_left = state.value_left - part
            append(
                _line_discount(
                    state.line_id, "coupon", code, state.free_units, Decimal(part) * minor_unit
                )
            )
            state.free_units = 0  # every unit that shares the coupon counts as discounted
            # what the line still had free, and has no more (0 unless it was overcharged)
            taken[state.product_id] += weight - left if left < 0 else weight
        work.discounted += units
        work.discount_exponent = min(work.discount_exponent, _exponent(minor_unit))
        for product_id, value in taken.items():
            self.free[product_id] -= value
        return taken


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
    scale = _scale(minor_unit)
    basket = _basket(lines, minor_unit, scale)
    shipping_charge = round_money(shipping_charge, minor_unit)
    work = _Work(
        lines=basket.states,
        minor_unit=minor_unit,
        scale=scale,
        by_product=basket.by_product,
        eligible_goods=basket.eligible_goods,
    )

    # Stamp cards first: a free unit is a discounted unit that no coupon may touch again.
    movements: list[StampMovement] = []
    line_stamps: list[LineStamps] = []
    threshold_cards: list[StampCardOffer] = []
    card_providers: dict[int, str] = {}  # the cards that are not Diller's
    for card in sorted(stamp_cards, key=lambda c: c.card_id):
        if card.required_stamps <= 0 or _validity(card.valid_from, card.valid_to, now):
            continue
        if card.provider != DILLER:
            card_providers[card.card_id] = card.provider
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
        elif coupon.product_ids and work.by_product.keys().isdisjoint(coupon.product_ids):
            work.refused.append(Refusal(coupon.code, RefusalReason.NO_MATCHING_PRODUCTS))
        else:
            usable.append(coupon)

    goods = [c for c in usable if c.kind != DiscountKind.FREE_SHIPPING]
    placement = _Placement(work)
    placement.place([c for c in goods if not c.whole_purchase])
    placement.place([c for c in goods if c.whole_purchase])

    shipping_discount, shipping_coupon = ZERO, None
    for coupon in (c for c in usable if c.kind == DiscountKind.FREE_SHIPPING):
        if shipping_charge <= 0:
            work.refused.append(Refusal(coupon.code, RefusalReason.NO_SHIPPING_CHARGE))
        elif shipping_coupon is None:
            shipping_discount, shipping_coupon = shipping_charge, coupon.code
            if coupon.provider != DILLER:
                work.other_providers[coupon.code] = coupon.provider
        else:
            work.refused.append(Refusal(coupon.code, RefusalReason.NOTHING_LEFT_TO_DISCOUNT))

    line_discount_total = _decimal(work.discounted, _exponent(minor_unit), work.discount_exponent)
    if threshold_cards:
        movements.extend(_threshold_stamps(threshold_cards, work))
    if card_providers:
        for movement in movements:
            if provider := card_providers.get(movement.card_id):
                work.other_providers[str(movement.card_id)] = provider

    return DiscountPlan(
        line_discounts=tuple(work.discounts),
        coupon_amounts=work.coupon_amounts,
        shipping_discount=shipping_discount,
        shipping_coupon=shipping_coupon,
        stamp_movements=tuple(sorted(movements, key=lambda m: m.card_id)),
        line_stamps=tuple(line_stamps),
        refused=tuple(sorted(work.refused, key=lambda r: r.code)),
        goods_total=basket.goods_total,
        shipping_charge=shipping_charge,
        loyalty_discount=line_discount_total + shipping_discount,
        other_providers=work.other_providers,
    )
