"""What an Oscar order says about itself, in the terms of a Diller transaction.

One :class:`LineFacts` per order line, plus one for the shipping charge (unless
``DILLER['SHIPPING_AS_DETAIL']`` is False) and one per surcharge, so that the lines always add up
to the order's total. Each knows the coupons and stamp cards that touched it, from the order's
:class:`~django_diller.models.OrderLoyaltyItem` records; what touched no line (a threshold stamp
card, a coupon recorded without lines) is reported for the whole purchase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from oscar.core.loading import get_model

from ...adapter import get_adapter
from ...api import models as wire
from ...conf import app_settings
from ...discounts.rounding import round_money
from ...models import OrderLoyaltyItem

Order = get_model("order", "Order")

ZERO = Decimal(0)
SHIPPING_KEY = "shipping"
# Round once, at the edge: half up to the minor unit, as the discount engine does.
money = round_money


@dataclass(frozen=True)
class LineFacts:
    key: str  # the order line's pk, "shipping" or "surcharge:<code>"
    product: wire.ProductDetail
    quantity: int
    unit_price: Decimal  # incl. tax, before discounts
    total: Decimal  # incl. tax, after discounts
    tax_rate: Decimal  # 0.25 for 25 %
    coupon_codes: tuple[str, ...] = ()
    stamp_cards: tuple[wire.StampCard, ...] = ()

    def total_for(self, quantity: int) -> Decimal:
        """The line's total for part of its quantity (a return, what was kept)."""
        if quantity == self.quantity:
            return self.total
        return self.total * quantity / self.quantity

    def detail(self, quantity: int | None = None, *, loyalty: bool = True) -> dict:
        """The detail line for ``quantity`` units (negative for a return), as JSON."""
        quantity = self.quantity if quantity is None else quantity
        total = money(self.total_for(quantity))
        detail = wire.TransactionDetailRequest(
            product=self.product,
            quantity=Decimal(quantity),
            unit_price=self.unit_price,
            tax_percentage=money(self.tax_rate * 100),
            discount=quantity * self.unit_price - total,
            total_price=total,
            coupon_codes=list(self.coupon_codes) if loyalty else [],
            stamp_cards=self.stamps_for(quantity) if loyalty else [],
        )
        return detail.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    def stamps_for(self, quantity: int) -> list[wire.StampCard]:
        """The stamps reported for ``quantity`` of the line's units: each unit collects at
        most one stamp, so a line kept in part collects no more stamps than units kept; a
        reward (the deduction) stays with the line while any of it is kept."""
        if quantity >= self.quantity:
            return list(self.stamp_cards)
        reports = []
        for card in self.stamp_cards:
            if card.action == "collected":
                card = card.model_copy(update={"count": min(card.count or 0, quantity)})
            if card.count:
                reports.append(card)
        return reports

    def tax_in(self, total: Decimal) -> Decimal:
        return total * self.tax_rate / (1 + self.tax_rate)


@dataclass(frozen=True)
class OrderFacts:
    number: str
    currency: str
    placed_at: str  # ISO 8601
    lines: tuple[LineFacts, ...]
    payments: tuple[tuple[str, Decimal], ...]
    coupon_codes: tuple[str, ...] = ()  # for the whole purchase
    stamp_cards: tuple[wire.StampCard, ...] = ()  # for the whole purchase
    all_coupon_codes: tuple[str, ...] = field(default=())  # every code the order used
    all_stamp_cards: tuple[wire.StampCard, ...] = field(default=())  # every card, summed

    def line(self, key: str) -> LineFacts | None:
        return next((line for line in self.lines if line.key == key), None)


def _rate(incl: Decimal, excl: Decimal) -> Decimal:
    if not excl or incl <= excl:
        return ZERO
    return ((incl - excl) / excl).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _gtin(code: str) -> wire.GlobalProductIdentifier | None:
    """The GTIN when the UPC is one: 12 digits (UPC-A) or 13 (EAN-13) with a right check digit."""
    if not code.isdigit() or len(code) not in (12, 13):
        return None
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - weighted % 10) % 10 != check:
        return None
    kind = wire.GtinType.UpcGtin12 if len(code) == 12 else wire.GtinType.EanGtin13
    return wire.GlobalProductIdentifier(type=kind, code=code)


def _product(line, adapter) -> wire.ProductDetail:
    product = line.product
    category = adapter.product_category(product)
    upc = str(line.upc or getattr(product, "upc", "") or "")
    return wire.ProductDetail(
        external_id=adapter.product_external_id(product) if product else (upc or str(line.pk)),
        sku=line.partner_sku or None,
        name=line.title or None,
        brand=adapter.product_brand(product) if product else None,
        category=wire.ProductCategory(external_id=category[0], name=category[1])
        if category
        else None,
        gtin=_gtin(upc),
    )


@dataclass
class _Loyalty:
    """The order's coupons and stamp cards, by the product they touched."""

    codes_by_product: dict[str, list[str]] = field(default_factory=dict)
    stamps_by_product: dict[str, list[wire.StampCard]] = field(default_factory=dict)
    whole_codes: list[str] = field(default_factory=list)
    whole_stamps: list[wire.StampCard] = field(default_factory=list)
    all_codes: list[str] = field(default_factory=list)
    all_stamps: list[wire.StampCard] = field(default_factory=list)


def _stamp_reports(card_id: int, collected: int, deducted: int) -> list[wire.StampCard]:
    return [
        wire.StampCard(stamp_card_id=card_id, action=action, count=count)
        for action, count in (("collected", collected), ("deducted", deducted))
        if count
    ]


def _loyalty(number: str, product_ids: set[str]) -> _Loyalty:
    found = _Loyalty()
    for item in OrderLoyaltyItem.objects.filter(order_number=number).order_by("pk"):
        placed = [row for row in item.lines if row.get("product_id") in product_ids]
        if item.kind == OrderLoyaltyItem.Kind.COUPON:
            found.all_codes.append(item.reference)
            if not placed:
                found.whole_codes.append(item.reference)
            for row in placed:
                found.codes_by_product.setdefault(row["product_id"], []).append(item.reference)
            continue
        card_id = int(item.reference)
        found.all_stamps += _stamp_reports(card_id, item.stamps_collected, item.stamps_deducted)
        collected = item.stamps_collected - sum(int(row.get("collected", 0)) for row in placed)
        deducted = item.stamps_deducted - sum(int(row.get("deducted", 0)) for row in placed)
        found.whole_stamps += _stamp_reports(card_id, max(0, collected), max(0, deducted))
        for row in placed:
            reports = _stamp_reports(card_id, int(row["collected"]), int(row["deducted"]))
            found.stamps_by_product.setdefault(row["product_id"], []).extend(reports)
    return found


def _claim_once(per_product: dict[str, list], product_id: str) -> tuple:
    """A product's coupons or stamps go on its first line only (a coupon is used once)."""
    return tuple(per_product.pop(product_id, []))


def order_facts(order) -> OrderFacts:
    adapter = get_adapter()
    order_lines = list(order.lines.select_related("product").order_by("pk"))
    products = {line.pk: _product(line, adapter) for line in order_lines}
    loyalty = _loyalty(str(order.number), {p.external_id for p in products.values()})
    lines: list[LineFacts] = []
    for line in order_lines:
        product = products[line.pk]
        lines.append(
            LineFacts(
                key=str(line.pk),
                product=product,
                quantity=line.quantity,
                unit_price=line.unit_price_incl_tax,
                total=line.line_price_incl_tax,
                # Before discounts: a line given away (a stamp-card reward) keeps its rate.
                tax_rate=_rate(
                    line.line_price_before_discounts_incl_tax,
                    line.line_price_before_discounts_excl_tax,
                ),
                coupon_codes=_claim_once(loyalty.codes_by_product, product.external_id),
                stamp_cards=_claim_once(loyalty.stamps_by_product, product.external_id),
            )
        )
    if app_settings.SHIPPING_AS_DETAIL:
        lines += _charges(order)
    return OrderFacts(
        number=str(order.number),
        currency=str(order.currency),
        placed_at=order.date_placed.isoformat(),
        lines=tuple(lines),
        payments=tuple(adapter.payment_methods(order)),
        coupon_codes=tuple(loyalty.whole_codes),
        stamp_cards=tuple(loyalty.whole_stamps),
        all_coupon_codes=tuple(loyalty.all_codes),
        all_stamp_cards=tuple(loyalty.all_stamps),
    )


def _charges(order) -> list[LineFacts]:
    """Shipping and surcharges as lines of their own, when the order has them."""
    charges = []
    shipping_before = order.shipping_before_discounts_incl_tax
    if shipping_before or order.shipping_incl_tax:
        charges.append(
            LineFacts(
                key=SHIPPING_KEY,
                product=wire.ProductDetail(
                    external_id=str(app_settings.SHIPPING_PRODUCT_ID),
                    name=order.shipping_method or "Shipping",
                ),
                quantity=1,
                unit_price=shipping_before,
                total=order.shipping_incl_tax,
                tax_rate=_rate(order.shipping_incl_tax, order.shipping_excl_tax),
            )
        )
    for surcharge in order.surcharges.order_by("pk"):
        charges.append(
            LineFacts(
                key=f"surcharge:{surcharge.code}",
                product=wire.ProductDetail(
                    external_id=f"surcharge-{surcharge.code}", name=surcharge.name
                ),
                quantity=1,
                unit_price=surcharge.incl_tax,
                total=surcharge.incl_tax,
                tax_rate=_rate(surcharge.incl_tax, surcharge.excl_tax),
            )
        )
    return charges
