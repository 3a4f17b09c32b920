"""Checkouts place their orders at the same moment: 20 with the member's single-use coupon, and
two with the same stamp-card reward; exactly one order gets the discount (PostgreSQL, the shop's
real checkout view).

Oscar gives a user one open basket per session, so the 20 checkouts are set up directly: one
checkout is walked through the shop's pages to capture its session data (address, shipping
method), then 20 baskets of the same member, each with that session data, post "place order"
to the shop's PaymentDetailsView from 20 threads, each in its own database transaction.
"""

import copy
import threading
from decimal import Decimal as D
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from django_diller.loyalty.wallet import fetch_wallet, snapshot_for_basket
from django_diller.models import MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from example_shop.demo_customers import DEMO_SHIPPING_ADDRESS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Applicator = get_class("offer.applicator", "Applicator")
Selector = get_class("partner.strategy", "Selector")
PaymentDetailsView = get_class("checkout.views", "PaymentDetailsView")
Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

CHECKOUTS = 20
EARL_GREY = "7040110000074"  # 79.00: no product coupon takes it, so ONCE100 (100 kr) applies
ESPRESSO = "7040110000012"  # 189.00: two complete the demo member's coffee card (8 of 10)
ADDRESS = DEMO_SHIPPING_ADDRESS


def checkout_session_data(member) -> dict:
    client = Client()
    client.force_login(member)
    product = Product.objects.get(upc=EARL_GREY)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    return copy.deepcopy(client.session["checkout_data"])


def prepared_basket(
    member, upc: str = EARL_GREY, chosen: tuple[str, ...] = ("ONCE100",), quantity: int = 1
):
    basket = Basket.objects.create(owner=member)
    basket.strategy = Selector().strategy(user=member)
    basket.add_product(Product.objects.get(upc=upc), quantity)
    loyalty = snapshot_for_basket(basket.id, SEED_MEMBER_ID, fetch_wallet(SEED_MEMBER_ID))
    loyalty.chosen_codes = list(chosen)
    loyalty.declined_codes = [c["code"] for c in loyalty.coupons if c.get("product_ids")]
    loyalty.save()
    return basket


def place_order(member, basket_id: int, session_data: dict):
    request = RequestFactory().post(reverse("checkout:preview"), {"action": "place_order"})
    request.user = member
    request.session = SessionStore()
    request.session["checkout_data"] = copy.deepcopy(session_data)
    request._messages = FallbackStorage(request)
    request.strategy = Selector().strategy(request=request, user=member)
    basket = Basket.objects.get(pk=basket_id)
    basket.strategy = request.strategy
    Applicator().apply(basket, member, request)  # what Oscar's basket middleware does
    request.basket = basket
    with transaction.atomic():  # the shop runs each request in a transaction
        response = PaymentDetailsView.as_view(preview=True)(request)
    return response, [str(m) for m in request._messages]


@pytest.fixture
def member():
    call_command("load_demo_shop", stdout=StringIO())
    user = get_user_model().objects.get(email="customer@example.com")
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    return user


def place_at_once(
    member, baskets: list[int], session_data: dict
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Every basket posts "place order" at the same moment; where each went and what it said."""
    start = threading.Barrier(len(baskets))
    outcomes: dict[int, str] = {}
    said: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def checkout(basket_id: int) -> None:
        try:
            start.wait()
            response, messages = place_order(member, basket_id, session_data)
            outcomes[basket_id] = response["Location"]
            said[basket_id] = messages
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=checkout, args=(basket_id,)) for basket_id in baskets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors[0]
    assert len(outcomes) == len(baskets)
    return outcomes, said


def test_twenty_concurrent_checkouts_one_single_use_coupon(member):
    session_data = checkout_session_data(member)  # before the baskets: Oscar merges open ones
    baskets = [prepared_basket(member).id for _ in range(CHECKOUTS)]
    outcomes, said = place_at_once(member, baskets, session_data)
    placed = [b for b, location in outcomes.items() if location == reverse("checkout:thank-you")]
    refused = [b for b, location in outcomes.items() if location == reverse("checkout:preview")]
    assert (len(placed), len(refused)) == (1, CHECKOUTS - 1)
    for basket_id in refused:  # refused by the claim: nothing else went wrong
        assert said[basket_id] == [
            "The coupon ONCE100 is already used by another order.",
            "Nothing was charged. The new total is NOK128.00.",  # the tea and its shipping
        ]
    (order,) = Order.objects.all()
    assert order.total_discount_incl_tax == D("79.00")  # ONCE100, capped at the tea's price
    assert order.basket_id == placed[0]


def test_two_concurrent_checkouts_one_stamp_card_reward(member):
    session_data = checkout_session_data(member)
    baskets = [prepared_basket(member, ESPRESSO, chosen=(), quantity=2).id for _ in range(2)]
    outcomes, said = place_at_once(member, baskets, session_data)
    placed = [b for b, location in outcomes.items() if location == reverse("checkout:thank-you")]
    refused = [b for b, location in outcomes.items() if location == reverse("checkout:preview")]
    assert (len(placed), len(refused)) == (1, 1)
    assert said[refused[0]] == [
        "A stamp-card reward is already used by another order.",
        "Nothing was charged. The new total is NOK427.00.",  # both espressos, and shipping
    ]
    (order,) = Order.objects.all()
    assert order.total_discount_incl_tax == D("189.00")  # one free espresso, given once
    assert order.basket_id == placed[0]
