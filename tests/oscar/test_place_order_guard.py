"""The shopper is charged the total the preview showed, or nothing: every cause of a different
total at "Place order" sends the shopper back to the preview with what changed."""

from dataclasses import replace
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.core import signing
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from django_diller.contrib.oscar.preview import FIELD, SESSION_KEY, PreviewSnapshot, differs
from django_diller.discounts import CouponOffer, DiscountKind
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.sources import registry
from django_diller.models import MemberLink, OrderLoyaltyItem
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID, STAMP_CARD_COFFEE

from .conftest import EARL_GREY, ESPRESSO, add_to_basket
from .test_checkout_flow import STANDARD_SHIPPING, to_preview

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
ConditionalOffer = get_model("offer", "ConditionalOffer")
pytestmark = pytest.mark.django_db

# 2 x 189.00: one espresso free (stamp card 101), 20 % off the other; standard shipping.
PREVIEWED = D("151.20") + STANDARD_SHIPPING
WITHOUT_LOYALTY = D("378.00") + STANDARD_SHIPPING


def previewed(client):
    """The preview page's response and the signed total its place-order form carries."""
    page = to_preview(client)
    token = page.context["diller_preview_token"]
    assert f'name="{FIELD}"' in page.content.decode() and token in page.content.decode()
    assert PreviewSnapshot.unsign(token).total == PREVIEWED
    return page, token


def place(client, token):
    return client.post(reverse("checkout:preview"), {"action": "place_order", FIELD: token})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def assert_stopped(response, *, new_total):
    assert response.status_code == 302 and response["Location"] == reverse("checkout:preview")
    assert not Order.objects.exists()
    text = " ".join(messages_of(response))
    assert f"changed from {currency(PREVIEWED, 'NOK')} to {currency(new_total, 'NOK')}" in text
    assert "nothing was charged" in text
    return text


def test_the_same_total_places_the_order(shopper):
    _page, token = previewed(shopper)
    assert place(shopper, token)["Location"] == reverse("checkout:thank-you")
    assert Order.objects.get().total_incl_tax == PREVIEWED


def test_a_member_unlinked_after_the_preview_is_not_charged_the_full_price(shopper, member):
    _page, token = previewed(shopper)
    MemberLink.objects.filter(user=member).delete()  # staff unlinked the member
    text = assert_stopped(place(shopper, token), new_total=WITHOUT_LOYALTY)
    assert "no longer linked to a loyalty membership" in text
    # Back on the preview the shopper sees the new total, agrees to it, and the order goes.
    page = shopper.get(reverse("checkout:preview"))
    assert page.context["order_total"].incl_tax == WITHOUT_LOYALTY
    assert place(shopper, page.context["diller_preview_token"])["Location"] == reverse(
        "checkout:thank-you"
    )
    assert Order.objects.get().total_incl_tax == WITHOUT_LOYALTY


def test_the_loyalty_offer_suspended_after_the_preview_stops_the_order(shopper):
    _page, token = previewed(shopper)
    ConditionalOffer.objects.filter(slug="diller-loyalty").update(status=ConditionalOffer.SUSPENDED)
    text = assert_stopped(place(shopper, token), new_total=WITHOUT_LOYALTY)
    assert "Loyalty discounts can't be used right now" in text


def test_a_basket_changed_in_another_tab_stops_the_order(shopper):
    _page, token = previewed(shopper)
    tea = Product.objects.get(upc=EARL_GREY)
    shopper.post(reverse("basket:add", kwargs={"pk": tea.pk}), {"quantity": 1})
    # The other tab's preview is the latest one the session saw; this tab's form still
    # carries what this tab showed.
    shopper.get(reverse("checkout:preview"))
    response = place(shopper, token)
    text = assert_stopped(response, new_total=PREVIEWED + D("79.00"))
    assert "Your basket changed" in text


def test_a_basket_changed_to_the_same_total_in_another_tab_stops_the_order(member_client):
    """One espresso at 20 % off costs what two cost with one free by the stamp card: the total
    is the same, the order (and the reward it spends) is not."""
    add_to_basket(member_client, ESPRESSO, 1)
    page = to_preview(member_client)
    token = page.context["diller_preview_token"]
    assert page.context["order_total"].incl_tax == PREVIEWED
    add_to_basket(member_client, ESPRESSO, 1)  # the other tab: two espressos, one free
    response = place(member_client, token)
    assert response["Location"] == reverse("checkout:preview")
    assert not Order.objects.exists()
    text = " ".join(messages_of(response))
    assert "Your order changed since you saw it" in text and "nothing was charged" in text
    assert f"Its total is still {currency(PREVIEWED, 'NOK')}" in text
    assert "Your basket changed." in text
    assert "The reward of the stamp card Every 10th coffee free now applies." in text


def test_a_forged_total_is_refused(shopper):
    previewed(shopper)
    forged = signing.dumps({"total": "1.00"}, salt="not-the-shop")
    response = place(shopper, forged)
    assert response["Location"] == reverse("checkout:preview")
    assert not Order.objects.exists()
    assert any("place it again" in m for m in messages_of(response))


def test_without_the_field_the_last_preview_in_the_session_is_the_agreed_total(shopper, member):
    previewed(shopper)
    MemberLink.objects.filter(user=member).delete()
    response = shopper.post(reverse("checkout:preview"), {"action": "place_order"})
    assert_stopped(response, new_total=WITHOUT_LOYALTY)


def test_a_stamp_reward_redeemed_at_a_till_after_the_step_is_not_given_again(shopper):
    _page, token = previewed(shopper)
    card = embedded_sandbox().state.stores[SEED_STORE_ID].stamp_cards[STAMP_CARD_COFFEE]
    card.stamps[SEED_MEMBER_ID] = 0  # the reward was redeemed at a till
    response = place(shopper, token)
    assert response["Location"] == reverse("checkout:preview")
    assert not Order.objects.exists()
    assert any(
        "was used elsewhere" in m and "Every 10th coffee free" in m for m in messages_of(response)
    )
    new_total = D("302.40") + STANDARD_SHIPPING
    assert f"Nothing was charged. The new total is {currency(new_total, 'NOK')}." in (
        messages_of(response)
    )
    # The preview now shows the order without the free espresso: 20 % off both.
    page = shopper.get(reverse("checkout:preview"))
    assert page.context["order_total"].incl_tax == D("302.40") + STANDARD_SHIPPING
    assert place(shopper, page.context["diller_preview_token"])["Location"] == reverse(
        "checkout:thank-you"
    )
    assert Order.objects.get().total_incl_tax == D("302.40") + STANDARD_SHIPPING


def test_a_stamp_reward_checked_while_diller_is_down_drops_loyalty_and_says_so(shopper):
    _page, token = previewed(shopper)
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"getMemberStampCards"}):
        response = place(shopper, token)
    assert response["Location"] == reverse("checkout:preview")
    assert not Order.objects.exists()
    assert any("can't be reached right now" in m for m in messages_of(response))


def test_a_placed_order_leaves_no_agreed_total_behind(shopper):
    _page, token = previewed(shopper)
    assert shopper.session[SESSION_KEY] == token
    assert place(shopper, token)["Location"] == reverse("checkout:thank-you")
    assert SESSION_KEY not in shopper.session


def test_the_sessions_preview_of_another_basket_agrees_to_nothing(shopper, member):
    _page, token = previewed(shopper)
    session = shopper.session
    stale = PreviewSnapshot.unsign(token)
    other = PreviewSnapshot(**{**stale.__dict__, "basket": stale.basket + 1000, "total": D(1)})
    session[SESSION_KEY] = other.sign()
    session.save()
    response = shopper.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response["Location"] == reverse("checkout:thank-you")
    assert Order.objects.get().total_incl_tax == PREVIEWED


def _shop_rules(snapshot):
    """Another provider's source: 5.00 off the tea, for every basket."""
    tea = CouponOffer("SHOP5", DiscountKind.FIXED, D(5), frozenset({EARL_GREY}), provider="shop")
    return [SimpleNamespace(provider="shop", offers=lambda context: [tea])]


def test_another_providers_coupon_is_not_checked_with_diller_before_the_order(shopper):
    add_to_basket(shopper, EARL_GREY)
    registry.register(_shop_rules)
    try:
        page = to_preview(shopper)
        token = page.context["diller_preview_token"]
        assert PreviewSnapshot.unsign(token).coupons["SHOP5"] == D("5.00")
        assert place(shopper, token)["Location"] == reverse("checkout:thank-you")
    finally:
        registry.unregister(_shop_rules)
    order = Order.objects.get()
    assert order.total_incl_tax == PREVIEWED + D("79.00") - D("5.00")
    # Diller is told of Diller's discounts only: nothing of the shop's coupon is kept to be
    # reserved at Diller or named on the transaction.
    kept = OrderLoyaltyItem.objects.filter(order_number=order.number)
    assert "SHOP5" not in set(kept.values_list("reference", flat=True))


def _shown(**changes):
    agreed = PreviewSnapshot(
        basket=1,
        total=D("340.20"),
        currency="NOK",
        lines=((10, 2),),
        coupons={"PCT10": D("30.00"), "FIXED50": D("7.80")},
        rewards=(101,),
        member=True,
    )
    return agreed, replace(agreed, **changes)


@pytest.mark.parametrize(
    "change",
    [
        {"coupons": {"PCT10": D("30.00"), "ONCE100": D("7.80")}},  # another, the same total
        {"coupons": {"PCT10": D("7.80"), "FIXED50": D("30.00")}},  # the amounts moved
        {"rewards": (103,)},  # another card's reward
        {"total": D("340.21")},
        {"lines": ((10, 3),)},
    ],
)
def test_the_order_differs_from_its_preview_in_whatever_the_preview_showed(change):
    agreed, now = _shown(**change)
    assert differs(agreed, now)
    assert not differs(agreed, _shown()[1])
