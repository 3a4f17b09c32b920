"""What waits for a placed order's commit is written as the order's transaction's last
statements: the outbox's marks and the carrier offers' uses, in a savepoint that, should it
fail, leaves all of it for after the commit."""

from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from django_diller.contrib.oscar import order_commit
from django_diller.contrib.oscar.offer_usage import count_use_at_commit
from django_diller.contrib.oscar.order_commit import write_before_commit
from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.outbox import tasks

ConditionalOffer = get_model("offer", "ConditionalOffer")
pytestmark = pytest.mark.django_db


def entry(external_id, depends_on=None):
    return outbox.enqueue(
        Kind.SEND_TRANSACTION if depends_on is None else Kind.CANCEL_TRANSACTION,
        external_id,
        order_number=external_id,
        store_id="demo-store",
        depends_on=depends_on,
    )


def loyalty_offer():
    return ConditionalOffer.objects.get(slug="diller-loyalty")


def counters():
    return ConditionalOffer.objects.values_list(
        "num_applications", "total_discount", "num_orders"
    ).get(slug="diller-loyalty")


def one_use_more(before):
    """The counters after one more use of 10.00."""
    applications, total, orders = before
    return applications + 1, total + D("10.00"), orders + 1


def use(amount="10.00"):
    offer = loyalty_offer()
    count_use_at_commit(offer)
    offer.record_usage({"freq": 1, "discount": D(amount)})


def queue(external_id, depends_on=None):
    """An outbox entry queued for the commit of the transaction open now."""
    queued_entry = entry(external_id, depends_on)
    tasks.queue_outbox_entries([queued_entry.pk])
    return queued_entry


def due_at():
    return dict(OutboxEntry.objects.values_list("external_id", "task_due_at"))


@pytest.fixture
def queued(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", sent.append)
    return sent


def test_marks_and_uses_go_in_before_the_commit_and_after_it_only_tasks_are_sent(
    queued, shop, django_capture_on_commit_callbacks
):
    before = counters()
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue("100001")
        use()
        try:
            with transaction.atomic():
                queue("100002")
                use("99.00")
                raise RuntimeError("that cause failed")
        except RuntimeError:
            pass
        queue("100001-C", depends_on=first)
        with CaptureQueriesContext(connection) as statements:
            write_before_commit()
        # One savepoint: the offer's counters, and the entries marked (the cancel waits).
        assert len(statements.captured_queries) == 4
        assert counters() == one_use_more(before)
        assert due_at()["100001"] is not None and due_at()["100001-C"] is None
    assert queued == []
    with CaptureQueriesContext(connection) as statements:
        for callback in callbacks:
            callback()
    assert queued == [first.pk]  # the rolled-back entry is gone, the cancel waits
    assert statements.captured_queries == []  # no statement after the commit
    assert counters() == one_use_more(before)


def test_a_failure_before_the_commit_leaves_everything_for_after_it(
    queued, shop, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def lock_timeout(*args, **kwargs):
        raise DatabaseError("canceling statement due to lock timeout")

    before = counters()
    monkeypatch.setattr(order_commit.outbox, "mark_ready_queued", lock_timeout)
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue("100001")
        use()
        with caplog.at_level("WARNING", logger="django_diller.oscar"):
            write_before_commit()
        assert "left for after its commit (DatabaseError)" in caplog.text
        assert counters() == before  # the savepoint's count was rolled back with it
        assert OutboxEntry.objects.count() == 1  # the transaction goes on
    monkeypatch.undo()
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", queued.append)
    for callback in callbacks:
        callback()
    assert queued == [first.pk]
    assert counters() == one_use_more(before)


def test_what_was_queued_outside_the_savepoint_open_now_waits_for_the_commit(
    queued, shop, django_capture_on_commit_callbacks
):
    before = counters()
    with django_capture_on_commit_callbacks() as callbacks:
        outside = queue("100001")
        use()
        with transaction.atomic():  # a savepoint that could yet be rolled back
            inside = queue("100002")
            write_before_commit()
        assert due_at() == {"100001": None, "100002": due_at()["100002"]}
        assert due_at()["100002"] is not None
        assert counters() == before  # the use came from outside the savepoint
    for callback in callbacks:
        callback()
    assert sorted(queued) == sorted([outside.pk, inside.pk])
    assert counters() == one_use_more(before)


class OutboxElsewhere:
    """A shop's router that writes the outbox on a database of its own."""

    def db_for_write(self, model, **hints):
        return "outbox" if model is OutboxEntry else None


def test_with_the_outbox_written_elsewhere_everything_waits_for_the_commit(
    queued, shop, settings, django_capture_on_commit_callbacks
):
    settings.DATABASE_ROUTERS = [OutboxElsewhere()]
    before = counters()
    with django_capture_on_commit_callbacks() as callbacks:
        settings.DATABASE_ROUTERS = []  # the entry itself on the test database
        first = queue("100001")
        use()
        settings.DATABASE_ROUTERS = [OutboxElsewhere()]
        with CaptureQueriesContext(connection) as statements:
            write_before_commit()
        assert statements.captured_queries == []  # no savepoint that could not cover it
        assert counters() == before
        settings.DATABASE_ROUTERS = []
    for callback in callbacks:
        callback()
    assert queued == [first.pk]
    assert counters() == one_use_more(before)
