"""Oscar baskets with the demo catalogue and the embedded sandbox's demo member."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.wallet import fetch_wallet, snapshot_for_basket
from django_diller.models import MemberLink, Source
from django_diller.outbox import engine as outbox
from django_diller.sandbox import DUPLICATE_ANSWERS
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .orders import (
    DILLER,
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
ConditionalOffer = get_model("offer", "ConditionalOffer")
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")
Range = get_model("offer", "Range")

ESPRESSO, EARL_GREY, MUG, BUN = "7040110000012", "7040110000074", "7040110000173", "7040110000128"


@pytest.fixture(autouse=True)
def _no_retry_due_at_once(monkeypatch):
    """A failed entry's retry is never due at once. Eager Celery runs the retry task inside
    ``commit()``, ignoring its countdown: a full-jitter backoff drawn below the time the send
    took (it may be anything up to 30 s) would send the entry again there, now and then, and a
    test that expects it failed would find it sent."""
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(minutes=attempts))


@pytest.fixture
def shop(db):
    call_command("load_demo_shop", stdout=StringIO())


@pytest.fixture
def diller_settings():
    """The embedded sandbox as Diller, with the demo store and the web shop's department."""
    with override_settings(DILLER=DILLER):
        yield


@pytest.fixture(params=DUPLICATE_ANSWERS)
def duplicate_answer(request, diller_settings):
    """Each way the contract lets Diller answer a write it already has (the sandbox's style)."""
    embedded_sandbox().duplicate_answer = request.param
    return request.param


@pytest.fixture
def member(shop):
    user = get_user_model().objects.get(email="customer@example.com")
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    return user


@pytest.fixture
def member_client(client, member):
    """The member, logged in, with an empty basket."""
    client.force_login(member)
    return client


@pytest.fixture
def shopper(member_client):
    """The member, logged in, with two espressos in the basket."""
    add_to_basket(member_client, ESPRESSO, 2)
    return member_client


def add_to_basket(client, upc, quantity=1):
    """Add the product through the shop's own basket form, as a shopper does."""
    product = Product.objects.get(upc=upc)
    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    assert response.status_code == 302
    return response


def site_offer(name, percent):
    """A shop's own site offer: ``percent`` off every product, for any basket."""
    everything = Range.objects.create(name="Everything", includes_all_products=True)
    return ConditionalOffer.objects.create(
        name=name,
        offer_type=ConditionalOffer.SITE,
        condition=Condition.objects.create(range=everything, type=Condition.COUNT, value=1),
        benefit=Benefit.objects.create(range=everything, type=Benefit.PERCENTAGE, value=percent),
    )


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
