"""Oscar's dashboard order page shows the order's Dintero receipt beside Diller's transaction:
its state in the overview, and each Dintero entry (receipt, return, naming the customer) in a
table of its own, with Dintero's id, never the receipt token."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.test import override_settings
from django.urls import reverse
from oscar.apps.customer.forms import generate_username

from django_diller.contrib.oscar.dashboard import order_dashboard_loyalty
from django_diller.dintero.kinds import Kind
from django_diller.dintero.tokens import ANSWER_KEY
from django_diller.loyalty.kinds import Kind as DillerKind
from django_diller.models import OutboxEntry
from django_diller.sandbox.seed import SEED_MEMBER_ID
from tests.oscar.orders import DILLER, event

from .conftest import DINTERO, ESPRESSO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("receivers")]
State = OutboxEntry.State
PANEL = 'id="diller-dashboard-loyalty"'


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(generate_username(), "s@example.com", "pw")
    client.force_login(staff)
    return client


def panel(client, order) -> str:
    response = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index(PANEL) :]


def part(html: str, element_id: str, end: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index(end, start)]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_receipt_s_state_is_shown_beside_the_transaction(staff_client, place, commit, member):
    with override_settings(DINTERO={**DINTERO, "TOKEN_EXPIRE_DAYS": 7}, DILLER=DILLER):
        order = place({ESPRESSO: 1}, user=member)
        with commit():
            event(order, "Settled")
            event(order, "Refunded", amount=D("10.00"))
        html = panel(staff_client, order)
    receipt = OutboxEntry.objects.get(kind=Kind.RECEIPT)
    assert receipt.state == State.SENT and receipt.response[ANSWER_KEY]
    assert receipt.payload["customer_id"] == SEED_MEMBER_ID
    overview = text_of(part(html, "diller-dashboard-dintero-receipt", "</td>"))
    assert f"Sent {order.number}" in overview
    assert "Receipt at Dintero" in text_of(html[: html.index("</table>")])

    dintero = part(html, "diller-dashboard-dintero", "</table>")
    rows = re.findall(r'<tr class="diller-entry diller-entry-([\w-]+)">', dintero)
    assert rows == [Kind.RECEIPT.value, Kind.RETURN.value]
    assert receipt.response["id"] in dintero  # Dintero's id of the receipt
    change_url = reverse("admin:diller_outboxentry_change", args=[receipt.pk])
    assert f'href="{change_url}"' in dintero
    assert receipt.response[ANSWER_KEY] not in html

    # Diller's table holds Diller's entries only.
    diller = part(html, "diller-dashboard-entries", "</table>")
    assert "dintero-" not in diller
    assert f"diller-entry-{DillerKind.SEND_TRANSACTION.value}" in diller


def test_a_receipt_not_sent_yet_shows_its_state_and_error(staff_client, place, commit):
    with override_settings(DINTERO=DINTERO, DILLER=DILLER):
        from django_diller.dintero.connection import embedded_sandbox

        order = place({ESPRESSO: 1})
        with embedded_sandbox().inject(error_rate=1.0), commit():
            event(order, "Settled")
        html = panel(staff_client, order)
    overview = text_of(part(html, "diller-dashboard-dintero-receipt", "</td>"))
    assert "Failed, will retry" in overview
    dintero = part(html, "diller-dashboard-dintero", "</table>")
    assert "text-danger" in dintero and "badge-warning" in dintero


def test_with_dintero_on_an_order_without_a_receipt_says_none_is_queued(staff_client, place):
    with override_settings(DINTERO=DINTERO, DILLER=DILLER):
        order = place({ESPRESSO: 1})
        html = panel(staff_client, order)
    assert "No receipt is queued for Dintero." in text_of(html)
    assert 'id="diller-dashboard-dintero"' not in html


def test_without_dintero_the_panel_has_no_dintero_column(staff_client, place, commit):
    with override_settings(DILLER=DILLER):
        order = place({ESPRESSO: 1})
        with commit():
            event(order, "Settled")
        html = panel(staff_client, order)
        loyalty = order_dashboard_loyalty(order)
    assert not loyalty.receipts_on and loyalty.receipt is None
    assert "Dintero" not in html[: html.index("</table>")]


def test_the_dintero_rows_cost_no_extra_query(place, commit, member, django_assert_max_num_queries):
    with override_settings(DINTERO=DINTERO, DILLER=DILLER):
        order = place({ESPRESSO: 1}, user=member)
        with commit():
            event(order, "Settled")
        with django_assert_max_num_queries(2):  # items, entries (no order lines needed)
            loyalty = order_dashboard_loyalty(order)
    assert loyalty.receipt.kind == Kind.RECEIPT and loyalty.transaction is not None
