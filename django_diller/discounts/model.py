"""The engine's plain values: lines, coupons and stamp cards in, the plan out.

Every offer says where it comes from (``provider``), what it may combine with
(``combinable``) and which lines it may discount (``product_ids``: none means the whole
purchase). :mod:`.sources` describes how a provider hands its offers to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True)
class BasketLine:
    """One basket line. Amounts include tax; the engine rounds them to the minor unit."""

    line_id: str
    product_id: str  # the product's external id at Diller
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal = Decimal(0)  # 0.25 for 25 %
    shop_discount: Decimal = Decimal(0)  # already taken off by the shop's own offers
    eligible: bool = True  # False: earns nothing and takes no loyalty discount (gift cards)
    # Units the shop's offers touched (Oscar's LineOfferConsumer knows); None: all of them when
    # there is a shop discount, none otherwise.
    shop_units: int | None = None

    @property
    def gross(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def free_units(self) -> int:
        """Units that may take a loyalty discount."""
        if not self.eligible:
            return 0
        if self.shop_units is not None:
            return max(0, self.quantity - self.shop_units)
        return 0 if self.shop_discount > 0 else self.quantity


DILLER = "diller"  # the provider of Diller's coupons and stamp cards


class Combinability(StrEnum):
    """What an offer may combine with in one order.

    ``OTHER_UNITS`` is Diller's rule and the only one the engine implements: the offer combines
    with any other offer (of any provider) in the order, each on units of its own; a unit
    carries at most one discount. A provider whose offers must stand alone (a voucher "not
    combinable with other offers") needs a new member here and its rule in the engine.
    """

    OTHER_UNITS = "other_units"


class DiscountKind(StrEnum):
    PERCENTAGE = "Percentage"
    FIXED = "Fixed"
    FREE_SHIPPING = "FreeShipping"
    NOT_DEFINED = "NotDefined"


@dataclass(frozen=True)
class CouponOffer:
    """A coupon (or voucher, or rule giving money off) as the engine needs it.

    ``chosen``: whether the shopper asked to use it. Coupons with product ids apply by themselves
    (rule 3); whole-purchase coupons only when chosen (rule 4). ``product_ids`` is the offer's
    eligibility: the products whose lines it may discount (none: every eligible line).
    ``code`` names the offer in the plan, so it must be unique across the basket's providers.
    ``title`` is what the shopper is shown; the engine does not read it.
    """

    code: str
    kind: DiscountKind
    value: Decimal = Decimal(0)  # percent (10 = 10 %) or an amount in the currency
    product_ids: frozenset[str] = frozenset()
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    max_redemptions: int | None = None  # None or 0: unlimited
    times_redeemed: int = 0
    chosen: bool = False
    provider: str = DILLER
    combinable: Combinability = Combinability.OTHER_UNITS
    title: str = ""

    @property
    def whole_purchase(self) -> bool:
        return not self.product_ids


@dataclass(frozen=True)
class StampCardOffer:
    """A member's stamp card. A ``threshold`` card earns one stamp per purchase of at least
    ``threshold_amount``; a standard card one stamp per matching unit (of ``product_ids``, its
    eligibility). ``title`` is what the shopper is shown; the engine does not read it."""

    card_id: int
    required_stamps: int
    stamps_collected: int = 0
    product_ids: frozenset[str] = frozenset()
    is_restartable: bool = True
    card_type: str = "standard"
    threshold_amount: Decimal | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    provider: str = DILLER
    combinable: Combinability = Combinability.OTHER_UNITS
    title: str = ""


class RefusalReason(StrEnum):
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    USED_UP = "used_up"
    NOT_CHOSEN = "not_chosen"
    NO_MATCHING_PRODUCTS = "no_matching_products"
    NOTHING_LEFT_TO_DISCOUNT = "nothing_left_to_discount"
    NO_SHIPPING_CHARGE = "no_shipping_charge"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: RefusalReason


@dataclass(frozen=True)
class LineDiscount:
    """Part of a coupon or stamp-card reward taken off one line."""

    line_id: str
    source: str  # "coupon" or "stamp_card"
    reference: str  # the coupon code, or the stamp card id as text
    units: int  # how many of the line's units it covers
    amount: Decimal


@dataclass(frozen=True)
class LineStamps:
    line_id: str
    card_id: int
    collected: int
    deducted: int


@dataclass(frozen=True)
class StampMovement:
    """What to report in the transaction for one card (``collected`` and ``deducted`` stamps)."""

    card_id: int
    collected: int
    deducted: int
    rewards: int  # free units given


@dataclass(frozen=True)
class DiscountPlan:
    line_discounts: tuple[LineDiscount, ...]
    coupon_amounts: dict[str, Decimal]  # applied coupons: code -> total discount
    shipping_discount: Decimal
    shipping_coupon: str | None
    stamp_movements: tuple[StampMovement, ...]
    line_stamps: tuple[LineStamps, ...]
    refused: tuple[Refusal, ...]
    goods_total: Decimal  # after the shop's own discounts, before loyalty discounts
    shipping_charge: Decimal
    loyalty_discount: Decimal = field(default=Decimal(0))  # lines + shipping
    # The provider of each applied offer that is not Diller's: coupon code, or stamp card id as
    # text (a LineDiscount's ``reference``) -> provider. Kept apart from the line discounts so
    # Diller's plans are built as fast as before.
    other_providers: dict[str, str] = field(default_factory=dict)

    def provider_of(self, reference: str) -> str:
        """The provider of the applied coupon or stamp card ``reference`` names."""
        return self.other_providers.get(reference, DILLER)

    @property
    def total_before(self) -> Decimal:
        return self.goods_total + self.shipping_charge

    @property
    def total_after(self) -> Decimal:
        return self.total_before - self.loyalty_discount

    def discount_for_line(self, line_id: str) -> Decimal:
        return sum((d.amount for d in self.line_discounts if d.line_id == line_id), Decimal(0))

    @property
    def applied_codes(self) -> tuple[str, ...]:
        codes = list(self.coupon_amounts)
        if self.shipping_coupon:
            codes.append(self.shipping_coupon)
        return tuple(codes)
