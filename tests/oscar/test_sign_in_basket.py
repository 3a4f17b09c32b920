"""A guest's vouchers, and the discounts staff applied to a guest's basket, stay on the basket
when the guest signs in and Oscar merges the basket into their own."""

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from oscar.apps.basket.middleware import BasketMiddleware
from oscar.core.loading import get_model

from django_diller.contrib.oscar import sign_in_basket
from django_diller.coupontools.sandbox import SEED_VOUCHER_AMOUNT, SEED_VOUCHER_PERCENT
from django_diller.models import BasketLoyalty, CouponClaim

from .conftest import EARL_GREY, ESPRESSO, add_to_basket
from .test_vouchers import basket_total, checkout_address, enter, messages_of

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db


def sign_in(client):
    """The demo member, through Oscar's own sign-in form, as a shopper does (it sends
    ``user_logged_in`` with the request that carries the basket cookie)."""
    response = client.post(
        reverse("customer:login"),
        {
            "login-username": "customer@example.com",
            "login-password": "customer-demo-pass",
            "login_submit": "1",
            "redirect_url": reverse("basket:summary"),
        },
    )
    assert response.status_code == 302, response.status_code
    return client


def open_basket_of(email="customer@example.com"):
    return Basket.open.get(owner=get_user_model().objects.get(email=email))


def test_a_guest_s_voucher_is_on_the_basket_after_signing_in(client, member):
    add_to_basket(client, ESPRESSO, 1)
    enter(client, SEED_VOUCHER_AMOUNT)
    assert basket_total(client) == D("139.00")  # 189.00 less 50
    sign_in(client)
    assert basket_total(client) == D("139.00")
    basket = open_basket_of()
    assert basket.num_items == 1  # Oscar merged the guest's basket into the member's
    html = client.get(reverse("basket:summary")).content.decode()
    assert "NOK50.00 off this order" in html


def sessions_on(basket) -> list[str]:
    row = BasketLoyalty.objects.get(basket_id=basket.pk)
    return [v["session"] for v in row.providers["coupontools"]]


def test_the_voucher_joins_those_already_on_the_member_s_basket(client, member):
    sign_in(client)
    add_to_basket(client, ESPRESSO, 1)
    enter(client, SEED_VOUCHER_PERCENT)
    client.logout()
    add_to_basket(client, EARL_GREY, 1)  # as a guest again, with a voucher of the guest's
    enter(client, SEED_VOUCHER_AMOUNT)
    enter(client, SEED_VOUCHER_PERCENT)  # the one the member's basket has already
    sign_in(client)
    client.get(reverse("basket:summary"))
    basket = open_basket_of()
    assert basket.num_lines == 2
    assert sessions_on(basket) == [SEED_VOUCHER_PERCENT, SEED_VOUCHER_AMOUNT]


def test_without_the_guest_s_basket_cookie_nothing_is_carried(client, member):
    add_to_basket(client, ESPRESSO, 1)
    enter(client, SEED_VOUCHER_AMOUNT)
    client.cookies["oscar_open_basket"] = "12:forged-signature"
    sign_in(client)
    assert basket_total(client) == D("0.00")  # the forged cookie named no basket to merge
    assert not BasketLoyalty.objects.filter(basket_id=open_basket_of().pk).exists()


class SiteBasketMiddleware(BasketMiddleware):
    """A shop with a basket per site names the basket cookie after the site."""

    def get_cookie_key(self, request):
        return "site_two_basket"


SITE_BASKETS = override_settings(
    MIDDLEWARE=[
        f"{__name__}.SiteBasketMiddleware" if path.endswith(".BasketMiddleware") else path
        for path in settings.MIDDLEWARE
    ]
)


@SITE_BASKETS
def test_the_guest_s_basket_is_found_by_the_cookie_the_shop_s_middleware_names(client, member):
    add_to_basket(client, ESPRESSO, 1)
    enter(client, SEED_VOUCHER_AMOUNT)
    assert "site_two_basket" in client.cookies
    sign_in(client)
    assert basket_total(client) == D("139.00")  # the voucher came along with the basket


def test_a_failure_does_not_stop_the_sign_in(client, member, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("customer@example.com")

    monkeypatch.setattr(sign_in_basket, "carry_over", broken)
    add_to_basket(client, ESPRESSO, 1)
    enter(client, SEED_VOUCHER_AMOUNT)
    sign_in(client)
    assert client.get(reverse("basket:summary")).context["user"] == member
    (record,) = [r for r in caplog.records if "did not follow the sign-in" in r.getMessage()]
    assert "RuntimeError" in record.getMessage()
    assert "example.com" not in record.getMessage()


def test_each_provider_s_entries_are_added_once_in_order():
    member_s = {
        "coupontools": [{"session": "a", "value": "10"}],
        "discountapi": [{"discountId": "d1", "rate": None}],
        "someone": {"kept": "as is"},
    }
    guest_s = {
        "coupontools": [{"session": "a", "value": "12"}, {"session": "b", "value": "5"}],
        "discountapi": [{"discountId": "d2", "rate": 15}],
        "someone": {"kept": "not this"},
        "other": ["x", "x", "y"],
    }
    merged, carried = sign_in_basket.merged_providers(member_s, guest_s)
    assert merged == {
        "coupontools": [{"session": "a", "value": "10"}, {"session": "b", "value": "5"}],
        "discountapi": [{"discountId": "d1", "rate": None}, {"discountId": "d2", "rate": 15}],
        "someone": {"kept": "as is"},
        "other": ["x", "y"],
    }
    assert carried == {
        "coupontools": [{"session": "b", "value": "5"}],
        "discountapi": [{"discountId": "d2", "rate": 15}],
        "other": ["x", "y"],
    }


def test_a_guest_s_failed_payment_does_not_cost_the_voucher_after_signing_in(
    client, member, monkeypatch, django_capture_on_commit_callbacks
):
    """The guest's checkout claimed the voucher, then the card was declined: the claim goes
    with the voucher, so the member's order may use it."""
    from .test_claims_after_failures import a_guest_s_declined_attempt_with_the_voucher

    a_guest_s_declined_attempt_with_the_voucher(client, monkeypatch)
    sign_in(client)
    add_to_basket(client, EARL_GREY, 1)
    client.post(reverse("checkout:shipping-address"), checkout_address())
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    client.get(reverse("checkout:payment-details"))
    client.post(reverse("checkout:preview"), {"diller_coupon_choice": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response["Location"] == reverse("checkout:thank-you"), messages_of(response)
    order = Order.objects.get()
    assert order.total_discount_incl_tax >= D("50.00")
    (claim,) = CouponClaim.objects.filter(code=SEED_VOUCHER_AMOUNT)
    assert claim.order_number == str(order.number)


def test_a_discount_staff_applied_to_the_guest_s_basket_follows_with_an_audit_entry(client, member):
    from django_diller.contrib.oscar import discount_rules_manual as manual
    from django_diller.discountapi.models import DiscountAudit

    add_to_basket(client, ESPRESSO, 1)
    guest_basket = Basket.open.get(owner=None)
    manual.keep(guest_basket.pk, manual.AppliedDiscount("D-PHONE", 15))
    sign_in(client)
    member_basket = open_basket_of()
    row = BasketLoyalty.objects.get(basket_id=member_basket.pk)
    assert manual.applied_of(row) == [manual.AppliedDiscount("D-PHONE", 15)]
    (entry,) = DiscountAudit.objects.filter(discount_id="D-PHONE")
    assert entry.action == f"moved to basket {member_basket.pk} at sign-in"
    assert (entry.source, entry.actor) == ("shop", "customer@example.com")
    assert entry.before == {"basket": guest_basket.pk, "rate": 15}
    assert entry.after == {"basket": member_basket.pk, "rate": 15}
