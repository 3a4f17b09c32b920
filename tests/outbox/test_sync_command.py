"""``manage.py diller_sync``: drain the outbox from a shell, retry what failed or died."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from django_diller.api import DillerRefused
from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox

pytestmark = pytest.mark.django_db
KIND = Kind.SEND_TRANSACTION
State = OutboxEntry.State


def row(external_id, state=State.PENDING, **fields):
    entry = outbox.enqueue(
        KIND, external_id, order_number=external_id, store_id="demo-store", member_id="m-secret"
    )
    OutboxEntry.objects.filter(pk=entry.pk).update(state=state, **fields)
    return entry


def sync(*args):
    out = StringIO()
    call_command("diller_sync", *args, stdout=out)
    return out.getvalue()


def report(output):
    return dict(line.split(": ", 1) for line in output.splitlines())


def states():
    return dict(OutboxEntry.objects.values_list("external_id", "state"))


def test_it_drains_due_rows_and_reports_the_states(handler):
    sent, _ = handler
    for number in ("100001", "100002", "100003"):
        row(number)
    row("100004", State.FAILED, next_attempt_at=timezone.now() + timedelta(hours=1))
    assert report(sync("--limit", "2"))["delivered"] == "2"  # at most two this time
    output = sync()
    assert sorted(sent) == ["100001", "100002", "100003"]  # the rest, until none is due
    assert report(output) == {
        "delivered": "1",
        "pending": "0",
        "in_flight": "0",
        "sent": "3",
        "failed": "1",  # not due yet, and not asked to retry
        "dead": "0",
        "skipped": "0",
    }
    assert "m-secret" not in output and "demo-store" not in output


def test_retry_failed_sends_failed_rows_before_their_time(handler):
    sent, _ = handler
    row("100001", State.FAILED, attempts=3, next_attempt_at=timezone.now() + timedelta(hours=1))
    output = sync("--retry-failed")
    assert report(output)["retried"] == "1" and report(output)["delivered"] == "1"
    assert states() == {"100001": State.SENT} and sent == ["100001"]


def test_dead_rows_left_make_it_exit_3_after_reporting(handler):
    row("100001", State.DEAD, attempts=8)
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("diller_sync", stdout=out)
    assert failure.value.returncode == 3
    assert "1 dead rows" in str(failure.value)
    assert report(out.getvalue())["dead"] == "1"
    assert handler[0] == []  # dead rows are not retried unless asked


def test_retry_dead_sends_dead_rows_again(handler):
    sent, _ = handler
    row("100001", State.DEAD, attempts=8, last_error="Diller refused")
    output = sync("--retry-dead")
    assert report(output)["retried"] == "1" and report(output)["dead"] == "0"
    entry = OutboxEntry.objects.get()
    assert (entry.state, entry.attempts, entry.last_error) == (State.SENT, 1, "")
    assert sent == ["100001"]


def test_retry_dead_for_one_order_leaves_the_others(handler):
    sent, _ = handler
    row("100001", State.DEAD)
    row("100002", State.DEAD)
    row("100003", State.FAILED, next_attempt_at=timezone.now() + timedelta(hours=1))
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("diller_sync", "--retry-dead", "--order", "100001", stdout=out)
    assert failure.value.returncode == 3  # 100002 is still dead
    assert report(out.getvalue())["retried"] == "1"
    assert states() == {"100001": State.SENT, "100002": State.DEAD, "100003": State.FAILED}
    assert sent == ["100001"]


def test_rows_that_die_again_are_reported(handler):
    _, outcome = handler
    outcome["raise"] = DillerRefused("unknown store")
    row("100001", State.DEAD)
    with pytest.raises(CommandError) as failure:
        sync("--retry-dead")
    assert failure.value.returncode == 3
    assert states() == {"100001": State.DEAD}


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--order", "100001"], "--order needs"), (["--limit", "0"], "--limit must")],
)
def test_meaningless_options_are_refused(args, message):
    with pytest.raises(CommandError, match=message) as failure:
        sync(*args)
    assert failure.value.returncode == 1
