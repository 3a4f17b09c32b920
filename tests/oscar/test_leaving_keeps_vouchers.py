"""Leaving the club takes the club's coupons and stamp cards off the member's baskets, and
leaves what is the shopper's own: a Coupontools voucher they entered."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from django_diller.coupontools.sandbox import SEED_VOUCHER_AMOUNT
from django_diller.models import BasketLoyalty, MemberLink

from .conftest import ESPRESSO, add_to_basket
from .test_vouchers import basket_total, enter

Basket = get_model("basket", "Basket")
pytestmark = pytest.mark.django_db


def test_leaving_the_club_keeps_the_voucher_and_drops_the_club_s_coupons(member_client, member):
    add_to_basket(member_client, ESPRESSO, 1)
    member_client.get(reverse("checkout:payment-details"))  # the wallet kept on the basket
    enter(member_client, SEED_VOUCHER_AMOUNT)
    # "20 % off coffee" applies itself; the voucher waits (not with club coupons)
    assert basket_total(member_client) == D("151.20")
    MemberLink.objects.filter(user=member).delete()  # the member leaves the club
    assert basket_total(member_client) == D("189.00") - D("50")  # the voucher alone
    row = BasketLoyalty.objects.get(basket_id=Basket.open.get(owner=member).pk)
    assert (row.member_id, row.coupons, row.stamp_cards) == ("", [], [])


def test_a_basket_with_only_the_club_s_coupons_loses_its_snapshot(member_client, member):
    add_to_basket(member_client, ESPRESSO, 1)
    member_client.get(reverse("checkout:payment-details"))
    assert BasketLoyalty.objects.exists()
    MemberLink.objects.filter(user=member).delete()
    assert not BasketLoyalty.objects.exists()
    assert basket_total(member_client) == D("189.00")
