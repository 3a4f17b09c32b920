"""The vouchers on a basket as a discount source (see :mod:`django_diller.discounts.sources`).

A voucher the shopper entered is a chosen coupon of provider ``coupontools``: a fixed amount or
a percentage on the whole purchase, or on the products its campaign's rule names. The engine
plans it with Diller's coupons and stamp cards, by the same rules: no percentage on a unit
another discount took, and never below zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..discounts.model import CouponOffer, DiscountKind
from ..discounts.sources import DiscountSource, OfferContext
from ..models import BasketLoyalty
from .basket_vouchers import PROVIDER, KeptVoucher, vouchers_of

KINDS = {"amount": DiscountKind.FIXED, "percentage": DiscountKind.PERCENTAGE}


def voucher_offer(voucher: KeptVoucher) -> CouponOffer:
    return CouponOffer(
        code=voucher.code,
        kind=KINDS.get(voucher.kind, DiscountKind.NOT_DEFINED),
        value=voucher.value,
        product_ids=frozenset(voucher.product_ids),
        max_redemptions=1,
        chosen=True,
        provider=PROVIDER,
        title=voucher.title,
    )


@dataclass(frozen=True)
class Vouchers:
    """The Coupontools vouchers entered for the basket."""

    snapshot: BasketLoyalty
    provider: str = PROVIDER

    def offers(self, context: OfferContext) -> list[CouponOffer]:
        return [voucher_offer(v) for v in vouchers_of(self.snapshot)]


def voucher_sources(snapshot: BasketLoyalty) -> list[DiscountSource]:
    return [Vouchers(snapshot)] if (snapshot.providers or {}).get(PROVIDER) else []
