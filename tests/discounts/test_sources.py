"""Discount sources: any number of providers hand offers to the engine through one interface,
and the plan says which provider gave each discount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django_diller.discounts import DiscountKind, plan_discounts
from django_diller.discounts.model import DILLER, Combinability
from django_diller.discounts.sources import (
    DiscountSource,
    Offer,
    OfferContext,
    SourceRegistry,
    gather_offers,
    plan_from_sources,
)

from .builders import NOW, PCT, card, coupon, line


@dataclass(frozen=True)
class FixedSource:
    """A source that gives the same offers to every basket."""

    provider: str
    given: tuple[Offer, ...]

    def offers(self, context: OfferContext) -> list[Offer]:
        return list(self.given)


@dataclass(frozen=True)
class CategoryRule:
    """A shop rule: 10 % off the basket's products whose id starts with a prefix."""

    prefix: str
    provider: str = "shop"

    def offers(self, context: OfferContext) -> list[Offer]:
        products = {p for p in context.product_ids if p.startswith(self.prefix)}
        if not products:
            return []
        return [coupon(f"shop:{self.prefix}", PCT, "10", products, provider=self.provider)]


LINES = (line("1", "shoe-1", 1, "100.00"), line("2", "hat-1", 2, "50.00"))
CONTEXT = OfferContext(lines=LINES, now=NOW, member_id="m-1")


def test_offers_are_diller_s_and_combine_on_other_units_by_default():
    offer = coupon("A", PCT, "10")
    assert (offer.provider, offer.combinable) == (DILLER, Combinability.OTHER_UNITS)
    assert card(1, 3, 0).provider == DILLER


def test_the_plan_from_sources_is_the_engine_s_plan_of_all_their_offers():
    diller_coupons = FixedSource(DILLER, (coupon("D10", DiscountKind.FIXED, "10", ["hat-1"]),))
    diller_cards = FixedSource(DILLER, (card(7, 2, 1, ["shoe-1"]),))
    sources: list[DiscountSource] = [diller_coupons, diller_cards]
    plan = plan_from_sources(sources, CONTEXT)
    gathered = gather_offers(sources, CONTEXT)
    assert plan == plan_discounts(LINES, gathered.coupons, gathered.stamp_cards, now=NOW)
    assert plan.discount_for_line("1") == Decimal("100.00")  # the card's free unit
    assert plan.coupon_amounts == {"D10": Decimal("10.00")}


def test_the_plan_names_each_discounts_provider_and_a_unit_still_takes_one_discount():
    diller = FixedSource(DILLER, (coupon("D20", PCT, "20", ["shoe-1"]),))
    sources: list[DiscountSource] = [CategoryRule("shoe"), CategoryRule("hat"), diller]
    plan = plan_from_sources(sources, CONTEXT)
    by_line = {(d.line_id, d.reference): plan.provider_of(d.reference) for d in plan.line_discounts}
    assert by_line == {("1", "D20"): DILLER, ("2", "shop:hat"): "shop"}
    assert plan.other_providers == {"shop:hat": "shop"}
    assert [r.code for r in plan.refused] == ["shop:shoe"]  # the shoe took Diller's 20 %


def test_the_order_of_the_sources_does_not_change_the_plan():
    sources: list[DiscountSource] = [
        CategoryRule("shoe"),
        FixedSource(DILLER, (coupon("D20", PCT, "20", ["shoe-1"]), card(7, 3, 2, ["hat-1"]))),
    ]
    assert plan_from_sources(sources, CONTEXT) == plan_from_sources(sources[::-1], CONTEXT)


def test_the_registry_builds_each_registered_factory_s_sources_once_registered():
    registry: SourceRegistry[str] = SourceRegistry()

    def shop_rules(snapshot: str) -> list[DiscountSource]:
        return [CategoryRule(snapshot)]

    assert registry.register(shop_rules) is shop_rules
    registry.register(shop_rules)
    assert registry.sources("shoe") == [CategoryRule("shoe")]
    registry.unregister(shop_rules)
    assert registry.sources("shoe") == []


def test_another_provider_s_stamp_card_is_named_in_the_plan():
    sources: list[DiscountSource] = [
        FixedSource("cafe", (card(9, 2, 1, ["hat-1"], provider="cafe"),)),
        FixedSource(DILLER, (card(7, 2, 1, ["shoe-1"]),)),
    ]
    plan = plan_from_sources(sources, CONTEXT)
    assert [m.card_id for m in plan.stamp_movements if m.rewards] == [7, 9]
    assert plan.other_providers == {"9": "cafe"}
    assert (plan.provider_of("9"), plan.provider_of("7")) == ("cafe", DILLER)
