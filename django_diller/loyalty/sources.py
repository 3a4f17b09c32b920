"""Diller's coupons and stamp cards as discount sources, and the registry of a basket's sources.

Both sources read the basket's loyalty snapshot (:class:`~django_diller.models.BasketLoyalty`,
written by the coupon step from the member's wallet), never Diller itself: they run whenever a
basket is priced. :data:`registry` holds the factories that build a basket's sources from its
snapshot; Diller's is in it from the start. Another provider (a voucher system, the shop's own
rules) registers its factory once, from its ``AppConfig.ready``::

    from django_diller.loyalty.sources import registry

    registry.register(voucher_sources)  # voucher_sources(snapshot) -> [VoucherSource(...)]

See :mod:`django_diller.discounts.sources` for what a source must do.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..api import models as wire
from ..discounts.model import DILLER, CouponOffer, DiscountKind, StampCardOffer
from ..discounts.sources import DiscountSource, OfferContext, SourceRegistry
from ..models import BasketLoyalty


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def coupon_offers(row: BasketLoyalty) -> list[CouponOffer]:
    """The snapshot's coupons as the discount engine takes them, with the shopper's choices: a
    product coupon the shopper unticked is left out, a whole-purchase one is ``chosen`` when
    ticked."""
    offers = []
    for data in row.coupons:
        coupon = wire.MemberCouponResponse.model_validate(data)
        product_ids = frozenset(coupon.product_ids)
        if product_ids and coupon.code in row.declined_codes:
            continue
        offers.append(
            CouponOffer(
                code=coupon.code,
                kind=DiscountKind(coupon.discount_type or "NotDefined"),
                value=_decimal(coupon.discount_value),
                product_ids=product_ids,
                valid_from=coupon.valid_from,
                valid_to=coupon.valid_to,
                max_redemptions=coupon.max_redemptions,
                times_redeemed=coupon.times_redeemed or 0,
                chosen=coupon.code in row.chosen_codes,
                provider=DILLER,
                title=coupon.title or coupon.code,
            )
        )
    return offers


def stamp_card_offers(row: BasketLoyalty) -> list[StampCardOffer]:
    """The snapshot's stamp cards as the discount engine takes them (a card without an id or
    required stamps can give nothing and is left out)."""
    offers = []
    for data in row.stamp_cards:
        card = wire.MemberStampCard.model_validate(data)
        if card.id is None or not card.required_stamps:
            continue
        offers.append(
            StampCardOffer(
                card_id=card.id,
                required_stamps=card.required_stamps,
                stamps_collected=card.stamps_collected or 0,
                product_ids=frozenset(card.product_ids),
                is_restartable=bool(card.is_restartable),
                card_type=card.card_type or "standard",
                threshold_amount=card.threshold_amount,
                valid_from=card.valid_from,
                valid_to=card.valid_to,
                provider=DILLER,
                title=card.title or str(card.id),
            )
        )
    return offers


@dataclass(frozen=True)
class DillerCoupons:
    """The member's Diller coupons, from the basket's snapshot."""

    snapshot: BasketLoyalty
    provider: str = DILLER

    def offers(self, context: OfferContext) -> list[CouponOffer]:
        return coupon_offers(self.snapshot)


@dataclass(frozen=True)
class DillerStampCards:
    """The member's Diller stamp cards, from the basket's snapshot."""

    snapshot: BasketLoyalty
    provider: str = DILLER

    def offers(self, context: OfferContext) -> list[StampCardOffer]:
        return stamp_card_offers(self.snapshot)


def diller_sources(snapshot: BasketLoyalty) -> list[DiscountSource]:
    return [DillerCoupons(snapshot), DillerStampCards(snapshot)]


registry: SourceRegistry[BasketLoyalty] = SourceRegistry([diller_sources])
