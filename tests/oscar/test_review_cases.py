"""Cases where loyalty discounts must not slip through: free shipping reused, a stamp reward
given twice, a member who left, a coupon used twice when it may be."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from django_diller.loyalty import claims
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import MemberLink, OrderLoyaltyItem
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID, STAMP_CARD_COFFEE
from example_shop.demo_customers import DEMO_SHIPPING_ADDRESS

from .conftest import ESPRESSO, MUG

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
pytestmark = pytest.mark.django_db


def checkout(client, upc, quantity, use=()):
    product = Product.objects.get(upc=upc)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    client.post(reverse("checkout:shipping-address"), DEMO_SHIPPING_ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    details = client.get(reverse("checkout:payment-method"))["Location"]
    page = client.get(details)
    chosen = list(use) + [c.code for c in page.context["diller_coupon_choice"].product_coupons]
    client.post(reverse("checkout:preview"), {"diller_coupon_choice": "1", "use": chosen})
    return client.post(reverse("checkout:preview"), {"action": "place_order"})


@pytest.fixture
def shopper(client, member):
    client.force_login(member)
    return client


def sandbox_coupon(code):
    return embedded_sandbox().state.stores[SEED_STORE_ID].coupons[code]


def test_a_free_shipping_coupon_is_checked_recorded_and_reserved(
    shopper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(shopper, MUG, 1)
    assert response["Location"] == reverse("checkout:thank-you")
    order = Order.objects.get()
    assert order.shipping_incl_tax == 0
    item = OrderLoyaltyItem.objects.get(order_number=order.number, reference="SHIPFREEGEAR")
    assert item.amount == D("49.00")
    sandbox = embedded_sandbox()
    assert sandbox.requests_for("validateCoupon")  # checked before placing
    (reserved,) = sandbox.requests_for("reserveCoupon")  # held for the order ...
    assert reserved.path.endswith("/coupons/SHIPFREEGEAR/reserve")
    # ... and used by its transaction, sent as payment was taken at once.
    transaction = sandbox.state.stores[SEED_STORE_ID].transactions[order.number]
    assert transaction.coupon_codes == ["SHIPFREEGEAR"]
    assert sandbox_coupon("SHIPFREEGEAR").times_redeemed(SEED_MEMBER_ID) == 1
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED


def test_a_stamp_card_reward_is_not_given_on_a_second_order_from_the_same_stamps(shopper):
    assert checkout(shopper, ESPRESSO, 2)["Location"] == reverse("checkout:thank-you")
    first = Order.objects.get()
    assert first.total_incl_tax == D("151.20") + D("49.00")  # a free espresso
    # Diller counts the stamps only when the first order's transaction arrives, so the wallet
    # still shows 8 of 10: the reward was claimed by the first order.
    response = checkout(shopper, ESPRESSO, 2)
    assert response["Location"] == reverse("checkout:preview")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("stamp-card reward is already used" in m for m in messages)
    shopper.post(reverse("checkout:preview"))
    shopper.post(reverse("checkout:preview"), {"action": "place_order"})
    second = Order.objects.exclude(pk=first.pk).get()
    assert second.total_incl_tax == D("302.40") + D("49.00")  # 20 % off both, nothing free


def test_a_stamp_card_reward_is_not_given_again_after_a_till_stamp_changed_the_card(
    shopper, settings, django_capture_on_commit_callbacks
):
    settings.DILLER = {**settings.DILLER, "SEND_ON_PAYMENT_EVENTS": []}  # sent when it ships
    with django_capture_on_commit_callbacks(execute=True):
        assert checkout(shopper, ESPRESSO, 2)["Location"] == reverse("checkout:thank-you")
    first = Order.objects.get()
    assert first.total_incl_tax == D("151.20") + D("49.00")  # 8 + 2 stamps: one free
    store = embedded_sandbox().state.stores[SEED_STORE_ID]
    assert str(first.number) not in store.transactions  # Diller has not counted it yet
    # A coffee bought at a till meanwhile: Diller shows 9 stamps, a card state the first
    # order's claim was not made on.
    store.stamp_cards[STAMP_CARD_COFFEE].stamps[SEED_MEMBER_ID] = 9
    response = checkout(shopper, ESPRESSO, 1)  # 9 + 1: the card looks complete again
    assert response["Location"] == reverse("checkout:preview")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("stamp-card reward is already used" in m for m in messages)
    assert Order.objects.count() == 1


@pytest.mark.parametrize("held_stamps", ["apart", "counted"])
def test_a_stamp_reward_of_a_pending_order_is_given_once_whether_diller_shows_the_hold(
    shopper, settings, django_capture_on_commit_callbacks, held_stamps
):
    """Each answer the contract allows: a stamp held for a pending order shows on the member's
    card before the order's transaction counts it ("counted"), or not ("apart")."""
    from django_diller.loyalty.connection import get_client

    from .orders import status

    settings.DILLER = {
        **settings.DILLER,
        "SEND_ON_PAYMENT_EVENTS": [],
        "SEND_ON_ORDER_STATUSES": ["Being processed"],  # sent when it ships
    }
    embedded_sandbox().held_stamps = held_stamps  # the sandbox of these settings
    with django_capture_on_commit_callbacks(execute=True):
        assert checkout(shopper, ESPRESSO, 2)["Location"] == reverse("checkout:thank-you")
    first = Order.objects.get()
    assert first.total_incl_tax == D("151.20") + D("49.00")  # 8 + 2 stamps: one free
    assert embedded_sandbox().requests_for("reserveStamp")  # held for the pending order

    def card_at_diller() -> int:
        cards = get_client().get_member_stamp_cards(SEED_MEMBER_ID)
        return next(c.stamps_collected for c in cards if c.id == STAMP_CARD_COFFEE)

    assert card_at_diller() == (9 if held_stamps == "counted" else 8)
    response = checkout(shopper, ESPRESSO, 2)  # the same stamps again, as Diller shows them
    assert response["Location"] == reverse("checkout:preview")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("stamp-card reward is already used" in m for m in messages)
    assert Order.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        status(first, "Being processed")  # Diller counts the first order once; the hold ends
    assert card_at_diller() == 0  # 8 + 2 - 10


def test_leaving_the_club_takes_the_discounts_off_the_basket(make_basket, member):
    from .conftest import apply_offers

    basket = make_basket({ESPRESSO: 2})
    assert basket.total_incl_tax == D("151.20")
    MemberLink.objects.filter(user=member).delete()
    assert apply_offers(basket).total_incl_tax == D("378.00")


def test_a_coupon_with_two_uses_can_be_used_again_once_diller_counted_the_first():
    assert claims.claim("s", "m", "TWICE", 1, 2, basket_id=1)  # order A: use 1
    # Diller has counted A's use (times_redeemed 1): order B asks for use 2..2.
    assert claims.claim("s", "m", "TWICE", 2, 2, basket_id=2)
    assert not claims.claim("s", "m", "TWICE", 2, 2, basket_id=3)


def test_a_coupon_diller_no_longer_knows_is_removed_not_taken_for_an_outage(shopper):
    sandbox = embedded_sandbox()
    sandbox.override_response("validateCoupon", 404, {"title": "Not Found", "status": 404})
    response = checkout(shopper, ESPRESSO, 1)
    assert response["Location"] == reverse("checkout:preview")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("no longer exists" in m for m in messages)
    assert not any("can't be reached" in m for m in messages)
