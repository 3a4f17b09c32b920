"""A member's checkout through the shop's pages: the coupon choice, the check before placing,
record and reserve after."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from oscar.apps.checkout.signals import post_checkout
from oscar.core.loading import get_model

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.kinds import Kind
from django_diller.models import BasketLoyalty, OrderLoyaltyItem, OutboxEntry
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from example_shop.demo_customers import DEMO_SHIPPING_ADDRESS

from .conftest import EARL_GREY

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
pytestmark = pytest.mark.django_db

ADDRESS = DEMO_SHIPPING_ADDRESS
STANDARD_SHIPPING = D("49.00")


def to_preview(client):
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    response = client.get(reverse("checkout:payment-method"))
    assert response["Location"] == reverse("checkout:payment-details")
    # Members choose their coupons on the payment details page; "Continue" carries the ticks.
    details = client.get(reverse("checkout:payment-details"))
    assert details.status_code == 200 and b"20 % off coffee" in details.content
    return client.post(
        reverse("checkout:preview"), {"diller_coupon_choice": "1", "use": ["PCT20COFFEE"]}
    )


def place_order(client):
    return client.post(reverse("checkout:preview"), {"action": "place_order"})


def coupon(code):
    return embedded_sandbox().state.stores[SEED_STORE_ID].coupons[code.upper()]


# A shop whose payment settles later (a redirect gateway): the order's coupons stay reserved
# until its transaction is sent.
SETTLES_LATER = override_settings(DILLER={**settings.DILLER, "SEND_ON_PAYMENT_EVENTS": []})


@SETTLES_LATER
def test_the_order_records_and_reserves_what_each_coupon_and_card_gave(
    shopper, django_capture_on_commit_callbacks
):
    assert to_preview(shopper).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = place_order(shopper)
    assert response["Location"] == reverse("checkout:thank-you")
    order = Order.objects.get()
    # 2 x 189.00: one espresso free (stamp card 101), 20 % off the other; standard shipping.
    assert order.total_incl_tax == D("151.20") + STANDARD_SHIPPING
    # Oscar's own records: one basket discount from the carrier offer, spread over the line.
    (discount,) = order.discounts.all()
    assert (discount.offer_name, discount.amount) == ("Coupons and vouchers", D("226.80"))
    (line,) = order.lines.all()
    assert line.line_price_before_discounts_incl_tax - line.line_price_incl_tax == D("226.80")
    # One line discount for the offer, the stamp card's and the coupon's together.
    assert [(d.order_discount_id, d.amount) for d in line.discounts.all()] == [
        (discount.pk, D("226.80"))
    ]
    items = {i.reference: i for i in OrderLoyaltyItem.objects.filter(order_number=order.number)}
    assert items["PCT20COFFEE"].amount == D("37.80")
    # As the member saw them, for the order's pages and its receipt.
    assert (items["PCT20COFFEE"].title, items["101"].title) == (
        "20 % off coffee",
        "Every 10th coffee free",
    )
    assert (items["101"].amount, items["101"].stamps_collected, items["101"].stamps_deducted) == (
        D("189.00"),
        2,
        10,
    )
    assert {i.reservation for i in items.values()} == {OrderLoyaltyItem.Reservation.RESERVED}
    hold = coupon("PCT20COFFEE").reservations[SEED_MEMBER_ID]
    assert hold.external_transaction_id == order.number
    assert not BasketLoyalty.objects.exists()  # the basket is spent


def test_payment_taken_at_once_reserves_then_the_transaction_uses_the_coupons(
    shopper, django_capture_on_commit_callbacks
):
    to_preview(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(shopper)
    order = Order.objects.get()
    sandbox = embedded_sandbox()
    reserved = sandbox.requests_for("reserveCoupon")
    (sent,) = sandbox.requests_for("createTransaction")
    assert reserved and reserved[-1].at <= sent.at  # held for the order, then used by it
    assert coupon("PCT20COFFEE").times_redeemed(SEED_MEMBER_ID) == 1
    assert SEED_MEMBER_ID not in coupon("PCT20COFFEE").reservations
    items = OrderLoyaltyItem.objects.filter(order_number=order.number)
    assert {i.reservation for i in items} == {OrderLoyaltyItem.Reservation.RELEASED}
    # Queued by the payment before the reservation was, then made to wait for it.
    purchase = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert purchase.depends_on == OutboxEntry.objects.get(kind=Kind.RESERVE_LOYALTY)
    assert sandbox.state.stores[SEED_STORE_ID].transactions[order.number].coupon_codes == [
        "PCT20COFFEE"
    ]


def test_a_payment_a_shop_records_after_the_order_s_records_still_waits_for_the_reservation(
    shopper, monkeypatch, django_capture_on_commit_callbacks
):
    """A shop that records the payment in its own last step (after the plugin's records)."""
    from example_shop.checkout.views import PaymentDetailsView

    events = []
    real_save_events = PaymentDetailsView.save_payment_events

    def hold_events(view, order):
        events.extend(view._payment_events)
        view._payment_events = []

    def record_then(view, order):
        response = real_handle(view, order)
        view._payment_events = events
        real_save_events(view, order)
        return response

    real_handle = PaymentDetailsView.handle_successful_order
    monkeypatch.setattr(PaymentDetailsView, "save_payment_events", hold_events)
    monkeypatch.setattr(PaymentDetailsView, "handle_successful_order", record_then)
    to_preview(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(shopper)
    purchase = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert purchase.depends_on == OutboxEntry.objects.get(kind=Kind.RESERVE_LOYALTY)
    assert purchase.state == OutboxEntry.State.SENT


SENDS_WHEN_PROCESSED = override_settings(
    DILLER={
        **settings.DILLER,
        "SEND_ON_PAYMENT_EVENTS": [],
        "SEND_ON_ORDER_STATUSES": ["Being processed"],
    }
)


def mark_processed(sender, order, **kwargs):
    order.set_status("Being processed")  # a shop's own step after the checkout


@SENDS_WHEN_PROCESSED
def test_a_purchase_a_status_queues_after_the_checkout_waits_for_the_reservation(
    shopper, django_capture_on_commit_callbacks
):
    post_checkout.connect(mark_processed, dispatch_uid="test-mark-processed")
    try:
        to_preview(shopper)
        with django_capture_on_commit_callbacks(execute=False):
            place_order(shopper)
    finally:
        post_checkout.disconnect(dispatch_uid="test-mark-processed")
    purchase = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert purchase.depends_on == OutboxEntry.objects.get(kind=Kind.RESERVE_LOYALTY)


def test_a_coupon_that_lapsed_since_the_step_is_removed_before_anything_is_charged(shopper):
    to_preview(shopper)
    coupon("PCT20COFFEE").valid_to = timezone.now() - timedelta(minutes=1)
    response = place_order(shopper)
    assert response.status_code == 302 and response["Location"] == reverse("checkout:preview")
    assert not Order.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("PCT20COFFEE can no longer be used" in m for m in messages)
    assert "PCT20COFFEE" in BasketLoyalty.objects.get().declined_codes
    # The shopper sees the new total and places the order without that coupon.
    shopper.post(reverse("checkout:preview"))
    assert place_order(shopper)["Location"] == reverse("checkout:thank-you")
    assert Order.objects.get().total_incl_tax == D("189.00") + STANDARD_SHIPPING


def test_loyalty_bookkeeping_that_fails_leaves_the_order_placed_and_nothing_half_written(
    shopper, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from django_diller.contrib.oscar import checkout
    from django_diller.loyalty.kinds import Kind
    from django_diller.models import OutboxEntry

    def fails_halfway(number, member_id, plan, **kwargs):
        OrderLoyaltyItem.objects.create(
            order_number=number, kind=OrderLoyaltyItem.Kind.COUPON, reference="PCT20COFFEE"
        )
        raise RuntimeError("bookkeeping failed")

    monkeypatch.setattr(checkout, "record_order_items", fails_halfway)
    to_preview(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        response = place_order(shopper)
    assert response["Location"] == reverse("checkout:thank-you")
    order = Order.objects.get()
    assert not OrderLoyaltyItem.objects.exists()  # its own writes were rolled back
    assert not OutboxEntry.objects.filter(kind=Kind.RESERVE_LOYALTY).exists()
    sent = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION, order_number=order.number)
    assert sent.state == OutboxEntry.State.SENT  # the purchase still reaches Diller
    assert "_record_loyalty failed" in caplog.text


def test_diller_down_when_placing_the_order_drops_loyalty_and_says_so(shopper):
    to_preview(shopper)
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"validateCoupon"}):
        response = place_order(shopper)
    assert response["Location"] == reverse("checkout:preview")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("can't be reached right now" in m for m in messages)
    shopper.post(reverse("checkout:preview"))
    assert place_order(shopper)["Location"] == reverse("checkout:thank-you")
    assert Order.objects.get().total_incl_tax == D("378.00") + STANDARD_SHIPPING


@SETTLES_LATER
def test_cancelling_the_order_releases_its_coupon_reservations(
    shopper, django_capture_on_commit_callbacks
):
    to_preview(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(shopper)
    order = Order.objects.get()
    assert SEED_MEMBER_ID in coupon("PCT20COFFEE").reservations
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Cancelled")
    assert SEED_MEMBER_ID not in coupon("PCT20COFFEE").reservations
    item = OrderLoyaltyItem.objects.get(order_number=order.number, reference="PCT20COFFEE")
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED


@SETTLES_LATER
def test_other_statuses_keep_the_reservations(shopper, django_capture_on_commit_callbacks):
    to_preview(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        Order.objects.get().set_status("Being processed")
    assert SEED_MEMBER_ID in coupon("PCT20COFFEE").reservations


def test_a_single_use_coupon_held_by_an_earlier_order_is_refused(client, member, shop):
    client.force_login(member)

    def order_with_once100():
        product = Product.objects.get(upc=EARL_GREY)  # no product coupon takes it first
        client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
        client.post(reverse("checkout:shipping-address"), ADDRESS)
        client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
        client.get(reverse("checkout:payment-details"))
        client.post(reverse("checkout:preview"), {"diller_coupon_choice": "1", "use": ["ONCE100"]})
        return place_order(client)

    assert order_with_once100()["Location"] == reverse("checkout:thank-you")
    assert Order.objects.get().total_incl_tax == STANDARD_SHIPPING  # 100 kr off a 79 kr tea
    # Diller has not counted the use yet (the transaction goes later), but the claim holds it.
    response = order_with_once100()
    assert response["Location"] == reverse("checkout:preview")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("ONCE100 is already used by another order" in m for m in messages)
    assert Order.objects.count() == 1


def test_the_preview_lists_what_each_coupon_and_card_gives(shopper):
    html = to_preview(shopper).content.decode()
    summary = html[html.index('id="diller-loyalty-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "20 % off coffee" in summary and "37.80" in summary
    assert "Every 10th coffee free" in summary and "2 stamps collected" in summary
    assert "189.00" in summary
