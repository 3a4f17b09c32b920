"""The club's figures in Oscar's pages: the points a basket earns, and the points, coupons and
stamp cards of an order on the thank-you page and in the order history (issue 11).

The embedded sandbox is Diller and Celery runs eagerly: a settled payment sends the order's
transaction inside ``commit()``.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from django_diller.contrib.oscar.loyalty_display import (
    PointsState,
    basket_points,
    order_loyalty,
    points_in_answer,
)
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.members import club
from django_diller.members.club import PointsRule
from django_diller.models import OrderLoyaltyItem
from django_diller.outbox import engine as outbox
from django_diller.sandbox.seed import GIFT_CARD_PRODUCT_IDS, SEED_MEMBER_ID

from .conftest import EARL_GREY, ESPRESSO, MUG, add_to_basket
from .orders import Kind, State, event, loyalty_item, only_entry, status, store
from .orders import transactions_at_diller as at_diller

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop", "diller_settings")]

GIFT_1000 = GIFT_CARD_PRODUCT_IDS[1]
NOK_1 = PointsRule(D("1.0"), "NOK")


@pytest.fixture
def rule_known():
    """A page read the store lately, so its points rule is in the cache."""
    assert club.club_facts() is not None
    assert club.cached_points_rule() == PointsRule(D("1.0"), "NOK", 100)


def diller_requests() -> int:
    return len(embedded_sandbox().requests)


def part(html: str, element_id: str) -> str | None:
    """The element with ``element_id`` up to its first closing tag of the same kind."""
    marker = f'id="{element_id}"'
    if marker not in html:
        return None
    start = html.rindex("<", 0, html.index(marker))
    tag = html[start + 1 : html.index(" ", start)]
    return html[start : html.index(f"</{tag}>", start)]


def order_page(client, order) -> str:
    url = reverse("customer:order", kwargs={"order_number": order.number})
    return client.get(url).content.decode()


def history_row(client, order) -> str:
    html = client.get(reverse("customer:order-list")).content.decode()
    start = html.index(f">{order.number}</a>")
    return html[start : html.index("</tr>", start)]


# the basket ----------------------------------------------------------------------------------


def test_a_basket_earns_points_on_its_eligible_lines_after_discounts(make_basket):
    plain = make_basket({ESPRESSO: 2, GIFT_1000: 1}, snapshot=False)  # the card earns none
    assert basket_points(plain, NOK_1) == 378
    assert basket_points(plain, PointsRule(D("0.1"), "NOK")) == 37
    # The member's stamp card makes one espresso free and a coupon takes 20 % off the other.
    loyal = make_basket({ESPRESSO: 2, GIFT_1000: 1})
    assert loyal.total_incl_tax == D("1151.20")
    assert basket_points(loyal, NOK_1) == 151
    discounted = make_basket({EARL_GREY: 1}, chosen=["PCT10"])  # 79.00 - 7.90 = 71.10
    assert discounted.total_incl_tax == D("71.10")
    assert basket_points(discounted, NOK_1) == 71


def test_a_basket_shows_nothing_without_a_rule_in_another_currency_or_of_gift_cards(make_basket):
    basket = make_basket({ESPRESSO: 1})
    assert basket_points(basket, None) is None
    assert basket_points(basket, PointsRule(D("1.0"), "SEK")) is None
    assert basket_points(make_basket({GIFT_1000: 1}), NOK_1) is None


def test_the_basket_page_tells_a_member_the_points_without_asking_diller(shopper, rule_known):
    asked = diller_requests()
    html = shopper.get(reverse("basket:summary")).content.decode()
    assert diller_requests() == asked
    box = part(html, "diller-basket-points")
    assert box is not None and "You earn 378 points with this basket." in box
    # an estimate: the order's own points are counted on what is paid, shipping included
    assert "coupons lower them, shipping adds to them" in box


def test_the_basket_page_shows_no_points_while_no_page_has_read_the_rule(shopper):
    asked = diller_requests()
    html = shopper.get(reverse("basket:summary")).content.decode()
    assert part(html, "diller-basket-points") is None
    assert diller_requests() == asked
    assert club.cached_points_rule() is None


def test_a_visitor_is_told_what_members_earn_and_the_way_to_the_club(client, rule_known):
    add_to_basket(client, EARL_GREY)
    box = part(client.get(reverse("basket:summary")).content.decode(), "diller-basket-points")
    assert box is not None and "Members earn 79 points with this basket." in box
    assert f'href="{reverse("diller:club")}"' in box


# what Diller's answer says -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        (
            {"is_ok": True, "details": "Transaction 100023 registered: 271 point(s), 2 coupon(s)"},
            271,
        ),
        ({"is_ok": True, "details": "Registered. Points: 12"}, 12),
        ({"is_ok": True, "details": "12.5 points"}, D("12.5")),
        ({"is_ok": True, "details": "Transaction 100023 registered."}, None),
        ({"is_ok": True}, None),
        ({"is_ok": True, "details": "Duplicate: 271 points", "received_before": True}, None),
        ({"is_ok": False, "details": "Refused: 0 points"}, None),
        (None, None),
    ],
)
def test_the_points_are_read_from_the_answers_details_when_it_states_them(answer, points):
    assert points_in_answer(answer) == points


# orders ----------------------------------------------------------------------------------------


def test_a_paid_order_shows_the_points_diller_gave_it(paid, client, member):
    order = paid({ESPRESSO: 2, MUG: 1})
    earned = at_diller()[order.number].points_delta
    assert earned > 0
    client.force_login(member)
    points = part(order_page(client, order), "diller-order-points")
    assert points is not None and f"You earned {earned} points with this order." in points
    row = history_row(client, order)
    assert f"{earned} points" in row and "about" not in row


def test_an_unpaid_order_shows_an_estimate_said_to_be_one(place, client, member):
    order = place({GIFT_1000: 1, EARL_GREY: 1})  # 1000 + 79 + 49 shipping; the card earns none
    client.force_login(member)
    points = part(order_page(client, order), "diller-order-points")
    assert points is not None and "About 128 points, added when the order is paid." in points
    assert "about 128 points" in history_row(client, order)


@pytest.mark.parametrize(
    "answer", [{"is_ok": True}, {"is_ok": True, "details": "Transaction registered."}]
)
def test_an_answer_without_points_leaves_an_estimate_of_what_was_added(
    place, commit, client, member, rule_known, answer
):
    embedded_sandbox().override_response("createTransaction", 200, answer)
    order = place({EARL_GREY: 1})
    with commit():
        event(order, "Settled")
    assert only_entry(kind=Kind.SEND_TRANSACTION).state == State.SENT
    client.force_login(member)
    points = part(order_page(client, order), "diller-order-points")
    assert points is not None and "About 128 points were added to your membership." in points


def test_an_answer_to_a_resent_transaction_leaves_an_estimate(place, commit, client, member):
    order = place({EARL_GREY: 1})
    lost = {"drop_rate": 1.0, "only_operations": {"createTransaction"}, "max_faults": 1}
    with embedded_sandbox().inject(**lost), commit():
        event(order, "Settled")
    entry = only_entry(kind=Kind.SEND_TRANSACTION)
    entry.next_attempt_at = entry.created_at
    entry.save(update_fields=["next_attempt_at"])
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.response["received_before"] is True
    loyalty = order_loyalty(order)
    assert (loyalty.points, loyalty.points_state) == (D(128), PointsState.ADDED)


def test_an_order_diller_gets_nothing_for_shows_no_points(place, commit, client, member):
    store().members[SEED_MEMBER_ID].consent.gdpr_accepted = False
    order = place({EARL_GREY: 1})
    with commit():
        event(order, "Settled")
    assert only_entry(kind=Kind.SEND_TRANSACTION).state == State.SKIPPED
    assert not order_loyalty(order)
    client.force_login(member)
    assert part(order_page(client, order), "diller-order-loyalty") is None


def test_a_cancelled_order_shows_its_coupons_but_no_points(paid, commit, client, member):
    order = paid({ESPRESSO: 1})
    loyalty_item(order, OrderLoyaltyItem.Kind.COUPON, "PCT10", amount=D("18.90"))
    with commit():
        status(order, "Cancelled")
    client.force_login(member)
    box = part(order_page(client, order), "diller-order-loyalty")
    assert box is not None and "Coupon PCT10: &minus;NOK18.90" in box
    assert "points" not in box


def test_the_orders_coupons_and_stamp_cards_show_with_their_amounts(place, client, member):
    order = place({ESPRESSO: 2, EARL_GREY: 1})
    loyalty_item(order, OrderLoyaltyItem.Kind.COUPON, "PCT10", amount=D("7.90"))
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.STAMP_CARD,
        "101",
        amount=D("189.00"),
        stamps_collected=2,
        stamps_deducted=1,
        lines=[{"product_id": ESPRESSO, "discount": "189.00", "collected": 2, "deducted": 1}],
    )
    loyalty_item(order, OrderLoyaltyItem.Kind.STAMP_CARD, "103", stamps_collected=1)
    client.force_login(member)
    box = part(order_page(client, order), "diller-order-loyalty")
    assert box is not None
    assert "Coupon PCT10: &minus;NOK7.90" in box
    assert "Stamp card (Espresso beans 500 g):" in box
    assert "2 stamps collected, reward &minus;NOK189.00" in box
    assert "Stamp card:\n      1 stamp collected</li>" in box  # a card for the whole purchase
    assert "1 coupon used" in history_row(client, order)


def test_the_coupons_and_stamp_cards_show_by_the_titles_the_member_saw(place, client, member):
    order = place({ESPRESSO: 2})
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.COUPON,
        "PCT10",
        title="10 % off <your> purchase",
        amount=D("7.90"),
    )
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.STAMP_CARD,
        "101",
        title="Every 10th coffee free",
        amount=D("189.00"),
        stamps_deducted=1,
        lines=[{"product_id": ESPRESSO, "discount": "189.00", "collected": 0, "deducted": 1}],
    )
    client.force_login(member)
    box = part(order_page(client, order), "diller-order-loyalty")
    assert box is not None
    assert "10 % off &lt;your&gt; purchase: &minus;NOK7.90" in box and "PCT10" not in box
    assert "Every 10th coffee free (Espresso beans 500 g):" in box


def test_orders_of_shoppers_outside_the_club_show_nothing(place, client):
    other = get_user_model().objects.get(email="other@example.com")
    order = place({ESPRESSO: 1}, user=other)
    client.force_login(other)
    assert part(order_page(client, order), "diller-order-loyalty") is None
    assert "&ndash;" in history_row(client, order)


def test_the_thank_you_page_shows_the_points_and_forgets_the_old_balance(paid, client, member):
    order = paid({ESPRESSO: 1})
    link = club.link_of(member)
    assert club.member_summary(link) is not None  # the header's balance, before the order
    loyalty_item(order, OrderLoyaltyItem.Kind.COUPON, "FIXED50", amount=D("50.00"))
    client.force_login(member)
    session = client.session
    session["checkout_order_id"] = order.pk
    session.save()
    html = client.get(reverse("checkout:thank-you")).content.decode()
    box = part(html, "diller-order-loyalty")
    earned = at_diller()[order.number].points_delta
    assert box is not None and f"You earned {earned} points with this order." in box
    assert "Coupon FIXED50: &minus;NOK50.00" in box
    assert club.cached_member_summary(link) is None
