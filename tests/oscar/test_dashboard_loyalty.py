"""The loyalty panel on Oscar's dashboard order page: coupons and stamp cards used, points, the
Diller transaction's state and the order's outbox entries, with links for staff."""

import re
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from oscar.apps.customer.forms import generate_username
from oscar.core.loading import get_model

from django_diller.contrib.oscar.dashboard import (
    PointsState,
    dropped_in,
    order_dashboard_loyalty,
)
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import OrderLoyaltyItem, OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.sandbox import DUPLICATE_ANSWERS
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import ESPRESSO, MUG
from .orders import Kind, State, event, loyalty_item, member_points, only_entry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]
PaymentEventType = get_model("order", "PaymentEventType")
Reservation = OrderLoyaltyItem.Reservation
PANEL = 'id="diller-dashboard-loyalty"'


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(generate_username(), "s@example.com", "pw")
    client.force_login(staff)
    return client


def order_page(client, order) -> str:
    response = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert response.status_code == 200
    return response.content.decode()


def panel_of(html: str) -> str:
    """The panel's ``<div>``, up to its own closing tag."""
    start = html.rindex("<div", 0, html.index(PANEL))
    depth = 0
    for tag in re.finditer(r"<(/?)div\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html[start : start + tag.end()]
    raise AssertionError("the panel's <div> is not closed")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def use_coupon_and_stamp_card(order):
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.COUPON,
        "PCT10",
        amount=D("18.90"),
        reservation=Reservation.RESERVED,
    )
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.STAMP_CARD,
        "101",
        stamps_collected=2,
        lines=[{"product_id": ESPRESSO, "discount": "0.00", "collected": 2, "deducted": 0}],
        reservation=Reservation.RESERVED,
    )


def test_staff_see_coupons_stamp_cards_points_and_each_outbox_entry(staff_client, place, commit):
    order = place({ESPRESSO: 2})
    use_coupon_and_stamp_card(order)
    points_before = member_points()
    with commit():
        event(order, "Settled")
    earned = member_points() - points_before
    assert earned > 0
    send = only_entry(order_number=order.number, kind=Kind.SEND_TRANSACTION)
    assert send.state == State.SENT

    html = order_page(staff_client, order)
    panel = panel_of(html)
    text = text_of(panel)
    assert "Coupon PCT10" in text and "&minus;NOK18.90" in panel
    assert "Stamp card 101" in text and "Espresso beans 500 g" in text
    stamp_row = re.search(r'diller-item-stamp_card">(.*?)</tr>', panel, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", stamp_row) == ["2", "0"]
    # Diller ended the reservations when the transaction used them.
    assert text.count("used by the transaction") == 2
    assert f"{earned} points (stated in Diller's answer)" in text
    assert ">Sent<" in re.search(r'class="diller-transaction">(.*?)</td>', panel, re.S).group(1)
    change_url = reverse("admin:diller_outboxentry_change", args=[send.pk])
    assert f'href="{change_url}"' in panel
    assert f"Transaction {order.number} registered" in text  # Diller's answer
    assert f"?q={order.number}" in panel  # the outbox list of the order
    member_url = reverse("admin:diller_member_detail", args=[SEED_MEMBER_ID])
    assert f'href="{member_url}"' in panel  # the member look-up page


def test_every_entry_of_the_order_is_listed_with_its_state(staff_client, place, commit):
    order = place({ESPRESSO: 1})
    with commit():
        event(order, "Settled")
    with commit():
        event(order, "Refunded", amount=D("10.00"))
    entries = list(OutboxEntry.objects.filter(order_number=order.number))
    assert len(entries) >= 2
    panel = panel_of(order_page(staff_client, order))
    for entry in entries:
        assert reverse("admin:diller_outboxentry_change", args=[entry.pk]) in panel
        assert entry.get_kind_display().capitalize() in panel
    assert panel.count('class="diller-entry ') == len(entries)


def test_before_payment_the_points_are_not_sent_yet(staff_client, place):
    order = place({ESPRESSO: 1})
    use_coupon_and_stamp_card(order)
    panel = panel_of(order_page(staff_client, order))
    assert "No transaction is queued for this order." in panel
    assert "Reserved" in panel
    event(order, "Settled")  # queued; the delivery runs only after the commit
    panel = panel_of(order_page(staff_client, order))
    assert "Not sent to Diller yet." in panel
    assert "Pending" in panel


@pytest.mark.parametrize(
    "answer",
    [{"is_ok": True}, {"is_ok": True, "details": "Transaction registered."}],
    ids=["no-details", "details-without-points"],
)
def test_an_answer_that_states_no_points_is_said_to(staff_client, place, commit, answer):
    """The contract's answer is ``{is_ok, details}``, both optional: a figure is only ever in
    the text, which may be missing or say nothing of points."""
    embedded_sandbox().override_response("createTransaction", 200, answer)
    order = place({ESPRESSO: 1})
    with commit():
        event(order, "Settled")
    assert only_entry(order_number=order.number).state == State.SENT
    loyalty = order_dashboard_loyalty(order)
    assert (loyalty.points, loyalty.points_state) == (None, PointsState.NO_FIGURE)
    assert "Sent; Diller&#x27;s answer states no points." in panel_of(
        order_page(staff_client, order)
    )


@pytest.mark.parametrize("style", DUPLICATE_ANSWERS)
def test_a_duplicate_answer_gives_no_points_and_says_diller_had_it(
    staff_client, place, commit, style
):
    sandbox = embedded_sandbox()
    sandbox.duplicate_answer = style
    order = place({ESPRESSO: 1})
    # Diller takes the transaction but its answer is lost; the resend is a duplicate.
    with sandbox.inject(drop_rate=1.0, only_operations={"createTransaction"}, max_faults=1):
        with commit():
            event(order, "Settled")
    entry = only_entry(order_number=order.number)
    assert entry.state == State.FAILED
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    outbox.drain()
    entry.refresh_from_db()
    assert entry.state == State.SENT and entry.response["received_before"] is True
    panel = panel_of(order_page(staff_client, order))
    assert "Diller had it already" in panel
    assert "states no points" in panel


def test_what_a_transaction_was_sent_without_is_shown(staff_client, place, commit):
    order = place({ESPRESSO: 1})
    loyalty_item(
        order,
        OrderLoyaltyItem.Kind.COUPON,
        "PCT10",
        amount=D("18.90"),
        reservation=Reservation.REFUSED,
        reservation_detail="Coupon already redeemed",
    )
    with commit():
        event(order, "Settled")
    panel = panel_of(order_page(staff_client, order))
    dropped = panel[panel.index('id="diller-dashboard-dropped"') :]
    dropped = dropped[: dropped.index("</div>")]
    assert "coupon PCT10 (Diller refused the reservation: Coupon already redeemed)" in dropped
    assert "Refused by Diller" in panel


def test_dropped_notes_come_as_a_list_or_as_the_refusals_text():
    assert dropped_in({"loyalty_dropped": ["coupon A (x)", "stamp card 7 (y)"]}) == [
        "coupon A (x)",
        "stamp card 7 (y)",
    ]
    assert dropped_in({"loyalty_dropped": "Coupon expired"}) == ["Coupon expired"]
    assert dropped_in({"is_ok": True}) == dropped_in(None) == []


def test_staff_who_may_not_view_the_outbox_get_no_links(client, django_user_model, place, commit):
    order = place({MUG: 1})
    with commit():
        event(order, "Settled")
    clerk = django_user_model.objects.create_user(generate_username(), "c@example.com", "pw")
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))  # the dashboard
    client.force_login(clerk)
    panel = panel_of(order_page(client, order))
    assert "Send transaction" in panel
    assert "/admin/" not in panel
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboxentry"))
    clerk = django_user_model.objects.get(pk=clerk.pk)  # no cached permissions
    client.force_login(clerk)
    entry = only_entry(order_number=order.number)
    assert reverse("admin:diller_outboxentry_change", args=[entry.pk]) in order_page(client, order)


def test_an_order_without_loyalty_says_so(staff_client, place):
    order = place({MUG: 1})
    panel = panel_of(order_page(staff_client, order))
    assert "used no coupon or stamp card and nothing was queued for Diller" in panel


def test_a_shop_adds_the_panel_to_its_own_template_in_one_line(place, rf):
    order = place({ESPRESSO: 1})
    use_coupon_and_stamp_card(order)
    request = rf.get("/")
    request.user = None
    html = Template("{% load diller_dashboard %}{% diller_dashboard_order_loyalty order %}").render(
        Context({"order": order, "request": request})
    )
    assert PANEL in html and "PCT10" in html and "/admin/" not in html


def test_the_panel_costs_a_fixed_number_of_queries(place, commit, django_assert_max_num_queries):
    order = place({ESPRESSO: 2, MUG: 1})
    use_coupon_and_stamp_card(order)
    with commit():
        event(order, "Settled")
    with django_assert_max_num_queries(3):
        loyalty = order_dashboard_loyalty(order)
    assert len(loyalty.items) == 2 and loyalty.entries


def test_staff_try_a_return_in_the_dashboard_with_the_demo_data(staff_client, paid, commit):
    """What the README tells staff to do: tick a line of a paid order, create a "Refunded"
    payment event (the demo data has the type), and read the panel."""
    order = paid({ESPRESSO: 2})
    line = order.lines.get()
    refunded = PaymentEventType.objects.get(name="Refunded")  # made by load_demo_shop
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})
    with commit():
        response = staff_client.post(
            url,
            {
                "line_action": "create_payment_event",
                "selected_line": [line.pk],
                f"selected_line_qty_{line.pk}": "1",
                "payment_event_type": refunded.code,
                "amount": "",
            },
        )
    assert response.status_code == 302
    kinds = set(OutboxEntry.objects.filter(order_number=order.number).values_list("kind", "state"))
    assert (Kind.CANCEL_TRANSACTION, State.SENT) in kinds
    assert (Kind.RESEND_REMAINDER, State.SENT) in kinds
    panel = panel_of(order_page(staff_client, order))
    assert "Cancel transaction" in panel and "Send the remainder" in panel
    assert f"payment_event:{order.payment_events.get(event_type=refunded).pk}" in panel


@pytest.mark.parametrize(
    "dropped", ["Coupon PCT10 has expired", ["coupon PCT10 (Diller refused the purchase: x)"]]
)
def test_the_outbox_admin_shows_each_dropped_note_whole(staff_client, dropped):
    entry = OutboxEntry.objects.create(
        kind=Kind.RESEND_REMAINDER,
        external_id="100009-pe1",
        order_number="100009",
        state=State.SENT,
        response={"is_ok": True, "loyalty_dropped": dropped},
    )
    html = staff_client.get(reverse("admin:diller_outboxentry_change", args=[entry.pk]))
    note = dropped if isinstance(dropped, str) else dropped[0]
    assert f"<div>{note}</div>" in html.content.decode().replace("&#x27;", "'")
