"""Staff's view of the outbox: read-only rows, the two actions, the counts bar and tag."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from django_diller.api import DillerUnavailable
from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.outbox import admin as admin_outbox
from django_diller.outbox import engine as outbox
from django_diller.outbox import tasks
from django_diller.outbox.report import state_counts

pytestmark = pytest.mark.django_db
KIND = Kind.SEND_TRANSACTION
State = OutboxEntry.State
LIST_URL = "admin:diller_outboxentry_changelist"


def change_url(entry):
    return reverse("admin:diller_outboxentry_change", args=[entry.pk])


def row(external_id, state=State.PENDING, kind=KIND, **fields):
    entry = outbox.enqueue(kind, external_id, order_number=external_id, store_id="demo-store")
    OutboxEntry.objects.filter(pk=entry.pk).update(state=state, **fields)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("boss@example.com", "boss@example.com", "pw")


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def clerk(django_user_model):
    """Staff who may view and act on outbox entries, but are not superusers."""
    user = django_user_model.objects.create_user(
        "clerk@example.com", "clerk@example.com", "pw", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="diller",
            codename__in=["view_outboxentry", "change_outboxentry", "delete_outboxentry"],
        )
    )
    return user


@pytest.fixture
def kicked(monkeypatch):
    """The ids handed to Celery after the commit, instead of starting tasks."""
    calls = []
    monkeypatch.setattr(admin_outbox, "_kick", lambda pks: calls.append(sorted(pks)))
    return calls


def act(client, action, entries):
    return client.post(
        reverse(LIST_URL),
        {"action": action, "_selected_action": [e.pk for e in entries]},
        follow=True,
    )


def shown(response):
    return sorted(e.external_id for e in response.context["cl"].result_list)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# -- the list and its filters --------------------------------------------------------------


def test_the_list_shows_each_row_with_a_labelled_state(staff_client):
    row("100001", State.DEAD, attempts=8)
    response = staff_client.get(reverse(LIST_URL))
    html = response.content.decode()
    assert response.status_code == 200
    assert shown(response) == ["100001"]
    assert 'class="diller-outbox-state diller-outbox-state-dead"' in html
    assert ">dead</span>" in html
    assert "send transaction" in html


def test_the_list_filters_on_state_and_kind_and_searches_numbers(staff_client):
    row("100001", State.DEAD)
    row("100002", State.SENT)
    row("100003", State.DEAD, kind=Kind.CANCEL_TRANSACTION)
    url = reverse(LIST_URL)
    assert shown(staff_client.get(url, {"state__exact": "dead"})) == ["100001", "100003"]
    assert shown(staff_client.get(url, {"kind__exact": "cancel_transaction"})) == ["100003"]
    assert shown(staff_client.get(url, {"q": "100002"})) == ["100002"]
    assert shown(staff_client.get(url, {"q": "9999"})) == []


def test_the_cause_filter_offers_each_kind_of_cause_once(staff_client):
    """One choice for all payment events, not one per event: the list of choices stays short
    however many orders were paid."""
    row("100001", source="payment_event:1")
    row("100002", source="payment_event:2")
    row("100003", source="order_status:Cancelled")
    row("100004", source="order placed")
    url = reverse(LIST_URL)
    response = staff_client.get(url)
    (causes,) = [f for f in response.context["cl"].filter_specs if f.title == "cause"]
    choices = [c["display"] for c in causes.choices(response.context["cl"])]
    assert choices == ["All", "a payment event", "an order status", "order placed"]
    assert shown(staff_client.get(url, {"cause": "payment_event"})) == ["100001", "100002"]
    assert shown(staff_client.get(url, {"cause": "order placed"})) == ["100004"]
    assert shown(staff_client.get(url, {"cause": "order_status"})) == ["100003"]


def test_customers_and_staff_without_permission_cannot_see_the_outbox(client, django_user_model):
    row("100001")
    customer = django_user_model.objects.create_user("kari@example.com", "kari@example.com", "pw")
    client.force_login(customer)
    response = client.get(reverse(LIST_URL))
    assert response.status_code == 302 and "/login/" in response["Location"]

    staff = django_user_model.objects.create_user(
        "ola@example.com", "ola@example.com", "pw", is_staff=True
    )
    client.force_login(staff)
    assert client.get(reverse(LIST_URL)).status_code == 403
    assert client.get(change_url(OutboxEntry.objects.get())).status_code == 403


# -- the change page -----------------------------------------------------------------------


def test_the_change_page_shows_escaped_json_and_the_order_of_sending(staff_client):
    sale = row(
        "100001",
        State.SENT,
        payload={"note": "<script>alert(1)</script>", "amount": "100.00"},
        response={"isOk": True},
    )
    cancel = row(
        "100001-cancel",
        State.DEAD,
        kind=Kind.CANCEL_TRANSACTION,
        depends_on=sale,
        last_error="Diller refused: unknown transaction",
    )
    html = staff_client.get(change_url(sale)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert re.search(r'<pre class="diller-json">\{\s+&quot;amount&quot;: &quot;100.00&quot;', html)
    assert "&quot;isOk&quot;: true" in html  # Diller's answer
    assert f'href="{change_url(cancel)}"' in html  # waited for by the cancel

    html = staff_client.get(change_url(cancel)).content.decode()
    assert f'href="{change_url(sale)}"' in html  # waits for the sale
    assert "Diller refused: unknown transaction" in html


def test_nobody_edits_a_row_by_hand(staff_client):
    entry = row("100001", State.DEAD, payload={"amount": "100.00"})
    html = staff_client.get(change_url(entry)).content.decode()
    assert 'name="_save"' not in html and "<textarea" not in html
    response = staff_client.post(change_url(entry), {"payload": "{}", "state": "sent"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.state, entry.payload) == (State.DEAD, {"amount": "100.00"})
    assert staff_client.get(reverse("admin:diller_outboxentry_add")).status_code == 403


def test_only_superusers_may_delete(client, staff_client, clerk):
    entry = row("100001", State.DEAD)
    assert "delete_selected" in staff_client.get(reverse(LIST_URL)).content.decode()
    client.force_login(clerk)
    html = client.get(reverse(LIST_URL)).content.decode()
    assert "delete_selected" not in html and "retry_selected" in html
    delete = reverse("admin:diller_outboxentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert OutboxEntry.objects.filter(pk=entry.pk).exists()


# -- the actions ---------------------------------------------------------------------------


def test_retry_requeues_failed_and_dead_rows_and_leaves_sent_ones(
    staff_client, kicked, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(hours=1)
    failed = row("100001", State.FAILED, attempts=3, next_attempt_at=later, last_error="down")
    dead = row("100002", State.DEAD, attempts=8)
    sent = row("100003", State.SENT, attempts=1)
    skipped = row("100004", State.SKIPPED)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(staff_client, "retry_selected", [failed, dead, sent, skipped])
    assert "2 entries were queued to be sent again." in messages_of(response)
    assert any("2 entries were left alone" in m for m in messages_of(response))
    assert kicked == [sorted([failed.pk, dead.pk])]
    for entry in (failed, dead):
        entry.refresh_from_db()
        assert (entry.state, entry.attempts) == (State.PENDING, 0)
        assert entry.next_attempt_at <= timezone.now()
    sent.refresh_from_db()
    skipped.refresh_from_db()
    assert (sent.state, sent.attempts, skipped.state) == (State.SENT, 1, State.SKIPPED)


def test_retry_starts_a_delivery_task_per_row(monkeypatch):
    started = []

    class FakeTask:
        @staticmethod
        def delay(pk):
            started.append(pk)

    monkeypatch.setattr(tasks, "deliver_outbox_entry", FakeTask, raising=False)
    rows = [row("100001", State.DEAD).pk, row("100002", State.FAILED).pk]
    admin_outbox._kick(rows)
    assert sorted(started) == sorted(rows)


def test_retry_delivers_through_celery_once_committed(
    staff_client, handler, django_capture_on_commit_callbacks
):
    sent, _ = handler
    dead = row("100001", State.DEAD, attempts=8)
    with django_capture_on_commit_callbacks(execute=True):
        act(staff_client, "retry_selected", [dead])
    dead.refresh_from_db()
    assert dead.state == State.SENT and sent == ["100001"]


def test_send_now_delivers_the_selected_rows_in_the_request(staff_client, handler, kicked):
    sent, _ = handler
    later = timezone.now() + timedelta(hours=1)
    failed = row("100001", State.FAILED, attempts=2, next_attempt_at=later)
    dead = row("100002", State.DEAD, attempts=8)
    done = row("100003", State.SENT)
    untouched = row("100004", State.DEAD)  # not selected
    response = act(staff_client, "send_now", [failed, dead, done])
    assert sorted(sent) == ["100001", "100002"]
    assert "Sent to Diller now: sent: 2." in messages_of(response)
    for entry in (failed, dead):
        entry.refresh_from_db()
        assert entry.state == State.SENT
        assert entry.response == {"is_ok": True, "external_id": entry.external_id}
    untouched.refresh_from_db()
    assert untouched.state == State.DEAD
    assert kicked == []


def test_send_now_reports_failures_and_rows_that_must_wait(
    staff_client, handler, kicked, django_capture_on_commit_callbacks
):
    sent, outcome = handler
    outcome["raise"] = DillerUnavailable("Diller is down")
    first = row("100001", State.DEAD)
    waiting = row(
        "100001-cancel",
        State.DEAD,
        kind=Kind.CANCEL_TRANSACTION,
        depends_on=first,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = act(staff_client, "send_now", [first, waiting])
    texts = messages_of(response)
    assert "Sent to Diller now: failed, will retry: 1." in texts
    assert any(m.startswith("1 entry waits for another entry") for m in texts)
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert (first.state, first.attempts) == (State.FAILED, 1)
    assert waiting.state == State.PENDING  # back in the queue, after the sale
    assert sent == ["100001"] and kicked == [[waiting.pk]]


def test_send_now_hands_what_waited_for_a_sent_row_to_celery(
    staff_client, handler, kicked, django_capture_on_commit_callbacks
):
    sale = row("100001", State.FAILED)
    cancel = row("100001-cancel", kind=Kind.CANCEL_TRANSACTION, depends_on=sale)
    with django_capture_on_commit_callbacks(execute=True):
        act(staff_client, "send_now", [sale])
    sale.refresh_from_db()
    assert sale.state == State.SENT and kicked == [[cancel.pk]]


# -- the counts ----------------------------------------------------------------------------


@pytest.fixture
def mixed_rows():
    for n in range(2):
        row(f"p{n}", State.PENDING)
    row("i0", State.IN_FLIGHT)
    for n in range(3):
        row(f"f{n}", State.FAILED)
    row("d0", State.DEAD)
    row("s0", State.SENT)


def counts_in(html):
    found = re.findall(
        r'id="diller-outbox-count-(\w+)".*?class="diller-outbox-count"[^>]*>(\d+)<', html, re.S
    )
    return {state: int(count) for state, count in found}


def test_state_counts_is_one_query(mixed_rows, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = state_counts()
    assert counts == {
        "pending": 2,
        "in_flight": 1,
        "sent": 1,
        "failed": 3,
        "dead": 1,
        "skipped": 0,
    }


def test_the_list_opens_with_the_counts_linking_to_filtered_lists(staff_client, mixed_rows):
    html = staff_client.get(reverse(LIST_URL), {"state__exact": "failed"}).content.decode()
    assert counts_in(html) == {"pending": 2, "in_flight": 1, "failed": 3, "dead": 1}
    assert f'href="{reverse(LIST_URL)}?state__exact=dead"' in html
    assert 'aria-current="true"' in html  # the filter in use


def test_the_tag_shows_the_counts_to_staff_only(superuser, django_user_model, mixed_rows):
    template = Template("{% load diller_outbox %}{% diller_outbox_counts %}")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    html = template.render(Context({"request": request}))
    assert counts_in(html) == {"pending": 2, "in_flight": 1, "failed": 3, "dead": 1}

    request.user = django_user_model.objects.create_user("kari", "kari@example.com", "pw")
    assert "diller-outbox-counts" not in template.render(Context({"request": request}))
    assert template.render(Context({})).strip() == ""


def test_the_admin_index_shows_the_counts(staff_client, mixed_rows):
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert counts_in(html) == {"pending": 2, "in_flight": 1, "failed": 3, "dead": 1}
    assert 'id="content-main"' in html  # Django's index is still there, below
