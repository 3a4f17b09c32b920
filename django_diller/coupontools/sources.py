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
        club_coupons = uses_club_coupons(self.snapshot, context)
        return [
            voucher_offer(v) for v in vouchers_of(self.snapshot) if v.combinable or not club_coupons
        ]


def uses_club_coupons(snapshot: BasketLoyalty, context: OfferContext) -> bool:
    """Whether the basket uses one of Diller's coupons: a whole-purchase coupon the member
    chose, or a product coupon (not declined) for a product in the basket. A voucher that is
    not combinable with them gives nothing then; the member may untick the coupons."""
    if snapshot.chosen_codes:
        return True
    declined = set(snapshot.declined_codes)
    return any(
        coupon.get("product_ids") and set(coupon["product_ids"]) & context.product_ids
        for coupon in snapshot.coupons
        if coupon.get("code") not in declined
    )


def voucher_sources(snapshot: BasketLoyalty) -> list[DiscountSource]:
    return [Vouchers(snapshot)] if (snapshot.providers or {}).get(PROVIDER) else []
