"""An attempt to place an order that failed (a declined card, Diller out of reach) costs the
shopper nothing: what it claimed is not attached to a later order that does not use it, and a
voucher stays on the basket when only Diller's coupons have to come off."""

import pytest
from django.test import Client
from django.urls import reverse
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_model

from django_diller.coupontools.connection import embedded_sandbox as coupontools_sandbox
from django_diller.coupontools.sandbox import SEED_VOUCHER_AMOUNT
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import BasketLoyalty, CouponClaim

from . import test_checkout_flow as member_steps
from . import test_vouchers as guest_steps
from .conftest import EARL_GREY, add_to_basket
from .test_guest_checkout import checkout_as_guest

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db


def a_later_guest_can_use_the_voucher(capture) -> None:
    later = checkout_as_guest(Client())
    guest_steps.enter(later, SEED_VOUCHER_AMOUNT)
    response = guest_steps.place_order(later, capture)
    assert response["Location"] == reverse("checkout:thank-you"), (
        guest_steps.messages_of(response),
        list(CouponClaim.objects.values("code", "order_number")),
    )


def a_guest_s_declined_attempt_with_the_voucher(client, monkeypatch) -> None:
    """A guest's checkout with the voucher whose card is declined: the voucher is claimed for
    the basket, and no order is placed."""
    from example_shop.checkout.views import PaymentDetailsView

    checkout_as_guest(client)
    guest_steps.enter(client, SEED_VOUCHER_AMOUNT)

    def declined(self, order_number, total, **kwargs):
        raise UnableToTakePayment("card declined")

    with monkeypatch.context() as patch:
        patch.setattr(PaymentDetailsView, "handle_payment", declined)
        client.post(reverse("checkout:preview"))
        client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert not Order.objects.exists()
    assert CouponClaim.objects.filter(code=SEED_VOUCHER_AMOUNT, order_number="").exists()


def test_a_voucher_taken_off_after_a_declined_payment_stays_usable(
    client, shop, monkeypatch, django_capture_on_commit_callbacks
):
    a_guest_s_declined_attempt_with_the_voucher(client, monkeypatch)
    # The shopper takes the voucher off and pays with the card alone.
    client.post(
        reverse("diller_oscar:voucher-remove"),
        {"session": SEED_VOUCHER_AMOUNT, "next": "/basket/"},
    )
    response = guest_steps.place_order(client, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("checkout:thank-you")
    assert not coupontools_sandbox().session(SEED_VOUCHER_AMOUNT).locked
    assert not CouponClaim.objects.filter(code=SEED_VOUCHER_AMOUNT).exists()
    a_later_guest_can_use_the_voucher(django_capture_on_commit_callbacks)


def test_diller_out_of_reach_at_place_order_takes_off_its_coupons_but_not_the_voucher(
    shopper, member, django_capture_on_commit_callbacks
):
    add_to_basket(shopper, EARL_GREY, 1)  # with the two espressos: the voucher takes the tea
    guest_steps.enter(shopper, SEED_VOUCHER_AMOUNT)
    page = member_steps.to_preview(shopper)
    assert f"voucher:{SEED_VOUCHER_AMOUNT}" in page.context["basket"]._diller_plan.applied_codes
    with embedded_sandbox().inject(error_rate=1.0, only_operations={"validateCoupon"}):
        response = member_steps.place_order(shopper)
    assert any("can't be reached right now" in m for m in guest_steps.messages_of(response))
    row = BasketLoyalty.objects.get(basket_id=Basket.open.get(owner=member).pk)
    assert (row.coupons, row.stamp_cards, row.chosen_codes) == ([], [], [])
    assert [v["session"] for v in row.providers["coupontools"]] == [SEED_VOUCHER_AMOUNT]

    shopper.post(reverse("checkout:preview"))
    with django_capture_on_commit_callbacks(execute=True):
        placed = member_steps.place_order(shopper)
    assert placed["Location"] == reverse("checkout:thank-you")
    (claim,) = CouponClaim.objects.filter(code=SEED_VOUCHER_AMOUNT)
    assert claim.order_number == str(Order.objects.get().number)  # used on the order
