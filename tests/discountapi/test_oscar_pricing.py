"""The chain's discount rules on real Oscar baskets of the demo shop, and with Diller's
coupons."""

import time
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.test import override_settings
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.contrib.oscar.carrier import (
    DISCOUNT_RULES_SLUG,
    LOYALTY_SLUG,
    carrier_offer_filter,
    ensure_carrier_offers,
)
from django_diller.discountapi.rules import DAYS
from tests.oscar import conftest as oscar

from .shop import (
    EARL_GREY,
    ESPRESSO,
    MUG,
    Basket,
    Product,
    basket_of,
    chain_discounts,
    discount,
    make_employee,
)

ConditionalOffer = get_model("offer", "ConditionalOffer")

# The demo shop, its member and the member's basket with Diller's coupons (tests/oscar's).
shop, member, make_basket = oscar.shop, oscar.member, oscar.make_basket

pytestmark = pytest.mark.django_db


def today():
    return timezone.localtime(timezone.now(), timezone.get_default_timezone()).date()


def test_the_discount_rules_offer_comes_before_dillers_and_is_hidden_from_shoppers():
    ensure_carrier_offers()
    ensure_carrier_offers()
    offer = ConditionalOffer.objects.get(slug=DISCOUNT_RULES_SLUG)
    loyalty = ConditionalOffer.objects.get(slug=LOYALTY_SLUG)
    assert offer.priority > loyalty.priority
    assert (offer.exclusive, offer.max_basket_applications) == (False, 1)
    assert ConditionalOffer.objects.filter(carrier_offer_filter(), pk=offer.pk).exists()


def test_an_automatic_rule_discounts_every_line(shop, member):
    discount()
    basket = basket_of(member, {EARL_GREY: 1, ESPRESSO: 2})
    espresso = Product.objects.get(upc=ESPRESSO).stockrecords.get().price
    assert chain_discounts(basket) == {
        EARL_GREY: D("7.90"),
        ESPRESSO: (espresso * 2 / 10).quantize(D("0.01")),
    }


def test_a_rule_that_is_not_automatic_waits_for_staff(shop, member):
    discount(automatic=False)
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D(0)}


def test_an_employee_rule_only_for_the_employee_group(shop, member):
    discount("staff", 3000, employee=True)
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D(0)}
    make_employee(member)
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D("23.70")}


def test_time_validity_in_the_stores_zone(shop, member):
    local_day = DAYS[today().weekday()]
    discount("not-today", days_of_week=[d for d in DAYS if d != local_day])
    discount("from-tomorrow", valid_from_date=today() + timedelta(days=1))
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D(0)}
    discount("today", 500, days_of_week=[local_day], valid_until_date=today())
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D("3.95")}


def test_location_validity_from_the_settings(shop, member):
    discount(stores=["9999"], dist_chains=["NO01"])
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D(0)}
    with override_settings(DISCOUNT_API={"STORE_NUMBER": "9999", "DIST_CHAIN": "NO01"}):
        assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D("7.90")}


def test_combinable_rules_stack_and_the_best_set_wins(shop, member):
    discount("a", 1000, combinable_with=["b"])
    discount("b", 1000, combinable_with=["a"])
    discount("c", 1500)
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D("15.01")}  # 19 %


def test_a_line_not_discountable_takes_no_chain_discount(shop, member):
    Product.objects.filter(upc=MUG).update(is_discountable=False)
    discount()
    assert chain_discounts(basket_of(member, {MUG: 1})) == {MUG: D(0)}


def test_a_chain_discount_leaves_no_room_for_dillers_percentage_coupon(make_basket):
    # PCT10 (the member's 10 % on the whole purchase) alone takes 7.90 off the tea
    assert make_basket({EARL_GREY: 1}, chosen=["PCT10"]).total_incl_tax == D("71.10")
    discount("chain", 500)
    basket = make_basket({EARL_GREY: 1}, chosen=["PCT10"])
    # the chain's 5 % comes first, as the shop's own discount: the coupon finds no free unit
    assert chain_discounts(basket) == {EARL_GREY: D("3.95")}
    assert basket.total_incl_tax == D("75.05")


def test_dillers_coupon_still_applies_to_units_the_chain_did_not_discount(make_basket):
    Product.objects.filter(upc=MUG).update(is_discountable=False)
    mug = Product.objects.get(upc=MUG).stockrecords.get().price
    discount("chain", 500)
    basket = make_basket({EARL_GREY: 1, MUG: 1}, chosen=["PCT10"])
    assert chain_discounts(basket) == {EARL_GREY: D("3.95"), MUG: D(0)}
    coupon = (mug / 10).quantize(D("0.01"))
    assert basket.total_incl_tax == D("79.00") - D("3.95") + mug - coupon


def test_the_rules_are_read_once_for_a_request(shop, member, django_assert_num_queries):
    from django_diller.discountapi.active import active_rules

    demo = {r.discount_id for r in active_rules()}  # the demo shop's, for another chain
    discount()
    active_rules()
    with django_assert_num_queries(0):
        active_rules()
    discount("d2")  # a change in this process is seen at once
    assert {r.discount_id for r in active_rules()} - demo == {"d1", "d2"}


def test_which_rules_are_in_force_is_worked_out_once_a_minute(shop, member, monkeypatch):
    from django_diller.contrib.oscar import discount_rules

    discount()
    discount("d2", valid_until_date=date(2020, 1, 1))
    judged = []
    in_force = discount_rules._in_force

    def counted(rule, when, place):
        judged.append(rule.discount_id)
        return in_force(rule, when, place)

    monkeypatch.setattr(discount_rules, "_in_force", counted)
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # no minute ends during the test
    first = basket_of(member, {EARL_GREY: 1})  # priced: its condition and benefit both ask
    once = len(judged)
    assert {"d1", "d2"} <= set(judged) and once == len(set(judged))
    basket_of(member, {MUG: 1})  # another basket in the same minute
    assert len(judged) == once
    assert chain_discounts(first) == {EARL_GREY: D("7.90")}  # d1 only: d2 ended in 2020
    discount("d3")  # a change of the rules is seen at once
    basket_of(member, {MUG: 1})
    assert "d3" in judged[once:]


def test_outside_the_dates_nothing_applies(shop, member):
    discount(valid_until_date=date(2020, 1, 1))
    assert chain_discounts(basket_of(member, {EARL_GREY: 1})) == {EARL_GREY: D(0)}


def test_while_no_rule_applies_the_offer_is_not_applied_and_reads_no_lines(
    shop, member, django_assert_num_queries
):
    from django_diller.contrib.oscar.discount_rules import DiscountRulesCondition

    discount(valid_until_date=date(2020, 1, 1))  # in force never again
    basket = basket_of(member, {EARL_GREY: 1})
    assert "discount-rules" not in {o.slug for o in basket.offer_applications.offers.values()}
    fresh = Basket.objects.get(pk=basket.pk)
    offer = ConditionalOffer.objects.get(slug="discount-rules")
    condition = DiscountRulesCondition.objects.get(pk=offer.condition_id)
    with django_assert_num_queries(0):  # neither the lines nor the basket's snapshot
        assert not condition.is_satisfied(offer, fresh)


def test_an_answer_read_while_the_group_changed_is_not_kept_and_the_commit_forgets_again(
    shop, member, monkeypatch, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from django_diller.discountapi import active

    asked = type(member.groups).filter

    def changed_while_asked(groups, *args, **kwargs):
        found = asked(groups, *args, **kwargs)
        active.forget_employees()  # another request changed the groups meanwhile
        return found

    monkeypatch.setattr(type(member.groups), "filter", changed_while_asked)
    assert not active.is_employee(member)
    monkeypatch.undo()
    with django_assert_num_queries(1):  # not kept: asked again
        assert not active.is_employee(member)
    with django_capture_on_commit_callbacks(execute=True):
        make_employee(member)
        # another request read the group before this change committed, and kept its answer
        active._employees[(member.pk, "Employees")] = (False, time.monotonic())
    assert active.is_employee(member)  # forgotten again when the change committed


def test_an_employee_is_seen_at_once_when_added_to_the_group_and_asked_once_meanwhile(
    shop, member, django_assert_num_queries
):
    from django_diller.discountapi.active import is_employee

    assert not is_employee(member)
    make_employee(member)  # the group change is seen at once, not after the cache's seconds
    assert is_employee(member)
    with django_assert_num_queries(0):  # kept while the rules are
        assert is_employee(member)
    member.groups.clear()
    assert not is_employee(member)
