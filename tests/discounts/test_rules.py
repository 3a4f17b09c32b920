"""Each of Diller's calculation rules, one example at a time."""

from datetime import timedelta
from decimal import Decimal as D

from django_diller.discounts import DiscountKind, RefusalReason, allocate, plan_discounts

from .builders import FIXED, NOW, PCT, SHIP, card, coupon, line


def by_line(plan):
    result = {}
    for d in plan.line_discounts:
        result[d.line_id] = result.get(d.line_id, D(0)) + d.amount
    return result


def refusals(plan):
    return {r.code: r.reason for r in plan.refused}


# Rule 1: percentage, fixed, free shipping --------------------------------------------------------
def test_percentage_coupon_on_the_whole_purchase():
    plan = plan_discounts(
        [line("a", "P1", 2, "100.00"), line("b", "P2", 1, "50.00")],
        [coupon("PCT10", PCT, "10", chosen=True)],
        now=NOW,
    )
    assert plan.coupon_amounts == {"PCT10": D("25.00")}
    assert by_line(plan) == {"a": D("20.00"), "b": D("5.00")}
    assert plan.total_after == D("225.00")


def test_fixed_coupon_is_spread_in_proportion_and_capped():
    plan = plan_discounts(
        [line("a", "P1", 1, "30.00"), line("b", "P2", 1, "10.00")],
        [coupon("FIXED50", FIXED, "50", chosen=True)],
        now=NOW,
    )
    assert plan.coupon_amounts == {"FIXED50": D("40.00")}  # never more than the goods
    assert by_line(plan) == {"a": D("30.00"), "b": D("10.00")}
    plan = plan_discounts(
        [line("a", "P1", 1, "30.00"), line("b", "P2", 1, "10.00")],
        [coupon("FIXED10", FIXED, "10", chosen=True)],
        now=NOW,
    )
    assert by_line(plan) == {"a": D("7.50"), "b": D("2.50")}


def test_free_shipping_takes_the_shipping_charge_once():
    plan = plan_discounts(
        [line("a", "P1", 1, "100.00")],
        [coupon("SHIP1", SHIP, chosen=True), coupon("SHIP2", SHIP, chosen=True)],
        now=NOW,
        shipping_charge=D("49.00"),
    )
    assert (plan.shipping_coupon, plan.shipping_discount) == ("SHIP1", D("49.00"))
    assert refusals(plan) == {"SHIP2": RefusalReason.NOTHING_LEFT_TO_DISCOUNT}
    assert plan.total_after == D("100.00")


def test_free_shipping_without_a_shipping_charge_is_refused():
    plan = plan_discounts([line("a", "P1", 1, "10")], [coupon("S", SHIP, chosen=True)], now=NOW)
    assert refusals(plan) == {"S": RefusalReason.NO_SHIPPING_CHARGE}


def test_product_free_shipping_needs_a_matching_product():
    coupons = [coupon("GEAR", SHIP, products={"MUG"})]
    plan = plan_discounts([line("a", "TEA", 1, "10")], coupons, now=NOW, shipping_charge=D(49))
    assert refusals(plan) == {"GEAR": RefusalReason.NO_MATCHING_PRODUCTS}
    plan = plan_discounts([line("a", "MUG", 1, "10")], coupons, now=NOW, shipping_charge=D(49))
    assert plan.shipping_coupon == "GEAR"


# Rule 2: no double discounts ---------------------------------------------------------------------
def test_no_percentage_on_an_item_the_shop_already_discounted():
    plan = plan_discounts(
        [line("a", "P1", 1, "100.00", shop_discount=D("20.00")), line("b", "P2", 1, "50.00")],
        [coupon("PCT10", PCT, "10", chosen=True)],
        now=NOW,
    )
    assert by_line(plan) == {"b": D("5.00")}


def test_units_the_shop_did_not_touch_may_still_take_a_coupon():
    # A "3 for 2" shop offer took 3 of 4 units: the fourth may take the coupon.
    plan = plan_discounts(
        [line("a", "P1", 4, "100.00", shop_discount=D("100.00"), shop_units=3)],
        [coupon("PCT10", PCT, "10", chosen=True)],
        now=NOW,
    )
    assert [(d.units, d.amount) for d in plan.line_discounts] == [(1, D("10.00"))]


def test_two_coupons_never_discount_the_same_unit():
    plan = plan_discounts(
        [line("a", "COF", 1, "100.00"), line("b", "TEA", 1, "50.00")],
        [coupon("PCT20COF", PCT, "20", products={"COF"}), coupon("PCT10", PCT, "10", chosen=True)],
        now=NOW,
    )
    assert {(d.line_id, d.reference) for d in plan.line_discounts} == {
        ("a", "PCT20COF"),
        ("b", "PCT10"),
    }
    assert by_line(plan) == {"a": D("20.00"), "b": D("5.00")}


def test_a_unit_made_free_by_a_stamp_card_takes_no_coupon():
    plan = plan_discounts(
        [line("a", "COF", 1, "100.00")],
        [coupon("PCT10", PCT, "10", chosen=True)],
        [card(1, 10, 9, {"COF"})],
        now=NOW,
    )
    assert by_line(plan) == {"a": D("100.00")}
    assert refusals(plan) == {"PCT10": RefusalReason.NOTHING_LEFT_TO_DISCOUNT}


def test_non_eligible_lines_take_no_loyalty_discount():
    plan = plan_discounts(
        [line("gift", "GIFT", 1, "500.00", eligible=False), line("a", "P1", 1, "100.00")],
        [coupon("PCT10", PCT, "10", chosen=True)],
        now=NOW,
    )
    assert by_line(plan) == {"a": D("10.00")}


# Rules 3 and 4: product coupons automatic, whole-purchase ones when chosen -----------------------
def test_product_coupons_apply_by_themselves_only_to_their_products():
    plan = plan_discounts(
        [line("a", "COF", 2, "100.00"), line("b", "TEA", 1, "50.00")],
        [coupon("PCT20COF", PCT, "20", products={"COF"})],
        now=NOW,
    )
    assert by_line(plan) == {"a": D("40.00")}


def test_whole_purchase_coupons_wait_for_the_shoppers_choice():
    plan = plan_discounts([line("a", "P", 1, "100")], [coupon("PCT10", PCT, "10")], now=NOW)
    assert plan.line_discounts == ()
    assert refusals(plan) == {"PCT10": RefusalReason.NOT_CHOSEN}


def test_the_coupon_worth_most_goes_first_whatever_the_order_given():
    coupons = [coupon("FIXED5", FIXED, "5", chosen=True), coupon("PCT50", PCT, "50", chosen=True)]
    for order in (coupons, coupons[::-1]):
        plan = plan_discounts([line("a", "P", 1, "100")], order, now=NOW)
        assert plan.coupon_amounts == {"PCT50": D("50.00")}
        assert refusals(plan) == {"FIXED5": RefusalReason.NOTHING_LEFT_TO_DISCOUNT}


# Rule 5: stamp cards -------------------------------------------------------------------------
def test_matching_units_earn_stamps():
    plan = plan_discounts([line("a", "COF", 3, "10")], [], [card(1, 10, 2, {"COF"})], now=NOW)
    (movement,) = plan.stamp_movements
    assert (movement.collected, movement.deducted, movement.rewards) == (3, 0, 0)
    assert plan.line_discounts == ()


def test_the_unit_that_completes_a_card_is_free_and_the_stamps_are_deducted():
    plan = plan_discounts([line("a", "COF", 2, "10")], [], [card(1, 10, 8, {"COF"})], now=NOW)
    (movement,) = plan.stamp_movements
    assert (movement.collected, movement.deducted, movement.rewards) == (2, 10, 1)
    assert by_line(plan) == {"a": D("10")}


def test_the_free_unit_is_the_dearest_matching_one():
    lines = [line("cheap", "C1", 1, "50"), line("dear", "C2", 1, "150")]
    plan = plan_discounts(lines, [], [card(1, 2, 0, {"C1", "C2"})], now=NOW)
    assert by_line(plan) == {"dear": D("150")}


def test_a_restartable_card_can_give_several_free_units():
    plan = plan_discounts([line("a", "COF", 7, "10")], [], [card(1, 3, 0, {"COF"})], now=NOW)
    (movement,) = plan.stamp_movements
    assert (movement.collected, movement.deducted, movement.rewards) == (7, 6, 2)
    assert by_line(plan) == {"a": D("20")}


def test_a_non_restartable_card_gives_one_free_unit_then_is_used_up():
    cards = [card(1, 3, 0, {"COF"}, is_restartable=False)]
    plan = plan_discounts([line("a", "COF", 7, "10")], [], cards, now=NOW)
    (movement,) = plan.stamp_movements
    assert (movement.collected, movement.deducted, movement.rewards) == (3, 3, 1)


def test_a_completed_card_waits_for_an_undiscounted_unit():
    lines = [line("a", "COF", 1, "10", shop_discount=D("2")), line("b", "COF", 1, "30")]
    plan = plan_discounts(lines, [], [card(1, 10, 9, {"COF"})], now=NOW)
    assert by_line(plan) == {"b": D("30")}  # the discounted unit earned the stamp, b is free


def test_threshold_cards_earn_one_stamp_per_qualifying_purchase():
    cards = [card(3, 5, 1, card_type="threshold", threshold_amount=D("500"))]
    plan = plan_discounts([line("a", "P", 5, "100")], [], cards, now=NOW)
    assert [(m.card_id, m.collected) for m in plan.stamp_movements] == [(3, 1)]
    plan = plan_discounts([line("a", "P", 4, "100")], [], cards, now=NOW)
    assert plan.stamp_movements == ()
    # After discounts the purchase must still reach the threshold.
    plan = plan_discounts(
        [line("a", "P", 5, "100")], [coupon("PCT10", PCT, "10", chosen=True)], cards, now=NOW
    )
    assert plan.stamp_movements == ()


# Refusals ------------------------------------------------------------------------------------
def test_expired_not_yet_valid_and_used_up_coupons_are_refused_with_the_reason():
    day = timedelta(days=1)
    coupons = [
        coupon("OLD", PCT, "10", chosen=True, valid_to=NOW - day),
        coupon("SOON", PCT, "10", chosen=True, valid_from=NOW + day),
        coupon("ONCE", FIXED, "100", chosen=True, max_redemptions=1, times_redeemed=1),
        coupon("ODD", DiscountKind.NOT_DEFINED, "10", chosen=True),
    ]
    plan = plan_discounts([line("a", "P", 1, "100")], coupons, now=NOW)
    assert refusals(plan) == {
        "OLD": RefusalReason.EXPIRED,
        "SOON": RefusalReason.NOT_YET_VALID,
        "ONCE": RefusalReason.USED_UP,
        "ODD": RefusalReason.UNSUPPORTED,
    }
    assert plan.line_discounts == ()


# Rounding ------------------------------------------------------------------------------------
def test_allocation_is_exact_to_the_cent():
    assert allocate(D("10.00"), [D(1), D(1), D(1)]) == [D("3.34"), D("3.33"), D("3.33")]
    assert allocate(D("0.01"), [D(5), D(5)]) == [D("0.01"), D("0.00")]
    assert sum(allocate(D("99.99"), [D("33.33")] * 7)) == D("99.99")


def test_a_percentage_is_rounded_once_on_the_coupon_total():
    lines = [line(str(i), "P", 1, "0.05") for i in range(3)]
    plan = plan_discounts(lines, [coupon("PCT10", PCT, "10", chosen=True)], now=NOW)
    assert plan.coupon_amounts == {"PCT10": D("0.02")}  # 10 % of 0.15 = 0.015, rounded once
    assert sum(d.amount for d in plan.line_discounts) == D("0.02")
