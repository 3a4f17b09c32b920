"""The outbox's life cycle: enqueue once, lease, deliver, back off, give up, retry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from django_diller.api import DillerRefused, DillerTimeout, DillerUnavailable
from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.outbox import registry

pytestmark = pytest.mark.django_db
KIND = Kind.SEND_TRANSACTION


def entry(external_id="100001"):
    return outbox.enqueue(KIND, external_id, order_number=external_id, store_id="demo-store")


def cancel_after(first):
    """A cancel of order 100001 that waits for ``first``."""
    return outbox.enqueue(
        Kind.CANCEL_TRANSACTION,
        "100001",
        order_number="100001",
        store_id="demo-store",
        depends_on=first,
    )


def test_the_same_effect_is_enqueued_once():
    assert entry().pk == entry().pk
    assert OutboxEntry.objects.count() == 1


def test_a_claimed_row_is_leased_and_not_claimed_again():
    row = entry()
    (claimed,) = outbox.claim_due()
    assert claimed.pk == row.pk and claimed.state == OutboxEntry.State.IN_FLIGHT
    assert outbox.claim_due() == []


def test_a_row_whose_worker_died_is_taken_again_after_its_lease():
    entry()
    outbox.claim_due()
    OutboxEntry.objects.update(leased_until=timezone.now() - timedelta(seconds=1))
    assert len(outbox.claim_due()) == 1


def test_delivered_rows_keep_dillers_answer(handler):
    calls, _ = handler
    entry()
    assert outbox.drain() == 1
    row = OutboxEntry.objects.get()
    assert (row.state, row.attempts, row.response) == (
        OutboxEntry.State.SENT,
        1,
        {"is_ok": True, "external_id": "100001"},
    )
    assert row.sent_at is not None and calls == ["100001"]
    assert outbox.drain() == 0  # never sent twice


@pytest.mark.parametrize("error", [DillerUnavailable("down"), DillerTimeout("no answer")])
def test_unavailable_or_lost_answers_are_retried_later_with_backoff(handler, error, monkeypatch):
    _, outcome = handler
    outcome["raise"] = error
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(minutes=attempts))
    entry()
    outbox.drain()
    row = OutboxEntry.objects.get()
    assert row.state == OutboxEntry.State.FAILED and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert outbox.claim_due() == []  # not before its time
    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    outcome["raise"] = None
    outbox.drain()
    assert OutboxEntry.objects.get().state == OutboxEntry.State.SENT


def test_after_the_last_attempt_a_row_is_dead_and_visible(handler):
    _, outcome = handler
    outcome["raise"] = DillerUnavailable("down")
    entry()
    for _ in range(outbox.max_attempts()):
        OutboxEntry.objects.update(next_attempt_at=timezone.now())
        outbox.drain()
    row = OutboxEntry.objects.get()
    assert (row.state, row.attempts) == (OutboxEntry.State.DEAD, outbox.max_attempts())


def test_a_refusal_is_dead_at_once_with_dillers_reason(handler):
    _, outcome = handler
    outcome["raise"] = DillerRefused("Member has not accepted GDPR")
    entry()
    outbox.drain()
    row = OutboxEntry.objects.get()
    assert row.state == OutboxEntry.State.DEAD and "GDPR" in row.last_error


def test_staff_retry_gives_dead_rows_a_fresh_start(handler):
    _, outcome = handler
    outcome["raise"] = DillerRefused("no")
    entry()
    outbox.drain()
    outcome["raise"] = None
    assert outbox.retry(OutboxEntry.objects.all()) == 1
    outbox.drain()
    assert OutboxEntry.objects.get().state == OutboxEntry.State.SENT


def test_backoff_grows_and_is_bounded():
    assert outbox.backoff(1) <= timedelta(seconds=30)
    assert outbox.backoff(3) <= timedelta(seconds=120)
    assert outbox.backoff(40).total_seconds() <= 21600


@pytest.mark.parametrize(
    ("kind", "state", "claimable"),
    [
        (Kind.SEND_TRANSACTION, OutboxEntry.State.PENDING, False),
        (Kind.SEND_TRANSACTION, OutboxEntry.State.FAILED, False),
        # Claimed to be judged: sent if it can do without, dead if not (never left waiting).
        (Kind.SEND_TRANSACTION, OutboxEntry.State.DEAD, True),
        (Kind.SEND_TRANSACTION, OutboxEntry.State.SENT, True),
        (Kind.SEND_TRANSACTION, OutboxEntry.State.SKIPPED, True),
        (Kind.RESERVE_LOYALTY, OutboxEntry.State.PENDING, False),
        (Kind.RESERVE_LOYALTY, OutboxEntry.State.DEAD, True),
    ],
)
def test_an_entry_waits_for_the_one_it_depends_on(kind, state, claimable):
    first = outbox.enqueue(kind, "100001", order_number="100001", store_id="demo-store")
    OutboxEntry.objects.filter(pk=first.pk).update(
        state=state, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    second = cancel_after(first)
    assert (second.pk in outbox.due_ids()) is claimable
    claimed = outbox.claim_due(entry_id=second.pk)
    assert [row.pk for row in claimed] == ([second.pk] if claimable else [])


def test_the_sweep_queues_only_entries_whose_task_is_not_on_its_way():
    never_queued, lost, on_its_way = entry("100001"), entry("100002"), entry("100003")
    now = timezone.now()
    outbox.mark_queued([lost.pk], now - timedelta(seconds=60))  # its task never ran
    outbox.mark_queued([on_its_way.pk], now)
    grace = timedelta(seconds=15)
    assert sorted(outbox.due_ids(grace=grace)) == [never_queued.pk, lost.pk]


def test_the_sweep_task_queues_each_lost_entry_once(monkeypatch):
    from django_diller.outbox import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", queued.append)
    lost = entry()
    assert tasks.sweep_outbox() == 1 and queued == [lost.pk]
    assert tasks.sweep_outbox() == 0  # its task is on its way now


@pytest.mark.parametrize("many", [False, True])
def test_a_task_is_queued_only_for_an_entry_that_may_go_now(monkeypatch, many):
    from django_diller.outbox import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", queued.append)
    first = entry()
    waiting = cancel_after(first)
    if many:
        tasks.queue_outbox_entries([waiting.pk, first.pk], at_commit=False)
        assert queued == [first.pk]
    else:
        tasks.queue_outbox_entries([waiting.pk], at_commit=False)
        assert queued == []
    # The waiting entry gets no task now (it would find its dependency on its way); the
    # sweep leaves it too until that one is sent, then takes it if no task came.
    waiting.refresh_from_db()
    assert waiting.task_due_at is None
    assert waiting.pk not in outbox.due_ids()
    OutboxEntry.objects.filter(pk=first.pk).update(state=OutboxEntry.State.SENT)
    assert waiting.pk in outbox.due_ids()
    tasks.queue_outbox_entries([waiting.pk], at_commit=False)
    assert queued[-1] == waiting.pk


@pytest.mark.parametrize("returning", [True, False], ids=["update-returning", "select-update"])
def test_several_entries_are_marked_as_queued_only_when_they_may_go(monkeypatch, returning):
    if not returning:  # a database without UPDATE … RETURNING (SQLite before 3.35, say)
        from django.db import connection

        monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    first, second = entry("100001"), entry("100002")
    waiting = cancel_after(first)
    now = timezone.now()
    marked = outbox.mark_ready_queued([waiting.pk, second.pk, first.pk, second.pk], now)
    assert marked == [second.pk, first.pk]
    due = dict(OutboxEntry.objects.values_list("pk", "task_due_at"))
    assert due == {first.pk: now, second.pk: now, waiting.pk: None}
    OutboxEntry.objects.filter(pk=first.pk).update(state=OutboxEntry.State.DEAD)
    assert outbox.mark_ready_queued([waiting.pk, second.pk], now) == [waiting.pk, second.pk]


def test_the_entries_of_one_transaction_are_queued_together_when_it_commits(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from django_diller.outbox import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", queued.append)
    with django_capture_on_commit_callbacks() as callbacks:
        first = entry()
        tasks.queue_outbox_entries([first.pk])
        waiting = cancel_after(first)
        tasks.queue_outbox_entries([waiting.pk])
    assert queued == []  # nothing before the commit
    with CaptureQueriesContext(connection) as statements:
        for callback in callbacks:
            callback()
    assert queued == [first.pk]  # the cancel waits for its transaction
    assert len(statements.captured_queries) == 1  # one statement for both


@pytest.mark.django_db(transaction=True)
def test_the_entries_of_a_transaction_are_all_queued_when_it_really_commits(monkeypatch):
    """Django takes the callbacks out of the connection before it runs them at a commit."""
    from django.db import transaction

    from django_diller.outbox import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", queued.append)
    with transaction.atomic():
        first = entry("100001")
        tasks.queue_outbox_entries([first.pk])
        other = entry("100002")
        tasks.queue_outbox_entries([other.pk])
        tasks.queue_outbox_entries([cancel_after(first).pk])  # waits for its transaction
        assert queued == []
    assert queued == [first.pk, other.pk]


def test_entries_queued_in_a_savepoint_that_was_rolled_back_are_not_queued(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from django_diller.outbox import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", queued.append)
    earlier = entry("100000")  # an entry of an earlier transaction, queued again by the cause
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                tasks.queue_outbox_entries([entry("100001").pk, earlier.pk])
                raise RuntimeError("the cause failed")
        except RuntimeError:
            pass
        kept = entry("100002")
        tasks.queue_outbox_entries([kept.pk])
    assert queued == [kept.pk]
    assert sorted(OutboxEntry.objects.values_list("external_id", flat=True)) == [
        "100000",
        "100002",
    ]


def test_with_the_broker_down_the_entries_wait_for_the_sweep_and_nothing_fails(monkeypatch, caplog):
    from kombu.exceptions import OperationalError

    from django_diller.outbox import tasks

    def broker_down(entry_id):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", broker_down)
    first, second = entry("100001"), entry("100002")
    with caplog.at_level("WARNING", logger="django_diller.outbox"):
        tasks.queue_outbox_entries([first.pk, second.pk], at_commit=False)
    assert "2 delivery task(s) not queued (OperationalError)" in caplog.text
    assert set(OutboxEntry.objects.values_list("state", flat=True)) == {OutboxEntry.State.PENDING}
    assert outbox.due_ids(grace=tasks.sweep_grace()) == []  # their tasks count as on their way …
    later = timezone.now() + tasks.sweep_grace() + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert sorted(outbox.due_ids(grace=tasks.sweep_grace())) == [first.pk, second.pk]  # … then


# What waits for a dead entry, and corrections that may yet work -------------------------------


def dead_then_waiting(kind=KIND, dependency_kind=KIND):
    """A dead entry and one of ``kind`` that waits for it, due now."""
    first = outbox.enqueue(dependency_kind, "100001", order_number="100001", store_id="demo-store")
    OutboxEntry.objects.filter(pk=first.pk).update(state=OutboxEntry.State.DEAD)
    second = outbox.enqueue(
        kind, "100001-X", order_number="100001", store_id="demo-store", depends_on=first
    )
    return first, second


def test_an_entry_that_cannot_go_without_a_dead_one_is_dead_and_names_it(handler):
    calls, _ = handler
    first, second = dead_then_waiting()
    assert outbox.drain() == 1
    second.refresh_from_db()
    assert second.state == OutboxEntry.State.DEAD and calls == []
    assert f"entry #{first.pk}" in second.last_error and "100001" in second.last_error
    assert "Send that one again first" in second.last_error


@pytest.mark.parametrize(
    ("after_dead", "dependency_kind"),
    [(True, KIND), (False, Kind.RESERVE_LOYALTY)],
    ids=["registered-after-dead", "after-a-courtesy"],
)
def test_some_entries_go_ahead_after_a_dead_one(handler, monkeypatch, after_dead, dependency_kind):
    calls, _ = handler
    monkeypatch.setattr(registry.HANDLERS[KIND], "after_dead", after_dead)
    _, second = dead_then_waiting(dependency_kind=dependency_kind)
    outbox.drain()
    second.refresh_from_db()
    assert second.state == OutboxEntry.State.SENT and calls == ["100001-X"]


def test_the_registry_knows_each_kind_by_its_handler(monkeypatch):
    monkeypatch.setattr(registry, "HANDLERS", {})

    @registry.register
    class First(registry.Handler):
        kind, label, after_dead = "a", "first", True

    @registry.register
    class Second(registry.Handler):
        kind, courtesy = "b", True

    assert (registry.goes_after_dead("a"), registry.goes_after_dead("b")) == (True, False)
    assert (registry.is_courtesy("a"), registry.is_courtesy("b")) == (False, True)
    assert isinstance(registry.handler_for("a"), First)
    assert registry.kinds() == [("b", "b"), ("a", "first")]
    assert registry.label("c") == "c" and registry.handler_for("c") is None


class Provider(Exception):
    pass


class Outage(Provider):
    pass


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (Outage("down"), OutboxEntry.State.FAILED),
        (Provider("refused"), OutboxEntry.State.DEAD),
        (OSError("reset"), OutboxEntry.State.FAILED),
    ],
)
def test_a_provider_says_which_of_its_errors_are_worth_a_retry(handler, monkeypatch, error, state):
    _, outcome = handler
    monkeypatch.setattr(registry, "_TRANSIENT", list(registry._TRANSIENT))
    monkeypatch.setattr(registry, "_PERMANENT", list(registry._PERMANENT))
    registry.classify_errors(transient=(Outage,), permanent=(Provider,))
    outcome["raise"] = error
    entry()
    outbox.drain()
    assert OutboxEntry.objects.get().state == state


def test_the_payload_is_built_once_and_sent_unchanged(monkeypatch):
    built, sent = [], []

    class Builds(registry.Handler):
        kind = KIND

        def build_payload(self, entry):
            built.append(entry.external_id)
            if len(built) == 1:
                raise DillerUnavailable("down")  # built again on the next attempt
            return {"total": "10.00"}

        def send(self, entry):
            sent.append(dict(entry.payload))
            if len(sent) == 1:
                raise DillerTimeout("lost")
            return {"is_ok": True}

    monkeypatch.setitem(registry.HANDLERS, KIND, Builds())
    entry()
    for _ in range(3):
        OutboxEntry.objects.update(next_attempt_at=timezone.now())
        outbox.drain()
    row = OutboxEntry.objects.get()
    assert (row.state, row.payload) == (OutboxEntry.State.SENT, {"total": "10.00"})
    assert built == ["100001", "100001"] and sent == [{"total": "10.00"}] * 2


def test_an_entry_whose_dependency_was_put_back_in_the_queue_waits_again(handler):
    calls, _ = handler
    first, second = dead_then_waiting()
    (claimed,) = outbox.claim_due(entry_id=second.pk)
    outbox.retry(OutboxEntry.objects.filter(pk=first.pk))  # staff, meanwhile
    outbox.deliver(claimed)
    second.refresh_from_db()
    assert second.state == OutboxEntry.State.FAILED and calls == []
    assert f"entry #{first.pk}" in second.last_error


def test_not_yet_is_retried_then_dead_after_its_own_limit(handler, monkeypatch):
    _, outcome = handler
    outcome["raise"] = outbox.NotYet("Diller does not know it yet.", limit=2)
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(minutes=attempts))
    entry()
    outbox.drain()
    row = OutboxEntry.objects.get()
    assert (row.state, row.last_error) == (
        OutboxEntry.State.FAILED,
        "Diller does not know it yet.",
    )
    assert row.next_attempt_at > timezone.now()
    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    outbox.drain()
    row.refresh_from_db()
    assert row.state == OutboxEntry.State.DEAD and row.attempts == 2
    assert row.last_error == "Gave up after 2 attempt(s). Diller does not know it yet."


def test_not_yet_never_outlasts_the_outbox_limit(handler, settings):
    _, outcome = handler
    settings.DILLER = {"OUTBOX_MAX_ATTEMPTS": 1}
    outcome["raise"] = outbox.NotYet("not yet", limit=5)
    entry()
    outbox.drain()
    assert OutboxEntry.objects.get().state == OutboxEntry.State.DEAD


def test_the_delivery_task_queues_what_waited_for_an_entry_that_died(handler, monkeypatch):
    from django_diller.outbox import tasks

    _, outcome = handler
    outcome["raise"] = DillerRefused("Store is closed")
    first = entry()
    second = cancel_after(first)
    queued = []
    monkeypatch.setattr(tasks.deliver_outbox_entry, "delay", queued.append)
    assert tasks.deliver_outbox_entry(first.pk) == OutboxEntry.State.DEAD
    assert queued == [second.pk]


def test_an_entry_of_a_kind_nobody_sends_is_dead_and_says_so():
    from django_diller import signals

    failures = []

    def heard(sender, entry, order_number, will_retry, **kwargs):
        failures.append((entry.external_id, will_retry))

    signals.transaction_failed.connect(heard)
    try:
        entry = outbox.enqueue(
            "retired_kind", "100777", order_number="100777", store_id="demo-store"
        )
        outbox.deliver(outbox.claim_due(entry_id=entry.pk)[0])
    finally:
        signals.transaction_failed.disconnect(heard)
    entry.refresh_from_db()
    assert entry.state == OutboxEntry.State.DEAD
    assert "no outbox handler" in entry.last_error
    assert failures == [("100777", False)]
