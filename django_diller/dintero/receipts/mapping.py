"""A receipt (:class:`~.facts.ReceiptOrder`) as Dintero's Receipt, for
``POST /accounts/{aid}/receipts`` (whose body is a list of them: :func:`receipts_request`).

* Amounts are whole numbers of the currency's smallest unit (:data:`CURRENCY_EXPONENTS`), each
  with its ``_dwh`` twin where the document defines one: the exact value in the same unit as a
  decimal string, to four places (``"7860.8696"``).
* Rounding happens once, here, half up: the receipt's totals are the exact sums rounded, and the
  parts (items, discounts, tax, payments) are spread over them by the largest remainder (ties to
  the earlier part), so that they add up exactly: the items' gross amounts less the discounts is
  the net amount, the items' net amounts are the net amount, the tax lines add up to the
  tax, and the payments to the net amount when they paid for it (what they leave unpaid is
  ``amount_due``).
* Each item has one tax line (its rate, the tax in its net amount and the base it is levied on),
  the receipt one per rate; each discount is a ``discount_lines`` entry naming the offer, typed
  by its provider (:data:`DISCOUNT_TYPES`). The receipt's ``discounts`` list is left out: it
  refers to discount rules kept at Dintero, which a shop's own offers are not.
* A return is a receipt of its own: every line ``is_return_item``, every quantity and amount
  negative (the exact negation of a receipt of the same part), its line numbers those of the
  receipt it returns from, which ``extra_info`` names (:data:`ORIGINAL_RECEIPT`).
* The buyer's ``customer_id`` only when the facts name a customer; otherwise the receipt is
  anonymous.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from .facts import SHOP, LineDiscount, Payment, ReceiptLine, ReceiptOrder, StoreInfo

# ISO 4217 minor units of the currencies a shop here sells in.
CURRENCY_EXPONENTS: Mapping[str, int] = MappingProxyType(
    {"NOK": 2, "SEK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "USD": 2, "CHF": 2, "PLN": 2, "ISK": 0}
)
# Dintero's DiscountType by the discount's provider ("diller" is django_diller.discounts.DILLER).
DISCOUNT_TYPES: Mapping[str, str] = MappingProxyType({"diller": "loyalty", SHOP: "periodic"})
OTHER_DISCOUNT_TYPE = "external"
ORIGINAL_RECEIPT = "original_receipt_id"  # extra_info key of a return: the receipt it returns
DWH_PLACES = Decimal("0.0001")
HALF = Decimal("0.5")


class UnknownCurrency(ValueError):
    """A currency without a known minor unit: amounts cannot be put in its smallest unit."""

    def __init__(self, currency: str) -> None:
        super().__init__(
            f"No minor unit is known for the currency {currency!r}; add it to CURRENCY_EXPONENTS."
        )
        self.currency = currency


def minor_exponent(currency: str) -> int:
    """How many decimals the currency's smallest unit has (2 for NOK: øre)."""
    try:
        return CURRENCY_EXPONENTS[currency.upper()]
    except KeyError:
        raise UnknownCurrency(currency) from None


def half_up(value: Decimal) -> int:
    """``value`` rounded to a whole number, half away from zero."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def largest_remainder(exact: Sequence[Decimal], total: int) -> list[int]:
    """Whole numbers near ``exact`` (each its floor, or one more) that add up to ``total``.

    The largest fractions get the units left over, ties the earlier value; when ``total`` is
    below the floors' sum (or the values cannot reach it otherwise), units are taken from the
    smallest fractions first, or given round again. Deterministic for the same input.
    """
    if not exact:
        if total:
            raise ValueError(f"{total} cannot be spread over no parts.")
        return []
    parts = [int(value.to_integral_value(rounding=ROUND_FLOOR)) for value in exact]
    leftover = total - sum(parts)
    ranked = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    if leftover < 0:
        ranked.reverse()
    step = 1 if leftover > 0 else -1
    for n in range(abs(leftover)):
        parts[ranked[n % len(ranked)]] += step
    return parts


def _dwh(value: Decimal) -> str:
    """An exact amount in the smallest unit as Dintero's ``_dwh`` decimal string."""
    rounded = value.quantize(DWH_PLACES, rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"


def _percent(rate: Decimal) -> int | float:
    """A rate (0.25) as a JSON percentage (25; 12.5 for a rate of 0.125)."""
    percent = (rate * 100).normalize()
    if percent == percent.to_integral_value():
        return int(percent)
    return float(percent)


def _store(store: StoreInfo) -> dict[str, str]:
    fields = {
        "id": store.id,
        "name": store.name,
        "business_name": store.business_name,
        "chain": store.chain,
        "organization_number": store.organization_number,
    }
    return {key: value for key, value in fields.items() if value}


class _Figures:
    """Every amount of a receipt in the smallest unit, exact and rounded; the one place where
    rounding happens."""

    def __init__(self, order: ReceiptOrder) -> None:
        exponent = minor_exponent(order.currency)
        self.items = order.items()

        def minor(amount: Decimal) -> Decimal:
            return amount.scaleb(exponent)

        self.exact_gross = [minor(item.gross) for item in self.items]
        self.exact_net = [minor(item.net) for item in self.items]
        self.exact_tax = [minor(item.tax) for item in self.items]
        self.exact_discounts = [[minor(d.amount) for d in item.discounts] for item in self.items]
        self.exact_payments = [minor(payment.amount) for payment in order.payments]

        self.gross = half_up(sum(self.exact_gross, Decimal(0)))
        self.net = half_up(sum(self.exact_net, Decimal(0)))
        self.tax = half_up(sum(self.exact_tax, Decimal(0)))
        self.item_net = largest_remainder(self.exact_net, self.net)
        self.item_tax = largest_remainder(self.exact_tax, self.tax)
        flat = largest_remainder(
            [a for amounts in self.exact_discounts for a in amounts], self.discount
        )
        self.item_discounts: list[list[int]] = []
        for amounts in self.exact_discounts:
            self.item_discounts.append(flat[: len(amounts)])
            flat = flat[len(amounts) :]
        self.item_gross = [
            net + sum(discounts)
            for net, discounts in zip(self.item_net, self.item_discounts, strict=True)
        ]
        paid = sum(self.exact_payments, Decimal(0))
        # Payments that paid for the receipt add up to its net amount; others to what they were.
        pays_for_it = abs(paid - sum(self.exact_net, Decimal(0))) < HALF
        self.paid = self.net if pays_for_it else half_up(paid)
        self.payments = largest_remainder(self.exact_payments, self.paid) if order.payments else []
        self.exact_due = sum(self.exact_net, Decimal(0)) - paid
        self.due = self.net - (self.paid if order.payments else 0)

    @property
    def discount(self) -> int:
        return self.gross - self.net


def _discount_line(
    discount: LineDiscount, amount: int, line_id: int, sign: int, types: Mapping[str, str]
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "amount": sign * amount,
        "discount_type": types.get(discount.provider, OTHER_DISCOUNT_TYPE),
        "line_id": line_id,
    }
    if discount.id:
        line["discount_id"] = discount.id
    if discount.title:
        line["description"] = discount.title
    return line


def _tax_line(
    rate: Decimal, amount: int, exact: Decimal, basis: int, exact_basis: Decimal, sign: int
) -> dict[str, Any]:
    return {
        "amount": sign * amount,
        "amount_dwh": _dwh(sign * exact),
        "percentage": _percent(rate),
        "tax_basis": sign * basis,
        "tax_basis_dwh": _dwh(sign * exact_basis),
        "included_in_price": True,
    }


def _item(
    figures: _Figures, index: int, sign: int, is_return: bool, types: Mapping[str, str]
) -> dict[str, Any]:
    item: ReceiptLine = figures.items[index]
    net, tax = figures.item_net[index], figures.item_tax[index]
    exact_net, exact_tax = figures.exact_net[index], figures.exact_tax[index]
    body: dict[str, Any] = {
        "line_id": item.line_id,
        "id": item.item_id,
        "quantity": sign * item.quantity,
        "unit_gross_price": sign * half_up(figures.exact_gross[index] / item.quantity),
        "gross_amount": sign * figures.item_gross[index],
        "gross_amount_dwh": _dwh(sign * figures.exact_gross[index]),
        "net_amount": sign * net,
        "net_amount_dwh": _dwh(sign * exact_net),
        "tax_percent": _percent(item.tax_rate),
        "tax_lines": [
            _tax_line(item.tax_rate, tax, exact_tax, net - tax, exact_net - exact_tax, sign)
        ],
        "is_return_item": is_return,
    }
    if item.description:
        body["description"] = item.description
    if item.barcode:
        body["barcode"] = item.barcode
    if item.groups:
        body["groups"] = [
            {"id": group.id, **({"name": group.name} if group.name else {})}
            for group in item.groups
        ]
    discounts = [
        _discount_line(discount, amount, item.line_id, sign, types)
        for discount, amount in zip(item.discounts, figures.item_discounts[index], strict=True)
        if amount or discount.amount
    ]
    if discounts:
        body["discount_lines"] = discounts
    return body


def _tax_lines(figures: _Figures, sign: int) -> list[dict[str, Any]]:
    """One tax line per rate, by rate: the items' tax and bases added up."""
    by_rate: dict[Decimal, list[int]] = {}
    for index, item in enumerate(figures.items):
        by_rate.setdefault(item.tax_rate, []).append(index)
    lines = []
    for rate in sorted(by_rate):
        indexes = by_rate[rate]
        tax = sum(figures.item_tax[i] for i in indexes)
        net = sum(figures.item_net[i] for i in indexes)
        exact_tax = sum((figures.exact_tax[i] for i in indexes), Decimal(0))
        exact_net = sum((figures.exact_net[i] for i in indexes), Decimal(0))
        lines.append(_tax_line(rate, tax, exact_tax, net - tax, exact_net - exact_tax, sign))
    return lines


def _payment(payment: Payment, number: int, amount: int, sign: int) -> dict[str, Any]:
    body: dict[str, Any] = {"line_id": number, "amount": sign * amount}
    if payment.description:
        body["description"] = payment.description
    if payment.type_id:
        body["type_id"] = payment.type_id
    if payment.reference:
        body["reference_id"] = payment.reference
    return body


def receipt(
    order: ReceiptOrder, *, discount_types: Mapping[str, str] = DISCOUNT_TYPES
) -> dict[str, Any]:
    """The receipt's JSON body (one element of the POST's list).

    ``discount_types``: Dintero's ``discount_type`` by provider; a provider not in it is
    ``"external"``. Raises :class:`UnknownCurrency` for a currency without a known minor unit.
    """
    figures = _Figures(order)
    sign = -1 if order.is_return else 1
    body: dict[str, Any] = {
        "receipt_id": order.receipt_id,
        "order_number": order.order_number,
        "store": _store(order.store),
        "purchase_at": order.purchased_at.isoformat(),
        "currency": order.currency.upper(),
        "items": [
            _item(figures, index, sign, order.is_return, discount_types)
            for index in range(len(figures.items))
        ],
        "gross_amount": sign * figures.gross,
        "gross_amount_dwh": _dwh(sign * sum(figures.exact_gross, Decimal(0))),
        "net_amount": sign * figures.net,
        "net_amount_dwh": _dwh(sign * sum(figures.exact_net, Decimal(0))),
        "total_discount": sign * figures.discount,
        "tax_lines": _tax_lines(figures, sign),
        "payments": [
            _payment(payment, number, amount, sign)
            for number, (payment, amount) in enumerate(
                zip(order.payments, figures.payments, strict=True), start=1
            )
        ],
        "no_of_items": sign * sum(line.quantity for line in order.lines),
    }
    if figures.due:
        body["amount_due"] = sign * figures.due
        body["amount_due_dwh"] = _dwh(sign * figures.exact_due)
    if order.customer is not None:
        body["customer_id"] = order.customer.customer_id
    if order.return_of is not None:
        body["extra_info"] = [
            {"key": ORIGINAL_RECEIPT, "value": order.return_of, "value_type": "string"}
        ]
    return body


def receipts_request(
    orders: Iterable[ReceiptOrder], *, discount_types: Mapping[str, str] = DISCOUNT_TYPES
) -> list[dict[str, Any]]:
    """The body of ``POST /accounts/{aid}/receipts``: the receipts, in order."""
    return [receipt(order, discount_types=discount_types) for order in orders]
