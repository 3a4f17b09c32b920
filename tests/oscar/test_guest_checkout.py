"""Guests see two unticked consents when they place the order; only "join" reaches Diller."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from django_diller.models import Consent, ConsentRecord
from django_diller.sandbox.seed import SEED_STORE_ID
from django_diller.services.connection import embedded_sandbox

from .conftest import ESPRESSO

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
pytestmark = pytest.mark.django_db

GUEST_ADDRESS = {
    "first_name": "Per",
    "last_name": "Hansen",
    "line1": "Storgata 2",
    "line4": "Oslo",
    "postcode": "0155",
    "country": "NO",
    "phone_number": "+4747112233",
}


@pytest.fixture
def guest(client, shop):
    product = Product.objects.get(upc=ESPRESSO)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    client.post(reverse("checkout:index"), {"username": "per@example.com", "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), GUEST_ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    return client


def preview(client):
    page = client.post(reverse("checkout:preview"))
    assert page.status_code == 200
    return page.content.decode()


def test_the_purchase_page_shows_two_unticked_consents(guest):
    html = preview(guest)
    assert 'name="diller-join"' in html and 'name="diller-save_order_history"' in html
    assert 'form="place_order_form"' in html
    fieldset = html[html.index('id="diller-guest-consents"') :]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    assert "checked" not in fieldset


def test_ticking_join_makes_the_buyer_a_member_with_the_consents_recorded(
    guest, django_capture_on_commit_callbacks
):
    preview(guest)
    with django_capture_on_commit_callbacks(execute=True):
        response = guest.post(
            reverse("checkout:preview"),
            {"action": "place_order", "diller-join": "on", "diller-save_order_history": "on"},
        )
    assert response["Location"] == reverse("checkout:thank-you")
    order = Order.objects.get()
    members = embedded_sandbox().state.stores[SEED_STORE_ID].members.values()
    (member,) = [m for m in members if m.phone.number == "47112233"]
    assert (member.first_name, member.email) == ("Per", "per@example.com")
    assert member.consent.gdpr_accepted and member.consent.save_order_history
    records = {r.consent: r for r in ConsentRecord.objects.filter(order_number=order.number)}
    assert records[Consent.GDPR].given and records[Consent.ORDER_HISTORY].given
    assert records[Consent.GDPR].source == "checkout"
    assert records[Consent.GDPR].member_id == member.id


def test_not_ticking_join_sends_nothing_to_diller(guest, django_capture_on_commit_callbacks):
    preview(guest)
    sandbox = embedded_sandbox()
    before = len(sandbox.requests_for("registerMember"))
    with django_capture_on_commit_callbacks(execute=True):
        guest.post(reverse("checkout:preview"), {"action": "place_order"})
    assert Order.objects.exists()
    assert len(sandbox.requests_for("registerMember")) == before
    assert not ConsentRecord.objects.filter(given=True).exists()


def test_members_do_not_see_the_guest_consents(client, member):
    client.force_login(member)
    product = Product.objects.get(upc=ESPRESSO)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    client.post(reverse("checkout:shipping-address"), GUEST_ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    assert 'id="diller-guest-consents"' not in preview(client)
