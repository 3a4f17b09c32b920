"""The pure discount rules: time, place, customer, and the pricing of one line."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_diller.discountapi.rules import (
    ABSOLUTE,
    DAYS,
    RELATIVE,
    NotApplicable,
    Rule,
    applies_at,
    applies_where,
    combinable,
    for_customer,
    local_window_day,
    prepare_rules,
    price_line,
    why_not,
)

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args):
    return datetime(*args, tzinfo=OSLO)


def rel(discount_id, rate, *combines, base=False, **kwargs):
    return Rule(
        discount_id=discount_id,
        rate=rate,
        type=RELATIVE,
        calculated_from_base_price=base,
        combinable_with=frozenset(combines),
        **kwargs,
    )


def absolute(discount_id, rate, *combines, **kwargs):
    return Rule(
        discount_id=discount_id,
        rate=rate,
        type=ABSOLUTE,
        combinable_with=frozenset(combines),
        **kwargs,
    )


# Time ----------------------------------------------------------------------------------------


def test_a_window_is_local_time_from_its_start_until_before_its_end():
    rule = rel("d1", 500, valid_from_time=500, valid_until_time=2300)
    assert not applies_at(rule, oslo(2024, 6, 3, 4, 59), OSLO)
    assert applies_at(rule, oslo(2024, 6, 3, 5, 0), OSLO)
    assert applies_at(rule, oslo(2024, 6, 3, 22, 59, 59), OSLO)
    assert not applies_at(rule, oslo(2024, 6, 3, 23, 0), OSLO)


def test_the_window_is_read_in_the_stores_zone_whatever_zone_the_instant_is_in():
    rule = rel("d1", 500, valid_from_time=500, valid_until_time=2300)
    # 03:30 UTC is 05:30 in Oslo in summer (CEST) but 04:30 in winter (CET)
    assert applies_at(rule, datetime(2024, 6, 3, 3, 30, tzinfo=UTC), OSLO)
    assert not applies_at(rule, datetime(2024, 1, 8, 3, 30, tzinfo=UTC), OSLO)
    assert applies_at(rule, datetime(2024, 1, 8, 4, 30, tzinfo=UTC), OSLO)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        applies_at(rel("d1", 500), datetime(2024, 6, 3, 12, 0), OSLO)


def test_daylight_saving_spring_forward_in_oslo():
    # 31 March 2024: 02:00 CET becomes 03:00 CEST (01:00 UTC). 0100-0400 local lasts two hours.
    rule = rel("d1", 500, valid_from_time=100, valid_until_time=400)
    assert not applies_at(rule, datetime(2024, 3, 30, 23, 59, tzinfo=UTC), OSLO)  # 00:59 CET
    assert applies_at(rule, datetime(2024, 3, 31, 0, 0, tzinfo=UTC), OSLO)  # 01:00 CET
    assert applies_at(rule, datetime(2024, 3, 31, 1, 0, tzinfo=UTC), OSLO)  # 03:00 CEST
    assert not applies_at(rule, datetime(2024, 3, 31, 2, 0, tzinfo=UTC), OSLO)  # 04:00 CEST
    # the hour that does not exist (02:00-02:59 local) never holds a 0200-0300 window
    missing_hour = rel("d2", 500, valid_from_time=200, valid_until_time=300)
    instants = [datetime(2024, 3, 30, 22, tzinfo=UTC) + timedelta(minutes=m) for m in range(300)]
    assert not any(applies_at(missing_hour, when, OSLO) for when in instants)


def test_daylight_saving_fall_back_in_oslo():
    # 27 October 2024: 03:00 CEST becomes 02:00 CET (01:00 UTC): 02:00-02:59 happens twice.
    rule = rel("d1", 500, valid_from_time=200, valid_until_time=300)
    assert applies_at(rule, datetime(2024, 10, 27, 0, 30, tzinfo=UTC), OSLO)  # 02:30 CEST
    assert applies_at(rule, datetime(2024, 10, 27, 1, 30, tzinfo=UTC), OSLO)  # 02:30 CET
    assert not applies_at(rule, datetime(2024, 10, 27, 2, 0, tzinfo=UTC), OSLO)  # 03:00 CET
    # a day-long window is the local day, 25 hours long that day
    day = rel("d2", 500, days_of_week=frozenset({"SUNDAY"}))
    assert applies_at(day, datetime(2024, 10, 26, 22, 0, tzinfo=UTC), OSLO)  # 00:00 CEST
    assert applies_at(day, datetime(2024, 10, 27, 22, 59, tzinfo=UTC), OSLO)  # 23:59 CET
    assert not applies_at(day, datetime(2024, 10, 27, 23, 0, tzinfo=UTC), OSLO)  # Monday


def test_a_window_past_midnight_counts_from_the_day_it_started():
    friday_night = rel(
        "d1", 500, valid_from_time=2200, valid_until_time=200, days_of_week=frozenset({"FRIDAY"})
    )
    assert applies_at(friday_night, oslo(2024, 6, 7, 22, 0), OSLO)  # Friday 22:00
    assert applies_at(friday_night, oslo(2024, 6, 8, 1, 59), OSLO)  # Saturday 01:59
    assert not applies_at(friday_night, oslo(2024, 6, 8, 2, 0), OSLO)
    assert not applies_at(friday_night, oslo(2024, 6, 7, 1, 0), OSLO)  # Thursday's night
    assert not applies_at(friday_night, oslo(2024, 6, 7, 12, 0), OSLO)
    assert local_window_day(friday_night, oslo(2024, 6, 8, 1, 0), OSLO) == date(2024, 6, 7)


def test_dates_hold_the_day_a_window_started():
    rule = rel(
        "d1",
        500,
        valid_from_time=2200,
        valid_until_time=200,
        valid_from_date=date(2024, 12, 1),
        valid_until_date=date(2024, 12, 31),
    )
    assert applies_at(rule, oslo(2025, 1, 1, 1, 0), OSLO)  # the night of 31 December
    assert not applies_at(rule, oslo(2024, 12, 1, 1, 0), OSLO)  # the night of 30 November
    assert not applies_at(rule, oslo(2025, 1, 1, 22, 0), OSLO)


def test_no_times_is_the_whole_day_and_2400_is_its_end():
    assert applies_at(rel("d1", 500), oslo(2024, 6, 3, 0, 0), OSLO)
    late = rel("d2", 500, valid_from_time=2000, valid_until_time=2400)
    assert applies_at(late, oslo(2024, 6, 3, 23, 59), OSLO)
    assert not applies_at(late, oslo(2024, 6, 4, 0, 0), OSLO)


def test_the_day_of_week_is_the_local_day():
    monday = rel("d1", 500, days_of_week=frozenset({"MONDAY"}))
    # Sunday 23:30 UTC is Monday 01:30 in Oslo
    assert applies_at(monday, datetime(2024, 6, 2, 23, 30, tzinfo=UTC), OSLO)
    assert not applies_at(monday, datetime(2024, 6, 2, 23, 30, tzinfo=UTC), ZoneInfo("UTC"))


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, 23 * 60 + 59),
    end=st.integers(0, 24 * 60),
    minute=st.integers(0, 7 * 24 * 60 - 1),
)
def test_property_a_window_holds_exactly_its_minutes(start, end, minute):
    rule = rel(
        "d1",
        500,
        valid_from_time=(start // 60) * 100 + start % 60,
        valid_until_time=(end // 60) * 100 + end % 60,
    )
    when = datetime(2024, 6, 3, tzinfo=UTC) + timedelta(minutes=minute)  # a week without DST
    of_day = minute % (24 * 60)
    if start < end:
        expected = start <= of_day < end
    elif start == end:
        expected = False
    else:
        expected = of_day >= start or of_day < end
    assert applies_at(rule, when, ZoneInfo("UTC")) is expected


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, 23),
    length=st.integers(1, 23),
    day=st.sampled_from(DAYS),
    minute=st.integers(0, 14 * 24 * 60 - 1),
)
def test_property_a_days_window_runs_from_its_days_start_for_its_length(start, length, day, minute):
    end = (start + length) % 24
    rule = rel(
        "d1",
        500,
        valid_from_time=start * 100,
        valid_until_time=end * 100 if end else 2400,
        days_of_week=frozenset({day}),
    )
    when = datetime(2024, 6, 3, tzinfo=UTC) + timedelta(minutes=minute)  # Monday 3 June
    window_starts = [
        datetime(2024, 6, 2 + n, start, tzinfo=UTC) for n in range(16) if DAYS[(n - 1) % 7] == day
    ]
    expected = any(s <= when < s + timedelta(hours=length) for s in window_starts)
    assert applies_at(rule, when, ZoneInfo("UTC")) is expected


# Place and customer ---------------------------------------------------------------------------


def test_empty_lists_are_every_store_and_chain():
    assert applies_where(rel("d1", 500), "webshop", "")
    only = rel("d1", 500, stores=frozenset({"9999"}), dist_chains=frozenset({"DE01"}))
    assert applies_where(only, "9999", "DE01")
    assert not applies_where(only, "webshop", "DE01")
    assert not applies_where(only, "9999", "NO01")
    assert applies_where(rel("d2", 500, dist_chains=frozenset({"DE01"})), "any", "DE01")


def test_employee_rules_are_for_employees_only():
    staff_price = rel("d1", 2000, employee=True)
    assert for_customer(staff_price, True) and not for_customer(staff_price, False)
    assert for_customer(rel("d2", 500), False)


def test_why_not_names_the_first_reason():
    when = oslo(2024, 6, 3, 12, 0)  # a Monday
    common = {"when": when, "zone": OSLO, "store": "webshop", "chain": "NO", "is_employee": False}
    assert why_not(rel("d1", 500, automatic=True), **common) is None
    assert why_not(rel("d1", 500), **common) is NotApplicable.NOT_AUTOMATIC
    assert why_not(rel("d1", 500), automatic_only=False, **common) is None
    cases = {
        NotApplicable.EMPLOYEE_ONLY: {"employee": True},
        NotApplicable.OTHER_STORE: {"stores": frozenset({"9999"})},
        NotApplicable.OTHER_CHAIN: {"dist_chains": frozenset({"DE01"})},
        NotApplicable.OUTSIDE_DATES: {"valid_until_date": date(2024, 6, 2)},
        NotApplicable.OTHER_DAY: {"days_of_week": frozenset({"TUESDAY"})},
        NotApplicable.OUTSIDE_TIME: {"valid_from_time": 1300},
    }
    for reason, fields in cases.items():
        assert why_not(rel("d1", 500, automatic=True, **fields), **common) is reason


# Pricing ----------------------------------------------------------------------------------------


def test_a_relative_discount_in_hundredths_of_a_percent_rounded_half_up_once():
    priced = price_line(D("19.99"), 3, [rel("d1", 1250)])  # 12.50 % of 59.97 = 7.49625
    assert (priced.gross, priced.discount, priced.total) == (D("59.97"), D("7.50"), D("52.47"))
    assert priced.discount_ids == ("d1",)


def test_an_absolute_discount_is_minor_units_per_unit_and_never_below_zero():
    assert price_line(D("20.00"), 2, [absolute("d1", 500)]).discount == D("10.00")
    assert price_line(D("3.00"), 2, [absolute("d1", 500)]).discount == D("6.00")
    assert price_line(D("3.00"), 2, [absolute("d1", 500)]).total == D("0.00")
    assert price_line(D("100"), 1, [absolute("d1", 500)], currency_exponent=0).discount == D(100)


def test_non_combinable_discounts_give_the_best_one_alone():
    rules = [rel("d1", 1000), absolute("d2", 500)]
    assert price_line(D("100.00"), 1, rules).discount_ids == ("d1",)  # 10.00 beats 5.00
    assert price_line(D("30.00"), 1, rules).discount_ids == ("d2",)  # 5.00 beats 3.00


def test_combinable_discounts_stack_only_when_each_lists_the_other():
    both = [rel("d1", 1000, "d2"), rel("d2", 1000, "d1")]
    assert price_line(D("100.00"), 1, both).discount == D("19.00")  # 10 %, then 10 % of 90
    one_way = [rel("d1", 1000, "d2"), rel("d2", 1000)]
    assert price_line(D("100.00"), 1, one_way).discount == D("10.00")
    assert combinable(*both) and not combinable(*one_way)


def test_from_base_price_relative_discounts_use_the_base_price():
    stacked = [rel("d1", 1000, "d2"), rel("d2", 1000, "d1", base=True)]
    assert price_line(D("100.00"), 1, stacked).discount == D("20.00")  # 10 + 10 of 100


def test_the_order_absolute_first_then_relative_then_from_base():
    rules = [absolute("a", 1000, "b", "c"), rel("b", 1000, "a", "c", base=True)]
    rules.append(rel("c", 5000, "a", "b"))
    # 100 - 10 (absolute) = 90, 50 % of 90 = 45 left, less 10 % of the base 100: 35 left
    priced = price_line(D("100.00"), 1, rules)
    assert priced.discount == D("65.00") and priced.discount_ids == ("a", "c", "b")


def test_the_best_set_is_chosen_among_sets_that_do_not_combine():
    pair = [rel("p1", 1000, "p2"), rel("p2", 1000, "p1")]  # together 19 %
    single = rel("s", 1500)
    assert price_line(D("100.00"), 1, [*pair, single]).discount_ids == ("p1", "p2")
    assert price_line(D("100.00"), 1, [*pair, rel("s", 2500)]).discount_ids == ("s",)


def test_a_tie_goes_to_the_smaller_set_then_the_ids():
    rules = [rel("b", 1000), rel("a", 1000)]
    assert price_line(D("50.00"), 1, rules).discount_ids == ("a",)
    whole = [rel("x", 10000), absolute("y", 9999, "z"), absolute("z", 9999, "y")]
    assert price_line(D("10.00"), 1, whole).discount_ids == ("x",)


def test_nothing_for_a_free_or_empty_line_or_no_rules():
    assert price_line(D("0.00"), 2, [rel("d1", 1000)]).discount == D(0)
    assert price_line(D("10.00"), 0, [rel("d1", 1000)]).discount == D(0)
    assert price_line(D("10.00"), 1, []).discount_ids == ()


def test_prepared_rules_price_every_line_the_same_as_one_by_one():
    rules = [rel("d1", 1000, "d2"), absolute("d2", 300, "d1"), rel("d3", 2500)]
    prepared = prepare_rules(rules)
    for price in (D("1.00"), D("9.99"), D("12.00"), D("250.00")):
        assert prepared.price_line(price, 3) == price_line(price, 3, rules)


# Properties -------------------------------------------------------------------------------------

IDS = ["d1", "d2", "d3", "d4", "d5"]
prices = st.decimals(min_value=D("0.00"), max_value=D("5000.00"), places=2)


@st.composite
def rule_lists(draw):
    ids = draw(st.lists(st.sampled_from(IDS), min_size=0, max_size=5, unique=True))
    rules = []
    for discount_id in ids:
        kind = draw(st.sampled_from([RELATIVE, ABSOLUTE]))
        rate = draw(st.integers(0, 10000 if kind == RELATIVE else 100_000))
        combines = draw(st.frozensets(st.sampled_from(IDS)))
        base = draw(st.booleans())
        rules.append(
            Rule(
                discount_id=discount_id,
                rate=rate,
                type=kind,
                calculated_from_base_price=base,
                combinable_with=combines,
                automatic=True,
            )
        )
    return rules


@settings(max_examples=300, deadline=None)
@given(price=prices, quantity=st.integers(0, 20), rules=rule_lists())
def test_property_never_negative_never_more_than_the_price(price, quantity, rules):
    priced = price_line(price, quantity, rules)
    assert D(0) <= priced.discount <= priced.gross
    assert priced.total == priced.gross - priced.discount >= 0
    assert priced.discount == priced.discount.quantize(D("0.01"))


@settings(max_examples=300, deadline=None)
@given(price=prices, quantity=st.integers(1, 20), rules=rule_lists())
def test_property_the_best_set_is_at_least_any_single_discount(price, quantity, rules):
    best = price_line(price, quantity, rules).discount
    for rule in rules:
        assert best >= price_line(price, quantity, [rule]).discount


@settings(max_examples=300, deadline=None)
@given(price=prices, quantity=st.integers(1, 20), rules=rule_lists(), hour=st.integers(0, 23))
def test_property_a_rule_that_does_not_apply_changes_nothing(price, quantity, rules, hour):
    when = oslo(2024, 6, 3, hour, 0)
    elsewhere = Rule(
        discount_id="elsewhere",
        rate=9000,
        combinable_with=frozenset(IDS),
        stores=frozenset({"9999"}),
        automatic=True,
    )
    later = Rule(discount_id="later", rate=9000, automatic=True, valid_from_date=date(2099, 1, 1))

    def applicable(candidates):
        return [
            r
            for r in candidates
            if why_not(r, when=when, zone=OSLO, store="webshop", chain="", is_employee=False)
            is None
        ]

    assert price_line(price, quantity, applicable([*rules, elsewhere, later])) == price_line(
        price, quantity, applicable(rules)
    )


@settings(max_examples=300, deadline=None)
@given(price=prices, quantity=st.integers(1, 20), rules=rule_lists(), data=st.data())
def test_property_the_order_of_the_rules_does_not_matter(price, quantity, rules, data):
    shuffled = data.draw(st.permutations(rules))
    assert price_line(price, quantity, shuffled) == price_line(price, quantity, rules)


@settings(max_examples=300, deadline=None)
@given(price=prices, quantity=st.integers(1, 20), rules=rule_lists())
def test_property_a_one_way_listing_is_no_listing(price, quantity, rules):
    ids = {r.discount_id for r in rules}
    mutual = [
        Rule(
            discount_id=r.discount_id,
            rate=r.rate,
            type=r.type,
            calculated_from_base_price=r.calculated_from_base_price,
            combinable_with=frozenset(
                o
                for o in r.combinable_with
                if o in ids
                and r.discount_id in next(x for x in rules if x.discount_id == o).combinable_with
            ),
        )
        for r in rules
    ]
    assert (
        price_line(price, quantity, rules).discount == price_line(price, quantity, mutual).discount
    )


@settings(max_examples=200, deadline=None)
@given(price=prices, rules=rule_lists(), extra=st.sampled_from(IDS))
def test_property_combinability_is_symmetric_and_a_subset_never_beats_the_set(price, rules, extra):
    by_id = {r.discount_id: r for r in rules}
    for a in rules:
        for b in rules:
            assert combinable(a, b) == combinable(b, a)
    # adding a rule that combines with nothing never lowers the best discount
    lonely = Rule(discount_id="zz", rate=1, type=ABSOLUTE)
    assert price_line(price, 1, [*rules, lonely]).discount >= price_line(price, 1, rules).discount
    assert extra in IDS and len(by_id) == len(rules)


@settings(max_examples=200, deadline=None)
@given(price=prices, quantity=st.integers(1, 5), rules=rule_lists())
def test_property_the_chosen_set_is_the_best_of_all_combinable_subsets(price, quantity, rules):
    from itertools import combinations

    best = D(0)
    for size in range(1, len(rules) + 1):
        for subset in combinations(rules, size):
            if all(combinable(a, b) for a, b in combinations(subset, 2)):
                best = max(best, price_line(price, quantity, list(subset)).discount)
    assert price_line(price, quantity, rules).discount == best


def test_no_rules_make_no_candidate_set():
    from django_diller.discountapi.rules import prepare_rules

    rules = prepare_rules([])
    assert rules.candidates == ()
    assert rules.price_line(D("10.00"), 2).discount == 0
