"""20 checkouts place their orders at the same moment with one Coupontools voucher: exactly one
order gets it, the others are sent back to the preview with nothing charged (PostgreSQL, the
shop's real checkout view)."""

from decimal import Decimal as D

from django.urls import reverse

from django_diller.coupontools.basket_vouchers import KeptVoucher, keep
from django_diller.coupontools.sandbox import SEED_VOUCHER_AMOUNT
from django_diller.models import CouponClaim

from .test_concurrent_checkouts import (
    CHECKOUTS,
    Basket,
    Order,
    Product,
    Selector,
    checkout_session_data,
    member,  # noqa: F401  (the fixture)
    place_at_once,
    pytestmark,  # noqa: F401
)

EARL_GREY = "7040110000074"  # 79.00
VOUCHER = KeptVoucher(
    session=SEED_VOUCHER_AMOUNT,
    campaign="demo",
    kind="amount",
    value=D("50.00"),
    title="Voucher",
)


def basket_with_the_voucher(owner):
    basket = Basket.objects.create(owner=owner)
    basket.strategy = Selector().strategy(user=owner)
    basket.add_product(Product.objects.get(upc=EARL_GREY), 1)
    keep(basket.id, VOUCHER)
    return basket


def test_twenty_concurrent_checkouts_one_voucher(member):  # noqa: F811
    session_data = checkout_session_data(member)  # before the baskets: Oscar merges open ones
    baskets = [basket_with_the_voucher(member).id for _ in range(CHECKOUTS)]
    outcomes, said = place_at_once(member, baskets, session_data)
    placed = [b for b, where in outcomes.items() if where == reverse("checkout:thank-you")]
    refused = [b for b, where in outcomes.items() if where == reverse("checkout:preview")]
    assert (len(placed), len(refused)) == (1, CHECKOUTS - 1)
    for basket_id in refused:  # refused by the claim: nothing else went wrong
        assert said[basket_id][0] == (
            "Your voucher is already used by another order, so it was taken off this one."
        )
    (order,) = Order.objects.all()
    assert order.total_discount_incl_tax == D("50.00")
    assert order.basket_id == placed[0]
    (claim,) = CouponClaim.objects.filter(code=VOUCHER.session)
    assert claim.order_number == str(order.number)
