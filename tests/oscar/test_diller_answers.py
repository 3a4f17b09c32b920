"""Diller's answers as the checkout reads them: dates without an offset, refusals without words."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.loyalty.connection import embedded_sandbox, get_client
from django_diller.models import BasketLoyalty
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from example_shop.demo_customers import DEMO_SHIPPING_ADDRESS

from .orders import DILLER

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
pytestmark = pytest.mark.django_db

STEP = "diller_oscar:coupons"
OSLO = ZoneInfo("Europe/Oslo")


def coupon(code):
    return embedded_sandbox().state.stores[SEED_STORE_ID].coupons[code]


def basket_total(client):
    return client.get(reverse("basket:summary")).context["basket"].total_incl_tax


def to_preview(client):
    client.post(reverse("checkout:shipping-address"), DEMO_SHIPPING_ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    client.get(reverse(STEP))
    client.post(reverse(STEP), {"use": ["PCT20COFFEE"]})
    return client.post(reverse("checkout:preview"))


def place_order(client):
    return client.post(reverse("checkout:preview"), {"action": "place_order"})


# Dates without an offset ---------------------------------------------------------------------


def test_the_coupon_step_works_with_dates_diller_sent_without_an_offset(shopper):
    embedded_sandbox().naive_dates = True
    page = shopper.get(reverse(STEP), {"next": "/checkout/preview/"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "20 % off coffee" in html and "Every 10th coffee free" in html
    assert "151.20" in html  # 378.00 less a free espresso and 20 % off the other
    assert basket_total(shopper) == D("151.20")
    # The basket's snapshot keeps them with the store's offset.
    (snapshot,) = BasketLoyalty.objects.all()
    valid_to = {c["code"]: c["valid_to"] for c in snapshot.coupons}
    assert valid_to["PCT20COFFEE"].endswith(("+01:00", "+02:00"))


def test_a_naive_valid_to_is_the_stores_wall_clock_time(shopper):
    # Expired half an hour ago. Sent as Oslo's wall-clock time without an offset, it would look
    # valid for another hour or two if it were read as UTC.
    coupon("PCT20COFFEE").valid_to = timezone.now() - timedelta(minutes=30)
    embedded_sandbox().naive_dates = True
    page = shopper.get(reverse(STEP), {"next": "/checkout/preview/"})
    assert page.status_code == 200
    assert basket_total(shopper) == D("189.00")  # the free espresso only: the coupon lapsed


def test_an_order_is_placed_with_coupons_whose_dates_have_no_offset(
    shopper, django_capture_on_commit_callbacks
):
    embedded_sandbox().naive_dates = True
    assert to_preview(shopper).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = place_order(shopper)
    assert response["Location"] == reverse("checkout:thank-you")
    assert Order.objects.get().total_incl_tax == D("151.20") + D("49.00")


def test_the_client_reads_naive_dates_in_the_stores_time_zone_from_the_settings(member):
    assert get_client().config.time_zone == OSLO  # Django's TIME_ZONE in the example shop
    with override_settings(DILLER={**DILLER, "TIME_ZONE": "America/New_York"}):
        assert get_client().config.time_zone == ZoneInfo("America/New_York")
        coupon("PCT10").valid_to = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)  # 13:00 in Oslo
        embedded_sandbox().naive_dates = True
        coupons = get_client().get_member_coupons(SEED_MEMBER_ID)
    # The sandbox's store is in Oslo: "13:00" read as New York's time is 18:00 UTC.
    (parsed,) = [c for c in coupons if c.code == "PCT10"]
    assert parsed.valid_to == datetime(2030, 1, 15, 18, 0, tzinfo=UTC)


def test_an_unknown_time_zone_is_a_system_check_error():
    with override_settings(DILLER={**DILLER, "TIME_ZONE": "Europe/Atlantis"}):
        errors = [e for e in run_checks() if e.id == "diller.E011"]
    assert len(errors) == 1 and "Europe/Atlantis" in errors[0].msg


# Refusals without words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [{"is_ok": False, "details": ""}, {"is_ok": False, "details": "  "}, {"is_ok": False}],
    ids=["empty", "blank", "absent"],
)
def test_a_refusal_without_details_gives_a_plain_message(shopper, answer):
    assert to_preview(shopper).status_code == 200
    embedded_sandbox().override_response("validateCoupon", 200, answer)
    response = place_order(shopper)
    assert response["Location"] == reverse("checkout:preview")
    assert not Order.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "The coupon PCT20COFFEE can no longer be used." in messages
    assert not any(m.rstrip().endswith(":") for m in messages)


def test_a_refusal_with_details_says_them(shopper):
    assert to_preview(shopper).status_code == 200
    embedded_sandbox().override_response(
        "validateCoupon", 200, {"is_ok": False, "details": "Coupon is used up."}
    )
    messages = [str(m) for m in place_order(shopper).wsgi_request._messages]
    assert "The coupon PCT20COFFEE can no longer be used: Coupon is used up." in messages
