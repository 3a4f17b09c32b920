"""What the club pages show about the club and a member, read through caches.

Shoppers meet the club on many pages (the club's own page, the header, the account pages, the
basket, the thank-you page, the order history), and none of them may wait for Diller on every
view. Three caches serve them:

* the store's details and levels, through :mod:`.store` (five minutes);
* the store's points rule (:class:`PointsRule`), kept longer, for the pages that must never
  call Diller (a basket is priced and shown on almost every request): they read it with
  :func:`cached_points_rule`, and show nothing when it is not there. The club's own page and
  the member pages write it (:func:`club_facts`, :func:`warm_for_member`);
* a member's points and level (:class:`MemberSummary`), written when a member page reads the
  member, read by the header without asking Diller.

When Diller can't be reached, the functions here answer None (the pages then show no figures)
and remember it for a short while, so that a Diller that is down is not asked again on every
view.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.core.cache import cache

from ..api import models as wire
from ..api.errors import DillerError, DillerUnavailable
from ..loyalty.connection import NotConfigured, current_store_id, get_client
from ..loyalty.store import membership_levels, store_details
from ..models import MemberLink

logger = logging.getLogger(__name__)

RULE_TTL = 24 * 60 * 60  # the points rule changes a few times a year at most
MEMBER_TTL = 5 * 60
DOWN_TTL = 30  # after a failure, the pages go without Diller for this long
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PointsRule:
    """The store's points system: ``ratio`` points per unit of ``currency``.

    Diller's ``currency_points_ratio`` is the number of points one unit of the store's currency
    earns (1.0: one point per krone; 0.1: one point per ten kroner). Diller awards whole points,
    rounded toward zero, on what a transaction paid for goods that earn points.
    """

    ratio: Decimal
    currency: str
    signup_points: int = 0

    def points_for(self, amount: Decimal) -> int:
        """The whole points ``amount`` earns (none for nothing or less)."""
        if amount <= 0:
            return 0
        return int((amount * self.ratio).to_integral_value(rounding=ROUND_DOWN))

    def earning(self) -> tuple[Decimal, Decimal]:
        """``(points, amount)`` to tell shoppers: "1 point per 10 kr" rather than "0.1 point
        per krone", when the amount comes out in whole cents."""
        if self.ratio < 1:
            amount = 1 / self.ratio
            if amount == amount.quantize(CENT):
                return Decimal(1), amount.quantize(CENT)
        return self.ratio.normalize(), Decimal(1)

    @classmethod
    def of_store(cls, store: wire.StoreResponse) -> PointsRule | None:
        """The rule of ``store``; None when its points system is off or has no usable ratio."""
        system = store.points_system
        if system is None or not system.enabled or system.currency_points_ratio is None:
            return None
        try:
            ratio = Decimal(system.currency_points_ratio)
        except (InvalidOperation, TypeError, ValueError):
            return None
        if not ratio.is_finite() or ratio <= 0:
            return None
        return cls(ratio, store.currency or "", max(system.follower_signup_points or 0, 0))


@dataclass(frozen=True)
class Level:
    name: str
    points: int


@dataclass(frozen=True)
class ClubFacts:
    """What the club's page tells shoppers, from the store's details and levels."""

    store_name: str
    currency: str
    privacy_policy_url: str
    points: PointsRule | None
    levels: tuple[Level, ...]
    stamps_enabled: bool


@dataclass(frozen=True)
class MemberSummary:
    """A member's points and level, as the header and the account page show them."""

    points: Decimal
    level: str = ""


def _store_key(store_id: str | None) -> str:
    return store_id or current_store_id() or ""


def _rule_key(store_id: str) -> str:
    return f"diller:club:points-rule:{store_id}"


def _member_key(store_id: str, member_id: str) -> str:
    return f"diller:club:member:{store_id}:{member_id}"


def _down_key(store_id: str) -> str:
    return f"diller:club:down:{store_id}"


def _unavailable(store_id: str, error: Exception, what: str) -> None:
    """Log a failure; an outage (not an answer such as "not found") is remembered a while."""
    logger.warning("Diller could not give the %s: %s", what, type(error).__name__)
    if isinstance(error, DillerUnavailable):
        cache.set(_down_key(store_id), True, DOWN_TTL)


def safe_web_address(url: str | None) -> str:
    """``url`` if it is a web address (http or https), else "": it comes from a remote system
    and ends up in a link, where a ``javascript:`` address would run in the shop's page."""
    url = (url or "").strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") else ""


def _remember_rule(store_id: str, rule: PointsRule | None) -> None:
    """Keep the rule for the pages that never call Diller (a store without points is kept
    too, as ``{}``, so that those pages know there is nothing to show)."""
    value = {} if rule is None else {**asdict(rule), "ratio": str(rule.ratio)}
    cache.set(_rule_key(store_id), value, RULE_TTL)


# the club ------------------------------------------------------------------------------------


def club_facts(store_id: str | None = None) -> ClubFacts | None:
    """The club's facts from the cached store details; None when Diller can't give them.

    Levels that can't be read leave the list empty; the rest is still shown.
    """
    store_id = _store_key(store_id)
    if cache.get(_down_key(store_id)):
        return None
    try:
        store = store_details(store_id)
    except (DillerError, NotConfigured) as error:
        _unavailable(store_id, error, "store's details")
        return None
    try:
        levels = tuple(
            Level(level.name or "", level.points or 0)
            for level in membership_levels(store_id)
            if level.name
        )
    except DillerError as error:
        logger.warning("Diller could not give the membership levels: %s", type(error).__name__)
        levels = ()
    rule = PointsRule.of_store(store)
    _remember_rule(store_id, rule)
    return ClubFacts(
        store_name=store.store_name or "",
        currency=store.currency or "",
        privacy_policy_url=safe_web_address(store.privacy_policy_url),
        points=rule,
        levels=levels,
        stamps_enabled=bool(store.stamps_enabled),
    )


def cached_points_rule(store_id: str | None = None) -> PointsRule | None:
    """The points rule if a page has read the store lately; never asks Diller."""
    value = cache.get(_rule_key(_store_key(store_id)))
    if not value:
        return None
    return PointsRule(Decimal(value["ratio"]), value["currency"], value.get("signup_points", 0))


def points_rule_known(store_id: str | None = None) -> bool:
    """Has a page read the store's points rule lately (even one saying "no points")?"""
    return cache.get(_rule_key(_store_key(store_id))) is not None


def points_rule(store_id: str | None = None) -> PointsRule | None:
    """The points rule, read from Diller (through the store cache) when no page has lately."""
    if points_rule_known(store_id):
        return cached_points_rule(store_id)
    facts = club_facts(store_id)
    return facts.points if facts else None


# members -------------------------------------------------------------------------------------


def link_of(user) -> MemberLink | None:
    """The shopper's membership in the configured store, or None (anonymous included)."""
    return MemberLink.objects.of(user, current_store_id())


def cached_member_summary(link: MemberLink) -> MemberSummary | None:
    """The member's points and level if a member page read them lately; never asks Diller."""
    value = cache.get(_member_key(link.store_id, link.member_id))
    if not value:
        return None
    return MemberSummary(Decimal(value["points"]), value.get("level", ""))


def member_summary(link: MemberLink) -> MemberSummary | None:
    """The member's points and level, from the cache or from Diller; None when unavailable."""
    cached = cached_member_summary(link)
    if cached is not None:
        return cached
    if cache.get(_down_key(link.store_id)):
        return None
    try:
        member = get_client(link.store_id).get_member(link.member_id)
    except (DillerError, NotConfigured) as error:
        _unavailable(link.store_id, error, "member's points")
        return None
    return remember_member(link, member)


def remember_member(link: MemberLink, member: wire.MemberResponse) -> MemberSummary:
    """Keep the points and level of a member just read from Diller (by any page), so that the
    header and the basket show them without asking again."""
    detail = member.membership_detail or wire.MemberMembershipDetail()
    summary = MemberSummary(Decimal(detail.points or 0), detail.level_title or "")
    value = {"points": str(summary.points), "level": summary.level}
    cache.set(_member_key(link.store_id, link.member_id), value, MEMBER_TTL)
    return summary


def forget_member_summary(store_id: str, member_id: str) -> None:
    """Drop the cached points (an order just changed them)."""
    cache.delete(_member_key(store_id, member_id))


def warm_for_member(link: MemberLink) -> MemberSummary | None:
    """On a member page: read the member's points and, if no page has lately, the store's
    points rule, so that the header and the basket can show them without asking Diller."""
    summary = member_summary(link)
    if not points_rule_known(link.store_id):
        club_facts(link.store_id)
    return summary
