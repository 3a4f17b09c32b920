"""A paid order, or the part of it that came back, as a receipt needs it.

Neutral and frozen: no shop, no provider's wire format. Amounts are ``Decimal`` in the currency's
major unit (NOK 189.00 is ``Decimal("189.00")``), include tax and are exact: nothing is rounded
here. A part of a line (a return of some of its units) is the exact share, however many digits
that takes; :mod:`.mapping` rounds, once, at the edge.

A line's ``gross`` is before discounts, its ``discounts`` what each offer took off, and its net
(what the buyer paid for it) the difference, so the lines always add up to what was paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

ZERO = Decimal(0)
SHOP = "shop"  # the provider of the shop's own offers, and of a discount nobody else claims
SHIPPING_KEY = "shipping"


@dataclass(frozen=True)
class LineDiscount:
    """What one offer took off one line: a coupon, a stamp-card reward, a shop's offer."""

    provider: str  # "diller", "shop", or another provider's name
    id: str  # the coupon code, the stamp card's id, the shop's offer or voucher code
    title: str
    amount: Decimal  # incl. tax; positive is money off

    def part(self, share: Decimal) -> LineDiscount:
        return replace(self, amount=self.amount * share)


@dataclass(frozen=True)
class Group:
    """A category the line's product is in."""

    id: str
    name: str = ""


@dataclass(frozen=True)
class ReceiptLine:
    """One line of goods (or a surcharge): ``quantity`` units, before and after discounts."""

    key: str  # the shop's id of the line; a return names lines by it
    line_id: int  # the line's number on the receipt, from 1; a return keeps it
    item_id: str  # the SKU, or the product's id when it has none
    description: str
    quantity: int
    gross: Decimal  # incl. tax, before discounts, for all units
    tax: Decimal  # the tax in what was paid (the net)
    tax_rate: Decimal  # 0.25 for 25 %
    discounts: tuple[LineDiscount, ...] = ()
    groups: tuple[Group, ...] = ()
    barcode: str = ""

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError(f"Receipt line {self.key!r} needs a quantity of at least 1.")
        if self.line_id < 1:
            raise ValueError(f"Receipt line {self.key!r} needs a line number from 1.")

    @property
    def discount(self) -> Decimal:
        return sum((d.amount for d in self.discounts), ZERO)

    @property
    def net(self) -> Decimal:
        """What was paid for the line: incl. tax, after discounts."""
        return self.gross - self.discount

    def part(self, quantity: int) -> ReceiptLine:
        """``quantity`` of the line's units: every amount in proportion, exact."""
        if quantity == self.quantity:
            return self
        if not 0 < quantity < self.quantity:
            raise ValueError(
                f"Line {self.key!r} has {self.quantity} units; {quantity} cannot be taken from it."
            )
        share = Decimal(quantity) / Decimal(self.quantity)
        return replace(
            self,
            quantity=quantity,
            gross=self.gross * share,
            tax=self.tax * share,
            discounts=tuple(d.part(share) for d in self.discounts),
        )


@dataclass(frozen=True)
class Shipping:
    """The shipping charge, which the receipt lists as an item of its own."""

    line_id: int
    item_id: str
    description: str
    gross: Decimal  # incl. tax, before discounts
    tax: Decimal  # the tax in what was paid
    tax_rate: Decimal
    discounts: tuple[LineDiscount, ...] = ()

    @property
    def discount(self) -> Decimal:
        return sum((d.amount for d in self.discounts), ZERO)

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount

    def as_line(self) -> ReceiptLine:
        return ReceiptLine(
            key=SHIPPING_KEY,
            line_id=self.line_id,
            item_id=self.item_id,
            description=self.description,
            quantity=1,
            gross=self.gross,
            tax=self.tax,
            tax_rate=self.tax_rate,
            discounts=self.discounts,
        )


@dataclass(frozen=True)
class Payment:
    description: str  # how it was paid ("Card", the payment source's name)
    amount: Decimal
    type_id: str = ""
    reference: str = ""

    def part(self, share: Decimal) -> Payment:
        return replace(self, amount=self.amount * share)


@dataclass(frozen=True)
class StoreInfo:
    """The store the receipt is from (the receipt service's id for it, and its names)."""

    id: str
    name: str = ""
    business_name: str = ""
    chain: str = ""
    organization_number: str = ""


@dataclass(frozen=True)
class Customer:
    """The buyer, named only when they let the shop keep their purchase history."""

    customer_id: str


@dataclass(frozen=True)
class ReceiptOrder:
    """An order as one receipt: its lines, its shipping, how it was paid, and by whom.

    A return is a receipt of its own: ``return_of`` names the receipt it takes goods back from,
    and its lines are the part returned (in positive amounts: the mapping makes them negative).
    """

    receipt_id: str
    order_number: str
    currency: str
    purchased_at: datetime
    store: StoreInfo
    lines: tuple[ReceiptLine, ...]
    shipping: Shipping | None = None
    payments: tuple[Payment, ...] = ()
    customer: Customer | None = None
    return_of: str | None = None

    def __post_init__(self) -> None:
        if not self.receipt_id:
            raise ValueError("A receipt needs a receipt id.")
        if self.purchased_at.tzinfo is None:
            raise ValueError(f"Receipt {self.receipt_id}: the purchase time needs a time zone.")
        items = self.items()
        keys = [item.key for item in items]
        numbers = [item.line_id for item in items]
        if len(set(keys)) != len(keys) or len(set(numbers)) != len(numbers):
            raise ValueError(f"Receipt {self.receipt_id}: line keys and numbers must be unique.")

    @property
    def is_return(self) -> bool:
        return self.return_of is not None

    def items(self) -> tuple[ReceiptLine, ...]:
        """Every item of the receipt: the lines, then the shipping charge."""
        if self.shipping is None:
            return self.lines
        return (*self.lines, self.shipping.as_line())

    @property
    def gross(self) -> Decimal:
        return sum((item.gross for item in self.items()), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum((item.discount for item in self.items()), ZERO)

    @property
    def total(self) -> Decimal:
        """What was paid: incl. tax, after discounts."""
        return sum((item.net for item in self.items()), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((item.tax for item in self.items()), ZERO)

    def returned(
        self,
        quantities: Mapping[str, int],
        *,
        receipt_id: str,
        at: datetime,
        return_of: str | None = None,
    ) -> ReceiptOrder:
        """The return of ``quantities`` (line key → units; ``"shipping"``: 1 refunds the
        shipping charge) as a receipt of its own, ``return_of`` this receipt unless told.

        The payments are this receipt's, each in proportion to the part returned.
        """
        if self.is_return:
            raise ValueError(f"Receipt {self.receipt_id} is a return already.")
        unknown = sorted(set(quantities) - {item.key for item in self.items()})
        if unknown:
            raise ValueError(f"Receipt {self.receipt_id} has no line {unknown[0]!r}.")
        if any(quantity < 0 for quantity in quantities.values()):
            raise ValueError("A return takes back a positive quantity of a line.")
        lines = tuple(
            line.part(quantities[line.key]) for line in self.lines if quantities.get(line.key)
        )
        shipping = self.shipping if quantities.get(SHIPPING_KEY) else None
        if shipping is not None and quantities[SHIPPING_KEY] != 1:
            raise ValueError("The shipping charge is returned whole (quantity 1) or not at all.")
        if not lines and shipping is None:
            raise ValueError("A return takes back at least one line.")
        part = replace(
            self,
            receipt_id=receipt_id,
            purchased_at=at,
            lines=lines,
            shipping=shipping,
            payments=(),
            return_of=return_of or self.receipt_id,
        )
        share = part.total / self.total if self.total else ZERO
        return replace(part, payments=tuple(p.part(share) for p in self.payments))
