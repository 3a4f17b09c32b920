"""The "my loyalty" overview: the member with points, level progress, coupons and stamp cards."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ..adapter import get_adapter
from ..api import models as wire
from ..loyalty.concurrent import side_by_side
from ..loyalty.store import membership_levels, store_details
from ..models import MemberLink
from .service import MemberService


@dataclass
class LevelProgress:
    points: Decimal
    level_title: str | None
    next_level_title: str | None
    points_to_next: Decimal | None
    progress_value: Decimal
    progress_max: Decimal


@dataclass
class LoyaltyOverview:
    """Everything the "my loyalty" page shows."""

    member: wire.MemberResponse
    coupons: list[wire.MemberCouponResponse]
    stamp_cards: list[wire.MemberStampCard]
    progress: LevelProgress
    currency: str


def loyalty_overview(members: MemberService, link: MemberLink) -> LoyaltyOverview:
    """The member with points, level progress, coupons and stamp cards.

    Coupons and stamp cards are two independent calls: made side by side they cost one
    round trip instead of two.
    """
    client = members.client
    member_id = link.member_id
    member, coupons, cards = side_by_side(
        lambda: client.get_member_coupons(member_id),
        lambda: client.get_member_stamp_cards(member_id),
        here=lambda: client.get_member(member_id),
    )
    now = timezone.now()
    coupons = [
        c
        for c in coupons
        if c.valid_to >= now
        and not (c.max_redemptions and (c.times_redeemed or 0) >= c.max_redemptions)
    ]
    store = store_details(members.store_id)
    progress = level_progress(member, membership_levels(members.store_id))
    # A store without a currency of its own: its amounts are in the shop's.
    currency = store.currency or get_adapter().shop_currency()
    return LoyaltyOverview(member, coupons, list(cards), progress, currency)


def level_progress(
    member: wire.MemberResponse, levels: list[wire.StoreMembershipLevelResponse]
) -> LevelProgress:
    """The member's points against the store's levels: the level reached, the next one and
    how far it is (Diller's own level titles first, when it gives them)."""
    detail = member.membership_detail or wire.MemberMembershipDetail()
    points = Decimal(detail.points or 0)
    reached = [lvl for lvl in levels if Decimal(lvl.points or 0) <= points]
    ahead = [lvl for lvl in levels if Decimal(lvl.points or 0) > points]
    floor = Decimal(reached[-1].points or 0) if reached else Decimal(0)
    if ahead:
        target = Decimal(ahead[0].points or 0)
        return LevelProgress(
            points=points,
            level_title=detail.level_title or (reached[-1].name if reached else None),
            next_level_title=detail.next_level_title or ahead[0].name,
            points_to_next=target - points,
            progress_value=points - floor,
            progress_max=target - floor,
        )
    to_next = detail.next_level_points
    return LevelProgress(
        points=points,
        level_title=detail.level_title,
        next_level_title=detail.next_level_title,
        points_to_next=to_next,
        progress_value=points if to_next else Decimal(1),
        progress_max=points + to_next if to_next else Decimal(1),
    )
