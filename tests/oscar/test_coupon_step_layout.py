"""The coupon step as shoppers see it: Oscar's checkout layout and step bar, coupons as cards, and
why a ticked coupon gives nothing, on the step and in the basket."""

from datetime import timedelta
from decimal import Decimal as D
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from oscar.core.loading import get_model

from django_diller.api import models as wire
from django_diller.contrib.oscar.carrier import LOYALTY_SLUG
from django_diller.contrib.oscar.coupon_cards import explain, refusal_notes
from django_diller.contrib.oscar.offers import PLAN_ATTRIBUTE
from django_diller.discounts import Refusal, RefusalReason
from django_diller.models import BasketLoyalty

from .conftest import BUN, EARL_GREY, ESPRESSO, MUG, add_to_basket, apply_offers, site_offer

ConditionalOffer = get_model("offer", "ConditionalOffer")
pytestmark = pytest.mark.django_db

STEP = "diller_oscar:coupons"
GIFT_CARD = "7040110000234"


def step(client, **params):
    return client.get(reverse(STEP), params)


def choose(client, *codes, next_url="/checkout/payment-details/"):
    return client.post(reverse(STEP), {"use": list(codes), "next": next_url})


def cards(page):
    choice = page.context["choice"]
    return {c.code: c for c in choice.product_coupons + choice.purchase_coupons}


def card_html(html: str, code: str) -> str:
    start = html.index(f'id="diller-coupon-{code.lower()}"')
    return html[start : html.index("</li>", start)]


# Oscar's checkout layout ---------------------------------------------------------------------


def test_the_step_is_inside_oscars_checkout_layout_with_the_step_bar_at_payment(member_client):
    add_to_basket(member_client, ESPRESSO)
    page = step(member_client)
    names = [t.name for t in page.templates]
    assert "oscar/checkout/layout.html" in names and "oscar/checkout/nav.html" in names
    html = page.content.decode()
    assert "nav-checkout" in html
    payment = html[html.index("step3") : html.index("</li>", html.index("step3"))]
    assert "active" in payment and "3. Payment" in payment
    assert reverse("checkout:shipping-address") in html  # earlier steps are links back


# Cards ---------------------------------------------------------------------------------------


def test_each_coupon_is_a_card_with_its_value_expiry_and_what_it_applies_to(member_client):
    add_to_basket(member_client, ESPRESSO, 2)
    page = step(member_client)
    html = page.content.decode()
    coffee = card_html(html, "PCT20COFFEE")
    assert "20\xa0%" in coffee  # a no-break space before the sign
    assert "Applies to: Espresso beans 500 g" in coffee
    assert "Used on this order" in coffee
    valid_to = cards(page)["PCT20COFFEE"].valid_to
    assert f"Valid until {date_format(timezone.localtime(valid_to), 'DATE_FORMAT')}" in coffee
    assert "NOK50.00" in card_html(html, "FIXED50")
    assert "Applies to your whole purchase" in card_html(html, "FIXED50")
    assert "Applies to selected products only" in card_html(html, "FIXED30BAKERY")
    assert "Free shipping" in card_html(html, "SHIPFREE")
    assert 'value="PCT10" checked' not in html  # whole-purchase coupons are never pre-ticked
    assert 'value="PCT20COFFEE" checked' in html  # product coupons apply by themselves


def test_amounts_and_dates_follow_the_shoppers_language(member_client):
    add_to_basket(member_client, ESPRESSO)
    member_client.cookies["django_language"] = "nb"
    page = step(member_client)
    html = page.content.decode()
    valid_to = cards(page)["FIXED50"].valid_to
    with translation.override("nb"):
        expiry = date_format(timezone.localtime(valid_to), "DATE_FORMAT")
    assert expiry in card_html(html, "FIXED50")
    assert "50,00\xa0kr" in card_html(html, "FIXED50")


def test_a_product_coupon_names_only_the_basket_products_it_applies_to(member_client):
    add_to_basket(member_client, ESPRESSO)
    add_to_basket(member_client, EARL_GREY)
    applies = cards(step(member_client))["PCT20COFFEE"].applies_to
    assert applies == ("Espresso beans 500 g",)


# Why a ticked coupon gives nothing -----------------------------------------------------------


def test_a_product_coupon_for_products_not_in_the_basket_says_so_quietly(member_client):
    add_to_basket(member_client, ESPRESSO)
    page = step(member_client)
    bakery = cards(page)["FIXED30BAKERY"]
    assert bakery.reason == "None of the products it applies to is in your basket."
    assert bakery.quiet_reason and not bakery.used
    assert "border-warning" not in card_html(page.content.decode(), "FIXED30BAKERY")


def test_a_coupon_that_cannot_be_combined_with_the_other_chosen_one_says_so(member_client):
    add_to_basket(member_client, EARL_GREY)
    step(member_client)
    choose(member_client, "PCT10", "FIXED50")
    page = step(member_client)
    # 50 kr off is worth more on the tea than 10 %, so it goes first and 10 % finds nothing.
    ten = cards(page)["PCT10"]
    assert ten.ticked and not ten.used
    assert ten.reason == (
        "It can't be combined with “50 kr off”, which already discounts the same items."
    )
    assert "border-warning" in card_html(page.content.decode(), "PCT10")
    assert cards(page)["FIXED50"].used


def test_a_coupon_on_items_the_shop_already_discounted_says_so(member_client):
    site_offer("10 % off everything", 10)
    add_to_basket(member_client, EARL_GREY)
    step(member_client)
    choose(member_client, "PCT10")
    assert cards(step(member_client))["PCT10"].reason == (
        "The items it applies to are already discounted, and discounts are not added on top "
        "of each other."
    )


def test_a_coupon_on_an_item_a_stamp_card_made_free_names_the_card(member_client):
    add_to_basket(member_client, BUN)  # the bun card (4 of 5) makes this bun free
    reason = cards(step(member_client))["FIXED30BAKERY"].reason
    assert reason == "Your stamp card \u201cBun club\u201d already makes the same items free."


def test_a_second_free_shipping_coupon_says_only_one_is_used(member_client):
    add_to_basket(member_client, MUG)
    step(member_client)
    choose(member_client, "SHIPFREE", "SHIPFREEGEAR")
    gear = cards(step(member_client))["SHIPFREEGEAR"]
    assert gear.reason == (
        "Only one free-shipping coupon can be used per order, and “Free shipping” is used."
    )


def test_a_coupon_with_nothing_in_the_basket_that_may_take_it_says_so(member_client):
    add_to_basket(member_client, GIFT_CARD)
    step(member_client)
    choose(member_client, "PCT10")
    assert cards(step(member_client))["PCT10"].reason == (
        "Nothing in your basket can take a coupon discount (gift cards, for example)."
    )


def test_a_used_up_or_expired_coupon_in_the_snapshot_says_so(make_basket):
    basket = make_basket({EARL_GREY: 1}, chosen=["ONCE100", "FIXED50"])
    row = BasketLoyalty.objects.get(basket_id=basket.id)
    for coupon in row.coupons:
        if coupon["code"] == "ONCE100":
            coupon["times_redeemed"] = 1  # its single use went on another order
        if coupon["code"] == "FIXED50":
            coupon["valid_to"] = (timezone.now() - timedelta(minutes=1)).isoformat()
    row.save()
    apply_offers(basket)
    notes = refusal_notes(basket, getattr(basket, PLAN_ATTRIBUTE), row)
    assert notes["ONCE100"].reason == "This coupon has been used up."
    assert notes["FIXED50"].reason == "This coupon has expired."


NOW = timezone.now()
COUPON = wire.MemberCouponResponse(
    code="C",
    title="C",
    valid_from=NOW + timedelta(days=3),
    valid_to=NOW + timedelta(days=30),
    type="Standard",
    discount_type="Percentage",
    discount_value=D("10"),
)


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        (RefusalReason.EXPIRED, "This coupon has expired."),
        (RefusalReason.USED_UP, "This coupon has been used up."),
        (
            RefusalReason.NO_MATCHING_PRODUCTS,
            "None of the products it applies to is in your basket.",
        ),
        (RefusalReason.NO_SHIPPING_CHARGE, "This order has no shipping charge to take off."),
        (RefusalReason.UNSUPPORTED, "This coupon can't be used in the web shop."),
    ],
)
def test_each_reason_of_the_engine_has_its_own_sentence(reason, sentence):
    assert explain(Refusal("C", reason), COUPON, None, [], {}) == sentence


def test_a_coupon_not_valid_yet_says_from_when():
    expected = date_format(timezone.localtime(COUPON.valid_from), "DATE_FORMAT")
    sentence = explain(Refusal("C", RefusalReason.NOT_YET_VALID), COUPON, None, [], {})
    assert sentence == f"This coupon can be used from {expected}."


def test_every_reason_a_ticked_coupon_can_have_is_explained():
    generic = "This coupon gives nothing on this basket."
    for reason in set(RefusalReason) - {
        RefusalReason.NOT_CHOSEN,
        RefusalReason.NOTHING_LEFT_TO_DISCOUNT,
    }:
        assert explain(Refusal("C", reason), COUPON, None, [], {}) != generic, reason


# Never dropped without a word ----------------------------------------------------------------


def test_a_newly_ticked_coupon_that_gives_nothing_brings_the_shopper_back_to_the_step(
    member_client,
):
    add_to_basket(member_client, EARL_GREY)
    step(member_client, next="/checkout/payment-details/")
    response = choose(member_client, "PCT10", "FIXED50")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(STEP))
    assert "next=%2Fcheckout%2Fpayment-details%2F" in response["Location"]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "“10 % off your purchase” gives nothing on this order: the reason is shown with the "
        "coupon. Untick it, or continue as it is."
    ]
    # Continuing with the same choice goes on: the member_client has been told.
    again = choose(member_client, "PCT10", "FIXED50")
    assert again["Location"] == "/checkout/payment-details/"
    assert BasketLoyalty.objects.get().chosen_codes == ["FIXED50", "PCT10"]


def test_a_coupon_that_gives_something_goes_straight_on(member_client):
    add_to_basket(member_client, EARL_GREY)
    step(member_client)
    assert choose(member_client, "PCT10")["Location"] == "/checkout/payment-details/"


def test_the_basket_says_which_ticked_coupons_give_nothing_and_why(member_client):
    add_to_basket(member_client, EARL_GREY)
    step(member_client)
    choose(member_client, "PCT10", "FIXED50")
    html = unescape(member_client.get(reverse("basket:summary")).content.decode())
    notes = html[html.index('id="diller-coupon-notes"') :]
    notes = notes[: notes.index("</div>")]
    assert "This loyalty coupon gives nothing on this basket:" in notes
    assert "<strong>10 % off your purchase</strong>: It can't be combined with “50 kr off”" in notes
    assert "30 kr off bakery" not in notes  # a product coupon for products not in the basket
    change = f"{reverse(STEP)}?next=%2Fbasket%2F"
    assert change in notes


def test_the_basket_says_nothing_when_every_ticked_coupon_gives_something(member_client):
    add_to_basket(member_client, ESPRESSO)
    step(member_client)
    assert (
        'id="diller-coupon-notes"'
        not in member_client.get(reverse("basket:summary")).content.decode()
    )


def test_with_the_carrier_offer_suspended_the_step_says_coupons_cannot_be_used_now(member_client):
    ConditionalOffer.objects.get(slug=LOYALTY_SLUG).suspend()
    add_to_basket(member_client, ESPRESSO)
    page = step(member_client)
    assert page.context["choice"].paused
    assert "Loyalty coupons can't be used on orders right now." in page.content.decode()


def test_the_basket_notes_follow_the_basket_as_it_changes(member, make_basket):
    from django.template import Context, Template

    basket = make_basket({EARL_GREY: 1}, chosen=["PCT10", "FIXED50"])
    template = Template("{% load diller_oscar %}{% diller_coupon_notes basket %}")
    assert "10 % off your purchase" in template.render(Context({"basket": basket}))
    row = BasketLoyalty.objects.get(basket_id=basket.id)
    row.chosen_codes = ["PCT10"]
    row.save()
    apply_offers(basket)
    assert "diller-coupon-notes" not in template.render(Context({"basket": basket}))


def test_a_cards_wording_follows_the_language_and_time_zone_each_time():
    from .test_card_markup import card as coupon_card

    card = coupon_card(ticked=False, used=False)
    seen = []
    for language, zone in [("en", "UTC"), ("nb", "UTC"), ("en", "Europe/Oslo"), ("en", "UTC")]:
        with translation.override(language), timezone.override(zone):
            seen.append((card.value_label, card.valid_until_label))
    assert seen[0] == seen[3]  # kept, and the same again
    assert seen[1][0] == "50,00\xa0kr" and seen[0][0] == "NOK50.00"
    assert seen[0][1] == "Valid until Feb. 28, 2027"
    assert seen[2][1] == "Valid until March 1, 2027"  # 00:30 in Oslo
