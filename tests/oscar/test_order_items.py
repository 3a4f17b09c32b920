"""What each coupon and stamp card gave an order, recorded once in one statement and brought up
to date when recorded again."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_diller.contrib.oscar.offers import PLAN_ATTRIBUTE
from django_diller.loyalty.reservations import record_order_items, snapshot_titles
from django_diller.models import OrderLoyaltyItem
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import ESPRESSO

pytestmark = pytest.mark.django_db


def test_the_items_are_recorded_in_one_statement(make_basket):
    basket = make_basket({ESPRESSO: 2})
    plan = getattr(basket, PLAN_ATTRIBUTE)
    with CaptureQueriesContext(connection) as queries:
        record_order_items("100042", SEED_MEMBER_ID, plan)
    writes = [q["sql"] for q in queries if "diller_orderloyaltyitem" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith("INSERT")
    items = {i.reference: i for i in OrderLoyaltyItem.objects.filter(order_number="100042")}
    assert items["PCT20COFFEE"].amount == D("37.80")  # 20 % off the espresso that is paid for
    assert (items["101"].amount, items["101"].stamps_collected) == (D("189.00"), 2)


def test_recording_again_updates_the_items_and_keeps_their_reservation(make_basket):
    basket = make_basket({ESPRESSO: 2})
    plan = getattr(basket, PLAN_ATTRIBUTE)
    record_order_items("100042", SEED_MEMBER_ID, plan)
    OrderLoyaltyItem.objects.filter(reference="PCT20COFFEE").update(
        reservation=OrderLoyaltyItem.Reservation.RESERVED, amount=D("1.00")
    )
    record_order_items("100042", SEED_MEMBER_ID, plan)
    item = OrderLoyaltyItem.objects.get(order_number="100042", reference="PCT20COFFEE")
    assert item.amount == D("37.80")
    assert item.reservation == OrderLoyaltyItem.Reservation.RESERVED
    assert OrderLoyaltyItem.objects.filter(order_number="100042").count() == 2


def test_titles_that_diller_left_empty_or_made_long_are_recorded_as_the_pages_can_show_them(
    make_basket,
):
    """A coupon's or card's ``title`` is an optional string of any length in Diller's contract."""
    coupons = [
        {"code": "PCT20COFFEE", "title": "x" * 300},
        {"code": "PCT10", "title": None},
        {"code": "FIXED50"},
        {"title": "no code"},
    ]
    titles = snapshot_titles(coupons, [{"id": 101, "title": ""}, {"id": 102, "title": "Buns"}])
    assert titles == {"PCT20COFFEE": "x" * 300, "102": "Buns"}  # none for what has no title
    basket = make_basket({ESPRESSO: 2})
    record_order_items("100042", SEED_MEMBER_ID, getattr(basket, PLAN_ATTRIBUTE), titles=titles)
    items = {i.reference: i for i in OrderLoyaltyItem.objects.filter(order_number="100042")}
    assert items["PCT20COFFEE"].title == "x" * 255  # the column's length
    assert items["101"].title == ""  # the pages and the receipt fall back to "Stamp card"
