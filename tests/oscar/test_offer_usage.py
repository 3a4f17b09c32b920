"""The carrier offers' use is counted in one UPDATE after the order commits: no row lock held
while the order is written, no count lost, nothing else of the offer written over."""

from decimal import Decimal as D

import pytest
from oscar.core.loading import get_class, get_model

from django_diller.contrib.oscar.offer_usage import count_use_after_commit

from .test_checkout_flow import place_order, to_preview

ConditionalOffer = get_model("offer", "ConditionalOffer")
OrderCreator = get_class("order.utils", "OrderCreator")
pytestmark = pytest.mark.django_db


def loyalty_offer():
    return ConditionalOffer.objects.get(slug="diller-loyalty")


def counters(offer):
    offer.refresh_from_db()
    return offer.num_applications, offer.total_discount, offer.num_orders


def test_an_order_counts_one_use_after_it_commits_and_keeps_what_staff_changed_meanwhile(
    shopper, monkeypatch, django_capture_on_commit_callbacks
):
    offer = loyalty_offer()
    before = counters(offer)
    record_discount = OrderCreator.record_discount

    def staff_suspends_it_meanwhile(self, discount):
        ConditionalOffer.objects.filter(pk=offer.pk).update(status=ConditionalOffer.SUSPENDED)
        record_discount(self, discount)

    monkeypatch.setattr(OrderCreator, "record_discount", staff_suspends_it_meanwhile)
    assert to_preview(shopper).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        place_order(shopper)
        assert counters(offer) == before  # nothing written to the offer in the order's
    for callback in after_commit:
        callback()
    applications, total, orders = counters(offer)
    assert (applications, orders) == (before[0] + 1, before[2] + 1)
    assert total == before[1] + D("226.80")  # the order's loyalty discount
    assert offer.status == ConditionalOffer.SUSPENDED  # staff's change stands


def test_uses_counted_at_once_add_up(django_capture_on_commit_callbacks, shop):
    offer = loyalty_offer()
    before = counters(offer)
    first, second = loyalty_offer(), loyalty_offer()  # two orders, each its own load
    with django_capture_on_commit_callbacks(execute=True):
        for loaded in (first, second):
            count_use_after_commit(loaded)
            loaded.record_usage({"freq": 1, "discount": D("10.00")})
    assert counters(offer) == (before[0] + 2, before[1] + D("20.00"), before[2] + 2)
