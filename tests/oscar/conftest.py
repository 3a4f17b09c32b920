"""Oscar baskets with the demo catalogue and the embedded sandbox's demo member."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from oscar.core.loading import get_class, get_model

from django_diller.models import MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from django_diller.services.wallet import fetch_wallet, snapshot_for_basket

from .orders import (
    SHIPPING,
    OrderCreator,
    OrderTotalCalculator,
    PaymentSource,
    SourceType,
    event,
    transactions_at_diller,
)

Applicator = get_class("offer.applicator", "Applicator")
Selector = get_class("partner.strategy", "Selector")
Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")

ESPRESSO, EARL_GREY, MUG, BUN = "7040110000012", "7040110000074", "7040110000173", "7040110000128"


@pytest.fixture
def shop(db):
    call_command("load_demo_shop", stdout=StringIO())


@pytest.fixture
def member(shop):
    user = get_user_model().objects.get(email="customer@example.com")
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    return user


def apply_offers(basket):
    basket.reset_offer_applications()
    Applicator().apply(basket, basket.owner)
    return basket


@pytest.fixture
def make_basket(member):
    def make(items, *, chosen=(), declined=(), snapshot=True):
        basket = Basket.objects.create(owner=member)
        basket.strategy = Selector().strategy(user=member)
        for upc, quantity in items.items():
            basket.add_product(Product.objects.get(upc=upc), quantity)
        if snapshot:
            row = snapshot_for_basket(basket.id, SEED_MEMBER_ID, fetch_wallet(SEED_MEMBER_ID))
            row.chosen_codes, row.declined_codes = list(chosen), list(declined)
            row.save()
        return apply_offers(basket)

    return make


@pytest.fixture
def place(make_basket, member):
    """Place an order for the member (or a guest) with a card payment source, unpaid yet."""

    def make(items, *, user=member, chosen=(), number=None):
        basket = make_basket(items, chosen=chosen, snapshot=bool(chosen))
        if user is not member:
            basket.owner = user
        charge = SHIPPING.calculate(basket)
        total = OrderTotalCalculator().calculate(basket, charge)
        order = OrderCreator().place_order(
            basket=basket,
            total=total,
            shipping_method=SHIPPING,
            shipping_charge=charge,
            user=user,
            order_number=number,
        )
        source_type, _ = SourceType.objects.get_or_create(name="Demo card")
        PaymentSource.objects.create(
            order=order,
            source_type=source_type,
            amount_allocated=order.total_incl_tax,
            amount_debited=order.total_incl_tax,
        )
        order.refresh_from_db()  # Oscar keeps a generated number as an int until reloaded
        return order

    return make


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the block, then what it queued at commit (the delivery tasks, eagerly)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def paid(place, commit):
    def make(items):
        order = place(items)
        with commit():
            event(order, "Settled")
        assert transactions_at_diller()[order.number]
        return order

    return make
