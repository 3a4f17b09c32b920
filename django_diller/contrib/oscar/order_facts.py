"""What an Oscar order says about itself, in the terms of a Diller transaction.

One :class:`LineFacts` per order line, plus one for the shipping charge (unless
``DILLER['SHIPPING_AS_DETAIL']`` is False) and one per surcharge, so that the lines always add up
to the order's total. Each knows the coupons and stamp cards that touched it, from the order's
:class:`~django_diller.models.OrderLoyaltyItem` records; what touched no line (a threshold stamp
card, a coupon recorded without lines) belongs to the whole purchase only.

Each line's VAT rate is the exact one: the adapter's (by default the tax code Oscar stored with
the line, when it is a percentage), or else the simplest percentage the line's rounded prices
allow, so that a 15 % product is sent as 15 and not as 15.01 or 14.99.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from oscar.core.loading import get_model

from ...adapter import get_adapter
from ...api import models as wire
from ...conf import app_settings
from ...discounts.rounding import round_money
from ...models import OrderLoyaltyItem

Order = get_model("order", "Order")

ZERO = Decimal(0)
HUNDRED = Decimal(100)
SHIPPING_KEY = "shipping"
# Round once, at the edge: half up to the minor unit, as the discount engine does.
money = round_money
# A price rounded to the cent is off by at most half a cent per unit.
HALF_CENT = Decimal("0.005")
# The percentages tried for a rate derived from prices: whole ones first, then tenths, hundredths.
PERCENT_STEPS = (Decimal(1), Decimal("0.1"), Decimal("0.01"))


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
    eligible: bool = False  # goods that count towards a threshold stamp card

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
            tax_percentage=percentage(self.tax_rate),
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
    coupon_codes: tuple[str, ...] = ()  # that touched no line: the whole purchase's
    stamp_cards: tuple[wire.StampCard, ...] = ()  # that touched no line: the whole purchase's
    all_coupon_codes: tuple[str, ...] = field(default=())  # every code, as the checkout recorded
    thresholds: Mapping[int, Decimal] = field(default_factory=dict)  # threshold card -> amount

    def line(self, key: str) -> LineFacts | None:
        return next((line for line in self.lines if line.key == key), None)

    def purchase_loyalty(
        self, quantities: Mapping[str, int], less: Decimal = ZERO
    ) -> tuple[list[str], list[wire.StampCard]]:
        """The coupons and stamp cards of a purchase of ``quantities`` of the lines, as the
        transaction lists them: each coupon once (those of the lines sent and those that
        touched no line), and each card's collected and deducted stamps summed over the lines
        sent and the purchase as a whole.

        A part of the order (what was kept after a return, ``less`` an amount returned without
        naming lines) keeps a threshold card's stamp only while its eligible goods still reach
        the card's amount."""
        sent = [(line, q) for line in self.lines if (q := quantities.get(line.key, 0)) > 0]
        used = {*self.coupon_codes, *(code for line, _q in sent for code in line.coupon_codes)}
        codes = [code for code in dict.fromkeys(self.all_coupon_codes) if code in used]
        stamps = [card for line, q in sent for card in line.stamps_for(q)]
        whole = list(self.stamp_cards)
        if self.thresholds and (less or self._partial(quantities)):
            kept = sum((line.total_for(q) for line, q in sent if line.eligible), ZERO) - less
            whole = [card for card in whole if not self._below_threshold(card, kept)]
        return codes, summed_stamps([*stamps, *whole])

    def _partial(self, quantities: Mapping[str, int]) -> bool:
        return any(quantities.get(line.key, 0) < line.quantity for line in self.lines)

    def _below_threshold(self, card: wire.StampCard, kept: Decimal) -> bool:
        amount = self.thresholds.get(card.stamp_card_id or 0)
        return card.action == "collected" and amount is not None and kept < amount


def summed_stamps(reports: Iterable[wire.StampCard]) -> list[wire.StampCard]:
    """One report per card and action with the counts added up, by card, collected first."""
    counts: dict[tuple[int, str], int] = {}
    for card in reports:
        key = (card.stamp_card_id or 0, card.action or "")
        counts[key] = counts.get(key, 0) + (card.count or 0)
    order = sorted(counts, key=lambda key: (key[0], key[1] != "collected", key[1]))
    return [
        wire.StampCard(stamp_card_id=card_id, action=action, count=counts[card_id, action])
        for card_id, action in order
        if counts[card_id, action]
    ]


def percentage(rate: Decimal) -> Decimal:
    """A rate (0.15) as Diller's ``tax_percentage`` (15): to the hundredth, without trailing
    zeros."""
    percent = (rate * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if percent == percent.to_integral_value():
        return percent.quantize(Decimal(1))
    return percent.normalize()


def _rate_bounds(incl: Decimal, excl: Decimal, units: int) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest VAT rate that prices incl. and excl. tax, each rounded to the
    cent, allow; None when they tell nothing (no price, a price under a cent per unit, or
    prices of opposite signs). A negative line (a refund surcharge) has the rate of its
    amounts."""
    if (incl < 0) != (excl < 0):
        return None
    incl, excl = abs(incl), abs(excl)
    slack = HALF_CENT * max(abs(units), 1)
    if excl <= slack:
        return None
    return (incl - slack) / (excl + slack) - 1, (incl + slack) / (excl - slack) - 1


def vat_rate(
    incl: Decimal, excl: Decimal, *, units: int = 1, told: Decimal | None = None
) -> Decimal:
    """The VAT rate (0.15 for 15 %) of prices incl. and excl. tax of ``units`` units.

    ``told``, the shop's own rate for the item, stands unless the prices contradict it (a tax
    code that was no percentage). Otherwise the rate is the simplest percentage the rounded
    prices allow (whole, then tenths, then hundredths), nearest to what they say: rounding
    made 22.99 kr incl. and 19.99 kr excl. tax look like 15.01 %, and the rate is 15 %.
    """
    bounds = _rate_bounds(incl, excl, units)
    if bounds is None:
        return told if told is not None else ZERO
    low, high = bounds
    if told is not None and low <= told <= high:
        return told
    said = max(abs(incl) / abs(excl) - 1, ZERO) * HUNDRED
    for step in PERCENT_STEPS:
        below = (said / step).to_integral_value(rounding=ROUND_FLOOR) * step
        for percent in sorted((below, below + step), key=lambda p: abs(p - said)):
            if low <= percent / HUNDRED <= high:
                return percent / HUNDRED
    return said.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) / HUNDRED


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
    thresholds: dict[int, Decimal] = field(default_factory=dict)


def _stamp_reports(card_id: int, collected: int, deducted: int) -> list[wire.StampCard]:
    return [
        wire.StampCard(stamp_card_id=card_id, action=action, count=count)
        for action, count in (("collected", collected), ("deducted", deducted))
        if count
    ]


def _loyalty(number: str, product_ids: set[str]) -> _Loyalty:
    found = _Loyalty()
    for item in OrderLoyaltyItem.objects.filter(order_number=number).order_by("pk"):
        if item.threshold_amount is not None:
            found.thresholds[int(item.reference)] = item.threshold_amount
        placed = [row for row in item.lines if row.get("product_id") in product_ids]
        if item.kind == OrderLoyaltyItem.Kind.COUPON:
            found.all_codes.append(item.reference)
            if not placed:
                found.whole_codes.append(item.reference)
            for row in placed:
                found.codes_by_product.setdefault(row["product_id"], []).append(item.reference)
            continue
        card_id = int(item.reference)
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
                tax_rate=vat_rate(
                    line.line_price_before_discounts_incl_tax,
                    line.line_price_before_discounts_excl_tax,
                    units=line.quantity,
                    told=adapter.tax_rate(line.tax_code, line),
                ),
                coupon_codes=_claim_once(loyalty.codes_by_product, product.external_id),
                stamp_cards=_claim_once(loyalty.stamps_by_product, product.external_id),
                eligible=adapter.line_is_eligible(line),
            )
        )
    if app_settings.SHIPPING_AS_DETAIL:
        lines += _charges(order, adapter)
    return OrderFacts(
        number=str(order.number),
        currency=str(order.currency),
        placed_at=order.date_placed.isoformat(),
        lines=tuple(lines),
        payments=tuple(adapter.payment_methods(order)),
        coupon_codes=tuple(loyalty.whole_codes),
        stamp_cards=tuple(loyalty.whole_stamps),
        all_coupon_codes=tuple(loyalty.all_codes),
        thresholds=loyalty.thresholds,
    )


def _charges(order, adapter) -> list[LineFacts]:
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
                tax_rate=vat_rate(
                    order.shipping_incl_tax,
                    order.shipping_excl_tax,
                    told=adapter.tax_rate(order.shipping_tax_code, order),
                ),
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
                tax_rate=vat_rate(
                    surcharge.incl_tax,
                    surcharge.excl_tax,
                    told=adapter.tax_rate(surcharge.tax_code, surcharge),
                ),
            )
        )
    return charges
