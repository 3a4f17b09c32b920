"""Baskets that once broke the engine: free samples and stamp cards, which unit a full card
frees, threshold cards and non-eligible lines, and prices finer than the currency's minor unit."""

from decimal import Decimal as D

import pytest

from django_diller.discounts import plan_discounts

from .builders import FIXED, NOW, PCT, SHIP, card, coupon, line


def threshold_card(amount, card_id=7):
    return card(card_id, 5, 1, card_type="threshold", threshold_amount=D(amount))


def stamp_free(plan):
    """line id -> (units, amount) a stamp card made free."""
    return {d.line_id: (d.units, d.amount) for d in plan.line_discounts if d.source == "stamp_card"}


def movement(plan, card_id=1):
    (found,) = [m for m in plan.stamp_movements if m.card_id == card_id]
    return found.collected, found.deducted, found.rewards


# A free sample never takes a stamp card's reward --------------------------------------------------
def test_a_free_sample_never_takes_the_reward_from_a_paying_unit():
    lines = [line("sample", "COF", 1, "0.00"), line("paid", "COF", 1, "35.00")]
    for given in (lines, lines[::-1]):
        plan = plan_discounts(given, [], [card(1, 10, 9, {"COF"})], now=NOW)
        assert stamp_free(plan) == {"paid": (1, D("35.00"))}
        assert movement(plan) == (2, 10, 1)


def test_a_free_sample_is_never_the_reward_even_alone():
    # A reward worth nothing would cost the member a full card: the card stays full instead.
    plan = plan_discounts([line("s", "COF", 2, "0")], [], [card(1, 10, 9, {"COF"})], now=NOW)
    assert stamp_free(plan) == {}
    assert movement(plan) == (1, 0, 0)


def test_a_free_sample_does_not_take_the_reward_a_discounted_unit_cannot_take():
    lines = [line("sample", "COF", 1, "0"), line("sale", "COF", 1, "30", shop_discount=D("5"))]
    plan = plan_discounts(lines, [], [card(1, 10, 9, {"COF"})], now=NOW)
    assert plan.line_discounts == ()
    assert movement(plan) == (1, 0, 0)  # the card is full and waits for the next purchase


def test_a_card_that_frees_every_unit_skips_free_samples():
    lines = [line("sample", "COF", 3, "0"), line("paid", "COF", 2, "20")]
    plan = plan_discounts(lines, [], [card(1, 1, 0, {"COF"})], now=NOW)
    assert stamp_free(plan) == {"paid": (2, D("40"))}
    assert movement(plan)[1:] == (2, 2)


# A full card frees the dearest unit ---------------------------------------------------------------
def test_the_dearest_unit_completes_the_card():
    lines = [line("cheap", "COF", 1, "10.00"), line("dear", "COF", 1, "150.00")]
    for given in (lines, lines[::-1]):
        plan = plan_discounts(given, [], [card(1, 10, 9, {"COF"})], now=NOW)
        assert stamp_free(plan) == {"dear": (1, D("150.00"))}
        assert movement(plan) == (2, 10, 1)  # both units earned a stamp
        stamps = {s.line_id: (s.collected, s.deducted) for s in plan.line_stamps}
        assert stamps == {"dear": (1, 10), "cheap": (1, 0)}


def test_a_restartable_card_frees_the_dearest_units():
    lines = [line("a", "COF", 2, "10"), line("b", "COF", 2, "40"), line("c", "COF", 2, "25")]
    plan = plan_discounts(lines, [], [card(1, 3, 0, {"COF"})], now=NOW)
    assert stamp_free(plan) == {"b": (2, D("80"))}
    assert movement(plan) == (6, 6, 2)


def test_a_non_restartable_card_frees_the_dearest_unit():
    lines = [line("a", "COF", 3, "10"), line("b", "COF", 1, "40")]
    cards = [card(1, 2, 0, {"COF"}, is_restartable=False)]
    plan = plan_discounts(lines, [], cards, now=NOW)
    assert stamp_free(plan) == {"b": (1, D("40"))}
    assert movement(plan) == (2, 2, 1)  # used up after two stamps


def test_a_card_that_came_full_frees_the_dearest_unit_and_the_others_count_again():
    lines = [line("cheap", "COF", 1, "10"), line("dear", "COF", 1, "150")]
    plan = plan_discounts(lines, [], [card(1, 10, 10, {"COF"})], now=NOW)
    assert stamp_free(plan) == {"dear": (1, D("150"))}
    assert movement(plan) == (1, 10, 1)  # the free unit took the full card's reward unstamped


def test_equal_prices_free_the_unit_of_the_first_line_id():
    lines = [line("b", "COF", 1, "20"), line("a", "COF", 1, "20")]
    plan = plan_discounts(lines, [], [card(1, 10, 9, {"COF"})], now=NOW)
    assert stamp_free(plan) == {"a": (1, D("20"))}


def test_the_dearest_unit_a_discount_already_took_is_passed_over():
    lines = [line("dear", "COF", 1, "150", shop_discount=D("15")), line("cheap", "COF", 1, "10")]
    plan = plan_discounts(lines, [], [card(1, 10, 9, {"COF"})], now=NOW)
    assert stamp_free(plan) == {"cheap": (1, D("10"))}
    assert movement(plan) == (2, 10, 1)


# Threshold cards count eligible goods only --------------------------------------------------------
def test_a_gift_card_alone_earns_no_threshold_stamp():
    plan = plan_discounts(
        [line("gift", "GIFT", 1, "1000", eligible=False)], [], [threshold_card("500")], now=NOW
    )
    assert plan.stamp_movements == ()
    plan = plan_discounts(
        [line("gift", "GIFT", 1, "1000", eligible=False)], [], [threshold_card("0")], now=NOW
    )
    assert plan.stamp_movements == ()


def test_a_gift_card_does_not_lift_a_purchase_over_the_threshold():
    lines = [line("gift", "GIFT", 1, "400", eligible=False), line("a", "P", 1, "200")]
    assert plan_discounts(lines, [], [threshold_card("500")], now=NOW).stamp_movements == ()
    lines = [line("gift", "GIFT", 1, "400", eligible=False), line("a", "P", 1, "500")]
    plan = plan_discounts(lines, [], [threshold_card("500")], now=NOW)
    assert [(m.card_id, m.collected) for m in plan.stamp_movements] == [(7, 1)]


# Prices finer than the minor unit -----------------------------------------------------------------
def test_a_full_coupon_on_a_sub_cent_price_leaves_nothing_negative():
    plan = plan_discounts(
        [line("a", "P", 1, "0.005")], [coupon("ALL", PCT, "100", chosen=True)], now=NOW
    )
    assert plan.goods_total == D("0.01")  # 0.005 rounds half-up to the cent
    assert plan.coupon_amounts == {"ALL": D("0.01")}
    assert plan.goods_total - plan.discount_for_line("a") == 0
    assert plan.total_after == 0


def test_a_fixed_coupon_over_sub_cent_prices_adds_up_exactly():
    lines = [line("a", "P", 1, "0.005"), line("b", "P", 3, "0.015"), line("c", "P", 1, "0.004")]
    plan = plan_discounts(lines, [coupon("F", FIXED, "10", chosen=True)], now=NOW)
    # Rounded: 0.01, 3 x 0.02, 0.00; the coupon is capped at what is charged.
    assert plan.goods_total == D("0.07")
    assert plan.coupon_amounts == {"F": D("0.07")}
    assert sum(d.amount for d in plan.line_discounts) == D("0.07")
    assert {d.line_id: d.amount for d in plan.line_discounts} == {"a": D("0.01"), "b": D("0.06")}


def test_a_fixed_coupon_smaller_than_the_goods_splits_exactly_over_sub_cent_prices():
    lines = [line(str(n), "P", 1, "0.335") for n in range(3)]
    plan = plan_discounts(lines, [coupon("F", FIXED, "0.50", chosen=True)], now=NOW)
    parts = [d.amount for d in plan.line_discounts]
    assert sum(parts) == plan.coupon_amounts["F"] == D("0.50")
    assert all(part == part.quantize(D("0.01")) and part <= D("0.34") for part in parts)


def test_a_sub_cent_shop_discount_never_exceeds_the_rounded_line():
    lines = [line("a", "P", 3, "0.004", shop_discount=D("0.012"))]
    plan = plan_discounts(lines, [coupon("ALL", PCT, "100", chosen=True)], now=NOW)
    assert plan.goods_total == 0
    assert plan.total_after == 0
    assert plan.line_discounts == ()


def test_a_stamp_card_frees_the_rounded_price():
    plan = plan_discounts([line("a", "COF", 1, "34.995")], [], [card(1, 1, 0, {"COF"})], now=NOW)
    assert stamp_free(plan) == {"a": (1, D("35.00"))}
    assert plan.total_after == 0


def test_prices_round_to_the_currencys_own_minor_unit():
    plan = plan_discounts(
        [line("a", "P", 2, "10.5")],
        [coupon("F", FIXED, "100", chosen=True), coupon("S", SHIP, chosen=True)],
        now=NOW,
        shipping_charge=D("49.5"),
        minor_unit=D(1),
    )
    assert plan.goods_total == D(22)
    assert plan.coupon_amounts == {"F": D(22)}
    assert plan.shipping_discount == plan.shipping_charge == D(50)
    assert plan.total_after == 0


def test_a_minor_unit_that_is_no_power_of_ten_is_refused():
    # The engine counts in whole minor units; a 0.05 rounding step is the shop's to apply.
    with pytest.raises(ValueError, match="power of ten"):
        plan_discounts([line("a", "P", 1, "10")], now=NOW, minor_unit=D("0.05"))
