"""The carrier offers' use is counted in one UPDATE of its counters: as the order's transaction's
last statement when the checkout places it, after the commit when an order is placed some other
way; never a count lost, nothing else of the offer written over."""

from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_class, get_model

from django_diller.contrib.oscar.offer_usage import count_use_at_commit
from django_diller.contrib.oscar.order_commit import write_before_commit

from .test_checkout_flow import place_order, to_preview

ConditionalOffer = get_model("offer", "ConditionalOffer")
OrderCreator = get_class("order.utils", "OrderCreator")
pytestmark = pytest.mark.django_db


def loyalty_offer():
    return ConditionalOffer.objects.get(slug="diller-loyalty")


def counters(offer):
    offer.refresh_from_db()
    return offer.num_applications, offer.total_discount, offer.num_orders


def use(offer, amount="10.00"):
    count_use_at_commit(offer)
    offer.record_usage({"freq": 1, "discount": D(amount)})


def test_the_checkout_counts_the_use_last_in_the_order_and_keeps_what_staff_changed_meanwhile(
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
        with CaptureQueriesContext(connection) as statements:
            place_order(shopper)
        counted = counters(offer)  # in the order's transaction, before its commit
    writes = [
        q["sql"]
        for q in statements.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    offer_writes = [i for i, sql in enumerate(writes) if "num_applications" in sql]
    order_writes = [i for i, sql in enumerate(writes) if "communication_email" in sql]
    assert len(offer_writes) == 1 and offer_writes[0] > max(order_writes)  # after the order
    for callback in after_commit:
        callback()  # counts nothing twice
    applications, total, orders = counters(offer)
    assert (applications, total, orders) == counted
    assert (applications, orders) == (before[0] + 1, before[2] + 1)
    assert total == before[1] + D("226.80")  # the order's loyalty discount
    assert offer.status == ConditionalOffer.SUSPENDED  # staff's change stands


def test_an_order_placed_some_other_way_counts_its_uses_after_it_commits_and_they_add_up(
    django_capture_on_commit_callbacks, shop
):
    offer = loyalty_offer()
    before = counters(offer)
    first, second = loyalty_offer(), loyalty_offer()  # two orders, each its own load
    with django_capture_on_commit_callbacks(execute=True):
        use(first)
        use(second)
        assert counters(offer) == before  # nothing before the commit
    assert counters(offer) == (before[0] + 2, before[1] + D("20.00"), before[2] + 2)


def test_uses_counted_before_the_commit_add_up_per_offer_and_skip_rolled_back_ones(
    django_capture_on_commit_callbacks, shop
):
    offer = loyalty_offer()
    before = counters(offer)
    with django_capture_on_commit_callbacks(execute=True):
        use(loyalty_offer(), "10.00")
        try:
            with transaction.atomic():
                use(loyalty_offer(), "99.00")
                raise RuntimeError("that order failed")
        except RuntimeError:
            pass
        use(loyalty_offer(), "5.00")
        with CaptureQueriesContext(connection) as statements:
            write_before_commit()
        assert len(statements.captured_queries) == 3  # one UPDATE for the offer, in a savepoint
        assert counters(offer) == (before[0] + 2, before[1] + D("15.00"), before[2] + 2)
    assert counters(offer) == (before[0] + 2, before[1] + D("15.00"), before[2] + 2)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_use_is_counted_at_once(shop):
    offer = loyalty_offer()
    before = counters(offer)
    use(loyalty_offer())
    write_before_commit()  # nothing left to count
    assert counters(offer) == (before[0] + 1, before[1] + D("10.00"), before[2] + 1)
