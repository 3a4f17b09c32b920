"""Dintero on the shop's side: the embedded Dintero sandbox, orders placed and paid in Oscar."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from oscar.core.loading import get_class, get_model

from django_diller.contrib.oscar import dintero_triggers
from django_diller.dintero import connection
from django_diller.dintero.connection import embedded_sandbox
from tests.oscar.orders import (
    SHIPPING,
    OrderCreator,
    OrderTotalCalculator,
    PaymentSource,
    SourceType,
)

Selector = get_class("partner.strategy", "Selector")
Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")

DINTERO = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}
ESPRESSO, MUG = "7040110000012", "7040110000173"


@pytest.fixture(autouse=True)
def _fresh_dintero():
    """A fresh client and embedded sandbox for every test (they live for the process)."""
    connection.reset()
    yield
    connection.reset()


@pytest.fixture
def dintero():
    """Dintero on: the embedded sandbox, its seed's receipts and all."""
    with override_settings(DINTERO=DINTERO):
        yield embedded_sandbox()


@pytest.fixture
def receivers():
    """The Oscar receivers connected (as the Oscar app's ready() does)."""
    dintero_triggers.connect()


@pytest.fixture
def shop(db):
    call_command("load_demo_shop", stdout=StringIO())


@pytest.fixture
def customer(shop):
    return get_user_model().objects.get(email="customer@example.com")


@pytest.fixture
def place(shop):
    """Place an order (for ``user``, or a guest) with a card payment source, unpaid yet."""

    def make(items, *, user=None):
        basket = Basket.objects.create(owner=user)
        basket.strategy = Selector().strategy(user=user)
        for upc, quantity in items.items():
            basket.add_product(Product.objects.get(upc=upc), quantity)
        charge = SHIPPING.calculate(basket)
        total = OrderTotalCalculator().calculate(basket, charge)
        order = OrderCreator().place_order(
            basket=basket,
            total=total,
            shipping_method=SHIPPING,
            shipping_charge=charge,
            user=user,
            guest_email="" if user else "guest@example.com",
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
