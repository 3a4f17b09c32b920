"""A Dintero receipt as the shopper's pages show it: a row of the list, or the whole receipt
with its lines, their discounts, the totals, the tax and the payments.

Built from the wire models (:mod:`.api.models`), amounts as :class:`~.money.Money`. Only what
a shopper reads is kept: never the receipt's ``extra_info`` (it holds the receipt token), the
customer id or the payment card's details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .api import models as wire
from .money import Money


@dataclass(frozen=True)
class ReceiptSummary:
    """A receipt in the member's list."""

    ref: str  # what the detail page's URL names it by: Dintero's id, else the shop's number
    number: str  # the shop's receipt number (the order number; a return's own)
    purchased_at: datetime | None
    store: str
    items: int  # how many lines
    total: Money
    is_return: bool


@dataclass(frozen=True)
class DiscountRow:
    description: str
    amount: Money  # what was taken off (positive; negative on a return's receipt)

    @property
    def shown(self) -> Money:
        """As the receipt prints it: taken off the price."""
        return -self.amount


@dataclass(frozen=True)
class LineRow:
    description: str
    quantity: Decimal
    unit_price: Money | None
    gross: Money  # before discounts
    discounts: tuple[DiscountRow, ...]
    net: Money  # after discounts
    is_return: bool


@dataclass(frozen=True)
class TaxRow:
    percentage: Decimal | None
    amount: Money
    basis: Money | None


@dataclass(frozen=True)
class PaymentRow:
    description: str
    amount: Money


@dataclass(frozen=True)
class ReceiptDetail:
    """A whole receipt."""

    ref: str
    number: str
    order_number: str
    purchased_at: datetime
    store: str
    currency: str
    lines: tuple[LineRow, ...]
    discounts: tuple[DiscountRow, ...]  # every line's discounts, added up by description
    gross: Money  # before discounts
    total_discount: Money  # what was taken off, as :attr:`DiscountRow.amount`
    total: Money  # what was paid (or refunded, negative)
    due: Money  # what is left to pay
    tax: tuple[TaxRow, ...]
    payments: tuple[PaymentRow, ...]
    is_return: bool

    @property
    def discount_shown(self) -> Money:
        """The discounts as the receipt prints them: taken off the price."""
        return -self.total_discount


def _store(store: wire.Store | None) -> str:
    if store is None:
        return ""
    return store.name or store.business_name or ""


def _extra(model: wire.WireModel, name: str) -> str:
    """A field the model does not declare but Dintero sent (a full receipt in a list)."""
    value = (model.model_extra or {}).get(name)
    return value if isinstance(value, str) else ""


def summary_of(receipt: wire.ReceiptMinimal) -> ReceiptSummary:
    items = receipt.items or []
    number = _extra(receipt, "receipt_id")
    return ReceiptSummary(
        ref=receipt.id or number,
        number=number,
        purchased_at=receipt.purchase_at,
        store=_store(receipt.store),
        items=len(items),
        total=Money.of_minor(receipt.net_amount, receipt.currency),
        is_return=any(item.is_return_item for item in items),
    )


def newest_first(summaries: list[ReceiptSummary]) -> list[ReceiptSummary]:
    """Newest purchase first (Dintero's order kept among receipts of the same moment); one
    without a purchase time last."""
    dated = [s for s in summaries if s.purchased_at is not None]
    undated = [s for s in summaries if s.purchased_at is None]
    dated.sort(key=lambda s: s.purchased_at, reverse=True)  # type: ignore[arg-type,return-value]
    return dated + undated


def _discount(line: wire.DiscountItem, currency: str) -> DiscountRow:
    amount = Money.of_minor(line.amount, currency)
    return DiscountRow(description=line.description or line.discount_id or "", amount=amount)


def _line(item: wire.ReceiptItem, currency: str) -> LineRow:
    gross = Money.of_minor(item.gross_amount, currency)
    discounts = tuple(_discount(d, currency) for d in item.discount_lines or [])
    if item.net_amount is not None:
        net = Money.of_minor(item.net_amount, currency)
    else:
        net = Money(gross.amount - sum((d.amount.amount for d in discounts), Decimal(0)), currency)
    unit = item.unit_gross_price
    return LineRow(
        description=item.description or item.description_alias or item.id or "",
        quantity=item.quantity if item.quantity is not None else Decimal(1),
        unit_price=None if unit is None else Money.of_minor(unit, currency),
        gross=gross,
        discounts=discounts,
        net=net,
        is_return=bool(item.is_return_item),
    )


def _added_up(lines: tuple[LineRow, ...], currency: str) -> tuple[DiscountRow, ...]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        for discount in line.discounts:
            totals[discount.description] = (
                totals.get(discount.description, Decimal(0)) + discount.amount.amount
            )
    return tuple(DiscountRow(name, Money(amount, currency)) for name, amount in totals.items())


def detail_of(receipt: wire.Receipt) -> ReceiptDetail:
    currency = (receipt.currency or "").upper()
    lines = tuple(_line(item, currency) for item in receipt.items or [] if not item.voided)
    discounts = _added_up(lines, currency)
    if receipt.total_discount is not None:
        total_discount = Money.of_minor(receipt.total_discount, currency)
    else:
        total_discount = Money(sum((d.amount.amount for d in discounts), Decimal(0)), currency)
    gross = (
        Money.of_minor(receipt.gross_amount, currency)
        if receipt.gross_amount is not None
        else Money(sum((line.gross.amount for line in lines), Decimal(0)), currency)
    )
    total = (
        Money.of_minor(receipt.net_amount, currency)
        if receipt.net_amount is not None
        else Money(gross.amount - total_discount.amount, currency)
    )
    return ReceiptDetail(
        ref=receipt.id or receipt.receipt_id,
        number=receipt.receipt_id,
        order_number=receipt.order_number or "",
        purchased_at=receipt.purchase_at,
        store=_store(receipt.store),
        currency=currency,
        lines=lines,
        discounts=discounts,
        gross=gross,
        total_discount=total_discount,
        total=total,
        due=Money.of_minor(receipt.amount_due, currency),
        tax=tuple(
            TaxRow(
                percentage=tax.percentage,
                amount=Money.of_minor(tax.amount, currency),
                basis=None if tax.tax_basis is None else Money.of_minor(tax.tax_basis, currency),
            )
            for tax in receipt.tax_lines or []
        ),
        payments=tuple(
            PaymentRow(
                description=payment.description or payment.type_id or "",
                amount=Money.of_minor(payment.amount, currency),
            )
            for payment in receipt.payments or []
            if not payment.voided
        ),
        is_return=any(line.is_return for line in lines),
    )
