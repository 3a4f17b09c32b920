"""An Oscar order, or the goods returned from it, as the facts of a receipt
(:class:`~django_diller.dintero.receipts.facts.ReceiptOrder`).

* One line per order line: the SKU (the adapter's ``line_sku``: the stock record's), the title,
  the quantity, the price before discounts and what was paid, incl. tax; the tax Oscar stored
  (incl. less excl. tax, after discounts); the exact rate as :mod:`.order_facts` finds it; the
  product's categories (a variant's parent's, hidden ones too) as groups and its UPC as the
  barcode. Surcharges
  are lines too, and the shipping charge is the receipt's shipping, so the receipt adds up to the
  order's total.
* What Oscar took off a line (before less after discounts) is split by the offers that took it.
  The loyalty carrier offer's part belongs to Diller's coupons and stamp cards, as the order's
  :class:`~django_diller.models.OrderLoyaltyItem` records say; what is left of it came from
  another provider's offers, which the order does not record, and is the shop's. A shop offer's
  part is its provider's: the offer's ``provider`` when its model has one, otherwise ``"shop"``.
  Whatever the records leave unexplained is the shop's discount too, so the discounts always
  add up to what the line lost. A free-shipping coupon's part of the shipping discount is what
  it took beyond the lines it touched.
* The payments are the adapter's (Oscar's payment sources).
* The buyer is named (the member id, or the shop's customer id) only when the member lets the
  shop keep their purchase history; otherwise the receipt is anonymous.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from ...adapter import get_adapter
from ...conf import app_settings
from ...dintero.receipts.facts import (
    SHOP,
    Customer,
    Group,
    LineDiscount,
    Payment,
    ReceiptLine,
    ReceiptOrder,
    Shipping,
    StoreInfo,
)
from ...discounts.model import DILLER
from ...loyalty.connection import current_store_id
from ...models import Consent, ConsentRecord, OrderLoyaltyItem
from .carrier import carrier_offer_filter
from .order_facts import vat_rate
from .payloads import order_member_id

ConditionalOffer = get_model("offer", "ConditionalOffer")

ZERO = Decimal(0)
MEMBER = "member"  # name the buyer by their member id
SHOP_ACCOUNT = "shop"  # name the buyer by their account's id in the shop


@dataclass(frozen=True)
class _Taken:
    """What one Oscar offer took off a line or the shipping charge, incl. tax."""

    discount: LineDiscount
    carrier: bool  # the plugin's carrier offer, which holds every provider's loyalty discounts


@dataclass
class _DillerClaims:
    """Diller's coupons and stamp cards of the order: on each product, and on shipping."""

    by_product: dict[str, list[LineDiscount]]
    shipping: list[LineDiscount]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else ZERO
    except InvalidOperation:
        return ZERO


def _title(item: OrderLoyaltyItem) -> str:
    if item.title:  # as the member saw it when ordering
        return item.title
    if item.kind == OrderLoyaltyItem.Kind.COUPON:
        return _("Coupon %(code)s") % {"code": item.reference}
    return _("Stamp card")


def _diller_claims(number: str) -> _DillerClaims:
    claims = _DillerClaims({}, [])
    for item in OrderLoyaltyItem.objects.filter(order_number=number).order_by("pk"):
        on_lines = ZERO
        for row in item.lines or []:
            amount = _decimal(row.get("discount"))
            if amount > 0 and row.get("product_id"):
                found = LineDiscount(DILLER, item.reference, _title(item), amount)
                claims.by_product.setdefault(str(row["product_id"]), []).append(found)
                on_lines += amount
        beyond = item.amount - on_lines
        if item.kind == OrderLoyaltyItem.Kind.COUPON and beyond > 0:
            claims.shipping.append(LineDiscount(DILLER, item.reference, _title(item), beyond))
    return claims


def _unexplained(amount: Decimal) -> LineDiscount:
    return LineDiscount(SHOP, "", _("Discount"), amount)


def _attribute(
    total: Decimal, claims: Iterable[LineDiscount], taken: list[_Taken]
) -> tuple[LineDiscount, ...]:
    """``total`` taken off, split: Diller's ``claims`` within the carrier offer's part (the
    whole, when Oscar recorded no offer), the rest of that part and each shop offer's."""
    if total <= 0:
        return ()
    claims = list(claims)
    pool = sum((t.discount.amount for t in taken if t.carrier), ZERO) if taken else total
    claimed = sum((c.amount for c in claims), ZERO)
    parts = [c.part(pool / claimed) for c in claims] if claimed > pool else claims
    rest = pool - sum((p.amount for p in parts), ZERO)
    if rest > 0:
        parts.append(_unexplained(rest))
    parts += [t.discount for t in taken if not t.carrier]
    whole = sum((p.amount for p in parts), ZERO)
    if whole != total:  # the records and the prices disagree: the prices are the truth
        parts = [p.part(total / whole) for p in parts] if whole > 0 else [_unexplained(total)]
    return tuple(p for p in parts if p.amount)


class _Offers:
    """The order's Oscar offers: which are the carrier offers, and each one's provider."""

    def __init__(self, order) -> None:
        ids = {d.offer_id for d in order.discounts.all() if d.offer_id}
        self.carriers = set(
            ConditionalOffer.objects.filter(carrier_offer_filter(), pk__in=ids).values_list(
                "pk", flat=True
            )
        )
        self.offers = ConditionalOffer.objects.in_bulk(ids - self.carriers)

    def taken(self, order_discount, amount: Decimal) -> _Taken:
        offer = self.offers.get(order_discount.offer_id)
        provider = str(getattr(offer, "provider", "") or SHOP)
        ident = order_discount.voucher_code or str(order_discount.offer_id or "")
        title = order_discount.offer_name or order_discount.voucher_code
        return _Taken(
            LineDiscount(provider, ident, title, amount),
            carrier=order_discount.offer_id in self.carriers,
        )


def _line_taken(line, rate: Decimal, offers: _Offers) -> list[_Taken]:
    """What each offer took off ``line``, incl. tax, one entry per offer."""
    amounts: dict[int, Decimal] = {}
    discounts = {}
    for row in line.discounts.all():
        amount = row.amount if row.is_incl_tax else row.amount * (1 + rate)
        amounts[row.order_discount_id] = amounts.get(row.order_discount_id, ZERO) + amount
        discounts[row.order_discount_id] = row.order_discount
    return [offers.taken(discounts[key], amount) for key, amount in amounts.items()]


def _groups(product) -> tuple[Group, ...]:
    """The product's categories (a variant's parent's), hidden ones too, by primary key."""
    if product is None:
        return ()
    source = product.parent if product.parent_id else product
    return tuple(
        Group(str(category.pk), str(category.name)) for category in source.categories.order_by("pk")
    )


def _diller_share(
    line, found: list[LineDiscount], siblings: list, taken: dict[int, list[_Taken]]
) -> list[LineDiscount]:
    """``line``'s part of Diller's claims ``found`` on its product: a product on several
    ``siblings`` lines shares them out by what the carrier offer took off each (or by their
    prices)."""
    if not found or len(siblings) == 1:
        return found

    def weight(other) -> Decimal:
        return sum((t.discount.amount for t in taken[other.pk] if t.carrier), ZERO)

    weights = {other.pk: weight(other) for other in siblings}
    if not sum(weights.values(), ZERO):
        weights = {other.pk: other.line_price_before_discounts_incl_tax for other in siblings}
    whole = sum(weights.values(), ZERO)
    share = weights[line.pk] / whole if whole else Decimal(1) / len(siblings)
    return [claim.part(share) for claim in found]


def _rate(line, adapter) -> Decimal:
    return vat_rate(
        line.line_price_before_discounts_incl_tax,
        line.line_price_before_discounts_excl_tax,
        units=line.quantity,
        told=adapter.tax_rate(line.tax_code, line),
    )


def _lines(order, adapter, offers: _Offers, claims: _DillerClaims) -> list[ReceiptLine]:
    order_lines = list(
        order.lines.select_related("product", "product__parent", "stockrecord")
        .prefetch_related("discounts__order_discount")
        .order_by("pk")
    )
    product_ids = {
        line.pk: adapter.product_external_id(line.product) if line.product else ""
        for line in order_lines
    }
    lines_of: dict[str, list] = {}
    for line in order_lines:
        lines_of.setdefault(product_ids[line.pk], []).append(line)
    rates = {line.pk: _rate(line, adapter) for line in order_lines}
    taken = {line.pk: _line_taken(line, rates[line.pk], offers) for line in order_lines}
    lines = []
    for number, line in enumerate(order_lines, start=1):
        before, after = line.line_price_before_discounts_incl_tax, line.line_price_incl_tax
        product_id = product_ids[line.pk]
        diller = _diller_share(
            line, claims.by_product.get(product_id, []), lines_of[product_id], taken
        )
        lines.append(
            ReceiptLine(
                key=str(line.pk),
                line_id=number,
                item_id=adapter.line_sku(line) or product_id or str(line.pk),
                description=str(line.title or ""),
                quantity=line.quantity,
                gross=max(before, after),
                tax=after - line.line_price_excl_tax,
                tax_rate=rates[line.pk],
                discounts=_attribute(before - after, diller, taken[line.pk]),
                groups=_groups(line.product),
                barcode=str(line.upc or getattr(line.product, "upc", "") or ""),
            )
        )
    return lines


def _surcharges(order, adapter, first: int) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            key=f"surcharge:{surcharge.code}",
            line_id=number,
            item_id=f"surcharge-{surcharge.code}",
            description=str(surcharge.name),
            quantity=1,
            gross=surcharge.incl_tax,
            tax=surcharge.incl_tax - surcharge.excl_tax,
            tax_rate=vat_rate(
                surcharge.incl_tax,
                surcharge.excl_tax,
                told=adapter.tax_rate(surcharge.tax_code, surcharge),
            ),
        )
        for number, surcharge in enumerate(order.surcharges.order_by("pk"), start=first)
    ]


def _shipping(
    order, adapter, offers: _Offers, claims: _DillerClaims, number: int
) -> Shipping | None:
    before, after = order.shipping_before_discounts_incl_tax, order.shipping_incl_tax
    if not before and not after:
        return None
    taken = [offers.taken(d, d.amount) for d in order.shipping_discounts]
    return Shipping(
        line_id=number,
        item_id=str(app_settings.SHIPPING_PRODUCT_ID),
        description=str(order.shipping_method or _("Shipping")),
        gross=max(before, after),
        tax=after - order.shipping_excl_tax,
        tax_rate=vat_rate(
            after, order.shipping_excl_tax, told=adapter.tax_rate(order.shipping_tax_code, order)
        ),
        discounts=_attribute(before - after, claims.shipping, taken),
    )


def _keeps_history(member_id: str) -> bool:
    """The member's latest word on keeping their purchase history, as the shop recorded it."""
    latest = (
        ConsentRecord.objects.filter(member_id=member_id, consent=Consent.ORDER_HISTORY)
        .order_by("-recorded_at", "-pk")
        .first()
    )
    return bool(latest and latest.given)


def receipt_customer(
    order, *, identify_by: str = MEMBER, order_history: bool | None = None
) -> Customer | None:
    """The buyer as the receipt names them, or None for an anonymous receipt.

    Only a member who lets the shop keep their purchase history is named: by their member id,
    or by their account's id in the shop (``identify_by="shop"``; a guest has none).
    ``order_history``: the member's consent when the caller knows it (Diller's answer);
    otherwise the latest consent the shop recorded.
    """
    if identify_by not in (MEMBER, SHOP_ACCOUNT):
        raise ValueError(f"identify_by is {MEMBER!r} or {SHOP_ACCOUNT!r}.")
    member_id = order_member_id(order, current_store_id() or "")
    if not member_id:
        return None
    allowed = _keeps_history(member_id) if order_history is None else order_history
    if not allowed:
        return None
    if identify_by == SHOP_ACCOUNT:
        return Customer(str(order.user_id)) if order.user_id else None
    return Customer(member_id)


def receipt_order(
    order,
    *,
    store: StoreInfo,
    receipt_id: str | None = None,
    identify_by: str = MEMBER,
    order_history: bool | None = None,
) -> ReceiptOrder:
    """The facts of ``order``'s receipt (its id the order number, unless told)."""
    adapter = get_adapter()
    offers = _Offers(order)
    claims = _diller_claims(str(order.number))
    lines = _lines(order, adapter, offers, claims)
    lines += _surcharges(order, adapter, len(lines) + 1)
    return ReceiptOrder(
        receipt_id=receipt_id or str(order.number),
        order_number=str(order.number),
        currency=str(order.currency),
        purchased_at=order.date_placed,
        store=store,
        lines=tuple(lines),
        shipping=_shipping(order, adapter, offers, claims, len(lines) + 1),
        payments=tuple(
            Payment(description=method, amount=Decimal(amount))
            for method, amount in adapter.payment_methods(order)
        ),
        customer=receipt_customer(order, identify_by=identify_by, order_history=order_history),
    )


def return_order(
    order,
    returned: Mapping[Any, int],
    *,
    store: StoreInfo,
    receipt_id: str,
    original_receipt_id: str | None = None,
    returned_at: datetime | None = None,
    identify_by: str = MEMBER,
    order_history: bool | None = None,
) -> ReceiptOrder:
    """The facts of a return's receipt: ``returned`` maps order lines (or their ids; the
    ``"shipping"`` key refunds the shipping charge) to the units taken back, as
    :func:`~.returns.returned_by` reads them from a return's cause.

    It refers to ``original_receipt_id``, the order number unless told.
    """
    quantities = {str(getattr(key, "pk", key)): quantity for key, quantity in returned.items()}
    whole = receipt_order(
        order,
        store=store,
        receipt_id=original_receipt_id,
        identify_by=identify_by,
        order_history=order_history,
    )
    return whole.returned(
        quantities,
        receipt_id=receipt_id,
        at=returned_at or timezone.now(),
        return_of=whole.receipt_id,
    )
