"""The checkout's coupon step, through the shop's real pages."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.wallet import forget_wallet
from django_diller.models import BasketLoyalty
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import EARL_GREY, ESPRESSO, add_to_basket

pytestmark = pytest.mark.django_db
STEP = "diller_oscar:coupons"


def test_the_step_lists_the_members_coupons_and_the_effect_on_the_total(member_client):
    add_to_basket(member_client, ESPRESSO, 2)
    page = member_client.get(reverse(STEP), {"next": "/checkout/preview/"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "20 % off coffee" in html  # product coupon, pre-applied
    assert "10 % off your purchase" in html  # whole-purchase coupon, offered
    assert 'value="PCT10" checked' not in html  # never pre-chosen
    assert "Every 10th coffee free" in html
    assert "151.20" in html  # 378.00 less a free espresso and 20 % off the other


def test_choosing_a_whole_purchase_coupon_changes_the_basket_total(member_client):
    add_to_basket(member_client, EARL_GREY, 1)
    member_client.get(reverse(STEP))
    response = member_client.post(reverse(STEP), {"use": ["PCT10"], "next": "/checkout/preview/"})
    assert response.status_code == 302 and response["Location"] == "/checkout/preview/"
    basket_page = member_client.get(reverse("basket:summary"))
    assert basket_page.context["basket"].total_incl_tax == D("71.10")


def test_continuing_with_nothing_newly_ticked_goes_on_without_pricing_again(member_client):
    add_to_basket(member_client, EARL_GREY, 1)
    member_client.get(reverse(STEP))
    member_client.post(reverse(STEP), {"use": ["PCT10"], "next": "/checkout/preview/"})
    with CaptureQueriesContext(connection) as again:
        response = member_client.post(
            reverse(STEP), {"use": ["PCT10"], "next": "/checkout/preview/"}
        )
    assert response.status_code == 302 and response["Location"] == "/checkout/preview/"
    pricings = [q for q in again.captured_queries if 'FROM "offer_conditionaloffer"' in q["sql"]]
    assert len(pricings) == 1  # Oscar's basket middleware's, not a second one of the step
    assert BasketLoyalty.objects.get().chosen_codes == ["PCT10"]


def test_codes_that_are_not_the_members_are_ignored(member_client):
    add_to_basket(member_client, EARL_GREY, 1)
    member_client.get(reverse(STEP))
    member_client.post(reverse(STEP), {"use": ["SOMEONE-ELSES", "PCT10"]})
    assert BasketLoyalty.objects.get().chosen_codes == ["PCT10"]


def test_unticking_a_product_coupon_declines_it(member_client):
    add_to_basket(member_client, ESPRESSO, 1)
    member_client.get(reverse(STEP))
    member_client.post(reverse(STEP), {"use": []})
    assert "PCT20COFFEE" in BasketLoyalty.objects.get().declined_codes


def test_an_unsafe_next_url_is_not_followed(member_client):
    add_to_basket(member_client, ESPRESSO, 1)
    response = member_client.post(reverse(STEP), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("checkout:payment-details")


def test_non_members_go_straight_on(client, shop):
    response = client.get(reverse(STEP), {"next": "/checkout/preview/"})
    assert response.status_code == 302 and response["Location"] == "/checkout/preview/"


def test_diller_down_lets_the_checkout_go_on_and_says_so(member_client):
    add_to_basket(member_client, ESPRESSO, 1)
    with embedded_sandbox().inject(error_rate=1.0):
        response = member_client.get(reverse(STEP), {"next": "/checkout/preview/"}, follow=False)
    assert response.status_code == 302 and response["Location"] == "/checkout/preview/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("can't be fetched right now" in m for m in messages)
    assert not any("still apply" in m for m in messages)  # nothing was chosen before


def test_diller_down_on_the_step_says_which_coupons_chosen_earlier_still_apply(member_client):
    add_to_basket(member_client, EARL_GREY, 1)
    member_client.get(reverse(STEP))
    member_client.post(reverse(STEP), {"use": ["PCT10"]})
    forget_wallet(SEED_MEMBER_ID)
    with embedded_sandbox().inject(error_rate=1.0):
        response = member_client.get(reverse(STEP), {"next": "/checkout/preview/"})
    assert response["Location"] == "/checkout/preview/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "The coupons you chose earlier still apply: 10 % off your purchase." in messages
    basket_page = member_client.get(reverse("basket:summary"))
    assert basket_page.context["basket"].total_incl_tax == D("71.10")  # 79.00 less 10 %


def test_one_round_trip_fetches_coupons_and_stamp_cards_together(member_client):
    add_to_basket(member_client, ESPRESSO, 1)
    sandbox = embedded_sandbox()
    before = len(sandbox.requests)
    member_client.get(reverse(STEP))
    member_client.get(reverse(STEP))  # the second view reuses the briefly cached wallet
    calls = [r.operation_id for r in sandbox.requests[before:] if r.operation_id != "token"]
    assert sorted(calls) == ["getMemberCoupons", "getMemberStampCards"]


def test_a_free_shipping_coupon_for_other_products_is_marked_unused(member_client):
    add_to_basket(member_client, ESPRESSO, 1)
    html = member_client.get(reverse(STEP)).content.decode()
    gear = html[html.index("Free shipping on equipment") :]
    assert "not used by this basket" in gear[: gear.index("</li>")]
    everywhere = html[html.index("Free shipping</strong>") :]
    assert "not used by this basket" not in everywhere[: everywhere.index("</li>")]


def test_a_link_to_another_store_does_not_count_here(client, member):
    from django_diller.models import MemberLink

    MemberLink.objects.filter(user=member).update(store_id="another-store")
    client.force_login(member)
    add_to_basket(client, ESPRESSO, 1)
    response = client.get(reverse(STEP), {"next": "/checkout/preview/"})
    assert response.status_code == 302 and response["Location"] == "/checkout/preview/"
