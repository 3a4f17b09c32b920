"""What a basket will earn, and what an order earned and used, for the shopper's pages.

The basket's points are shown while the basket is priced and rendered, on almost every request:
they come from the store's points rule as a page read it lately
(:func:`~django_diller.members.club.cached_points_rule`), never from a call to Diller, and
there are none to show when no page did.

An order's points are the figure Diller's answer to its transaction states, when it states one.
The contract's answer is ``ActionResponse {is_ok, details}``, so a figure can only be in the free
text of ``details`` ("Transaction 1000023 registered: 271 point(s), …"); an answer without one
(or the answer to a duplicate, which tells nothing of the points) leaves an estimate from the
points rule, which the page words as one. Its coupons and stamp cards are the order's
:class:`~django_diller.models.OrderLoyaltyItem` records.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ...adapter import get_adapter
from ...conf import app_settings
from ...loyalty.connection import current_store_id
from ...loyalty.kinds import CORRECTIONS, Kind
from ...members.club import PointsRule, points_rule
from ...models import OrderLoyaltyItem, OutboxEntry
from .payloads import order_member_id

State = OutboxEntry.State
ZERO = Decimal(0)
NUMBER = r"(-?\d+(?:[.,]\d+)?)"
# "271 point(s)", "271 points", "points: 271" in an answer's details.
POINTS_IN_TEXT = (
    re.compile(rf"(?<![\w.,-]){NUMBER}\s*points?\b", re.IGNORECASE),
    re.compile(rf"\bpoints?\s*[:=]\s*{NUMBER}", re.IGNORECASE),
)


class PointsState:
    """How sure the order's points are."""

    EARNED = "earned"  # Diller's answer states them
    ADDED = "added"  # Diller has the transaction; an estimate
    PENDING = "pending"  # Diller does not have the transaction yet; an estimate


# the basket ----------------------------------------------------------------------------------


def basket_points(basket, rule: PointsRule | None) -> int | None:
    """The points the basket earns by ``rule``: on its total after discounts, incl. tax,
    leaving out the lines the adapter says earn none. None when there is nothing to show (no
    rule, an empty basket, prices without tax, another currency, no points)."""
    if rule is None or basket.is_empty or not basket.is_tax_known:
        return None
    if rule.currency and basket.currency and rule.currency.upper() != basket.currency.upper():
        return None
    adapter = get_adapter()
    amount = ZERO
    for line in basket.all_lines():
        price = line.line_price_incl_tax_incl_discounts
        if price is not None and adapter.line_is_eligible(line):
            amount += price
    return rule.points_for(amount) or None


# orders --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CouponUse:
    code: str
    amount: Decimal
    title: str = ""  # as the member saw it when ordering ("" for orders recorded without it)


@dataclass(frozen=True)
class StampCardUse:
    products: str  # the titles of the order lines it stamped, "" when it stamped none
    collected: int
    deducted: int
    amount: Decimal  # what its reward took off
    title: str = ""  # as the member saw it when ordering ("" for orders recorded without it)


@dataclass(frozen=True)
class OrderLoyalty:
    currency: str
    points: Decimal | None = None
    points_state: str = PointsState.PENDING
    coupons: tuple[CouponUse, ...] = ()
    stamp_cards: tuple[StampCardUse, ...] = ()
    member_ids: frozenset[str] = frozenset()

    @property
    def exact(self) -> bool:
        return self.points_state == PointsState.EARNED

    def __bool__(self) -> bool:
        return self.points is not None or bool(self.coupons or self.stamp_cards)


def answer_details(answer: Any) -> str:
    """The free text of Diller's ``ActionResponse`` (``details``), "" when it has none."""
    details = answer.get("details") if isinstance(answer, dict) else None
    return details if isinstance(details, str) else ""


def points_in_answer(answer: Any) -> Decimal | None:
    """The points Diller's answer to a transaction states, or None when it states none.

    The answer to a duplicate (``received_before``) and a refusal never count: they do not say
    what this order earned.
    """
    if not isinstance(answer, dict) or answer.get("received_before"):
        return None
    if answer.get("is_ok") is False:
        return None
    details = answer_details(answer)
    for pattern in POINTS_IN_TEXT:
        found = pattern.search(details)
        if found:
            try:
                return Decimal(found.group(1).replace(",", "."))
            except InvalidOperation:
                return None
    return None


def order_points_estimate(order, lines: Iterable[Any], rule: PointsRule) -> int | None:
    """The points ``rule`` gives the order as its transaction reports it: the order total (less
    shipping when it is not sent as a line) less the lines that earn none."""
    if rule.currency and order.currency and rule.currency.upper() != order.currency.upper():
        return None
    adapter = get_adapter()
    amount = Decimal(order.total_incl_tax)
    if not app_settings.SHIPPING_AS_DETAIL:
        amount -= Decimal(order.shipping_incl_tax)
    for line in lines:
        if not adapter.line_is_eligible(line):
            amount -= Decimal(line.line_price_incl_tax)
    return rule.points_for(amount)


class _Lazy:
    """The points rule, read once and only if an estimate needs it."""

    def __init__(self, read: Callable[[], PointsRule | None]):
        self._read, self._done, self._value = read, False, None

    def __call__(self) -> PointsRule | None:
        if not self._done:
            self._value, self._done = self._read(), True
        return self._value


def product_titles(lines: Iterable[Any]) -> dict[str, list[str]]:
    """The order lines' titles by the product's id at Diller."""
    adapter = get_adapter()
    titles: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        if line.product is not None:
            titles[adapter.product_external_id(line.product)].append(line.title)
    return titles


def touched_products(item: OrderLoyaltyItem, titles: dict[str, list[str]]) -> str:
    """The titles of the order lines a coupon or stamp card touched, each once ("" for none)."""
    names: list[str] = []
    for touched in item.lines or []:
        for title in titles.get(str(touched.get("product_id") or ""), []):
            if title not in names:
                names.append(title)
    return ", ".join(names)


def _points(
    order, lines: list[Any], entries: list[OutboxEntry], rule: _Lazy, is_member: Callable[[], bool]
) -> tuple[Decimal | None, str]:
    # A correction changed what the transaction gave: its answer's points no longer hold.
    if any(entry.kind in CORRECTIONS for entry in entries):
        return None, PointsState.PENDING
    sent = next((entry for entry in entries if entry.kind == Kind.SEND_TRANSACTION), None)
    if sent is None and not is_member():
        return None, PointsState.PENDING
    if sent is not None and sent.state == State.SKIPPED:
        return None, PointsState.PENDING  # nothing goes to Diller (not a consenting member)
    if sent is not None and sent.state == State.SENT:
        figure = points_in_answer(sent.response)
        if figure is not None:
            return figure, PointsState.EARNED
    state = (
        PointsState.ADDED if sent is not None and sent.state == State.SENT else PointsState.PENDING
    )
    current = rule()
    estimate = order_points_estimate(order, lines, current) if current is not None else None
    return (Decimal(estimate) if estimate is not None else None), state


def _order_loyalty(
    order,
    items: list[OrderLoyaltyItem],
    entries: list[OutboxEntry],
    rule: _Lazy,
    store_id: str,
) -> OrderLoyalty:
    lines = list(order.lines.select_related("product", "product__parent"))

    def is_member() -> bool:
        return order_member_id(order, store_id) is not None

    points, state = _points(order, lines, entries, rule, is_member)
    titles = product_titles(lines)
    coupons = tuple(
        CouponUse(item.reference, item.amount, item.title)
        for item in items
        if item.kind == OrderLoyaltyItem.Kind.COUPON
    )
    cards = tuple(
        StampCardUse(
            touched_products(item, titles),
            item.stamps_collected,
            item.stamps_deducted,
            item.amount,
            item.title,
        )
        for item in items
        if item.kind == OrderLoyaltyItem.Kind.STAMP_CARD
    )
    members = {row.member_id for row in [*items, *entries] if row.member_id}
    return OrderLoyalty(order.currency, points, state, coupons, cards, frozenset(members))


def orders_loyalty(orders: Iterable[Any]) -> dict[str, OrderLoyalty]:
    """Each order's loyalty by order number, in two queries for the records (and one per order
    for its lines); the points rule is read at most once."""
    orders = list(orders)
    numbers = [str(order.number) for order in orders]
    items: dict[str, list[OrderLoyaltyItem]] = defaultdict(list)
    for item in OrderLoyaltyItem.objects.filter(order_number__in=numbers).order_by("pk"):
        items[item.order_number].append(item)
    entries: dict[str, list[OutboxEntry]] = defaultdict(list)
    kinds = (Kind.SEND_TRANSACTION, *CORRECTIONS)
    for entry in OutboxEntry.objects.filter(order_number__in=numbers, kind__in=kinds):
        entries[entry.order_number].append(entry)
    rule = _Lazy(points_rule)
    store_id = current_store_id() or ""
    return {
        str(order.number): _order_loyalty(
            order, items[str(order.number)], entries[str(order.number)], rule, store_id
        )
        for order in orders
    }


def order_loyalty(order) -> OrderLoyalty:
    """What the order earned and used (falsy when it has nothing to show)."""
    return orders_loyalty([order])[str(order.number)]
