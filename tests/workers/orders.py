"""Paid orders for the worker tests, and what the sandbox holds for them."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from django_diller.api import models as wire
from django_diller.loyalty.kinds import Kind
from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.outbox import tasks
from django_diller.sandbox import Sandbox
from django_diller.sandbox.seed import SEED_DEPARTMENT_ID, SEED_MEMBER_ID, SEED_STORE_ID

SEND = Kind.SEND_TRANSACTION


def ready_payload(number: str, total: Decimal) -> dict:
    """A complete CreateTransactionRequest for one line of ``total`` (25 % VAT included)."""
    request = wire.CreateTransactionRequest(
        external_id=number,
        created_at=timezone.now(),
        total=total,
        total_tax=(total / 5).quantize(Decimal("0.01")),
        currency="NOK",
        department_id=SEED_DEPARTMENT_ID,
        details=[
            wire.TransactionDetailRequest(
                product=wire.ProductDetail(external_id="7040110000012", name="Espresso"),
                quantity=1,
                unit_price=total,
                tax_percentage=Decimal(25),
                discount=Decimal(0),
                total_price=total,
            )
        ],
    )
    return request.model_dump(mode="json", exclude_none=True)


def enqueue_paid(number: str, total: Decimal) -> OutboxEntry:
    """What the shop does when an order is paid: the row and, on commit, its task."""
    with transaction.atomic():
        entry = outbox.enqueue(
            SEND,
            number,
            order_number=number,
            store_id=SEED_STORE_ID,
            member_id=SEED_MEMBER_ID,
            payload=ready_payload(number, total),
        )
        tasks.queue_outbox_entries([entry.pk])
    return entry


def sandbox_transactions(sandbox: Sandbox) -> dict:
    store = sandbox.state.stores[SEED_STORE_ID]
    with sandbox.state.lock:
        return dict(store.transactions)


def accepted_creates(sandbox: Sandbox) -> Counter:
    """createTransaction requests Diller answered 200 with ``is_ok`` true, per external id."""
    found: Counter = Counter()
    for request in sandbox.requests_for("createTransaction"):
        answer = request.response_json if isinstance(request.response_json, dict) else {}
        if request.status == 200 and answer.get("is_ok") is True:
            found[(request.json or {}).get("external_id")] += 1
    return found


def states() -> Counter:
    return Counter(OutboxEntry.objects.values_list("state", flat=True))


# Oscar orders --------------------------------------------------------------------------------


class PaidOrders:
    """Places the member's orders (2 espressos, a mug, 49 kr shipping) and settles them.

    The basket is filled once and every order is placed from it, as Oscar's ``OrderCreator``
    does at checkout; the "Settled" payment event is recorded in a transaction of its own, so
    the shop's trigger writes the outbox entry there and queues its task when it commits.
    """

    ITEMS = {"7040110000012": 2, "7040110000173": 1}  # espresso, mug

    def __init__(self, user) -> None:
        from oscar.apps.shipping.methods import FixedPrice
        from oscar.core.loading import get_class, get_model

        basket_model = get_model("basket", "Basket")
        product = get_model("catalogue", "Product")
        self.order_creator = get_class("order.utils", "OrderCreator")
        self.event_handler = get_class("order.processing", "EventHandler")
        self.source_model = get_model("payment", "Source")
        self.user = user
        self.shipping = FixedPrice(
            charge_excl_tax=Decimal("39.20"), charge_incl_tax=Decimal("49.00")
        )
        basket = basket_model.objects.create(owner=user)
        basket.strategy = get_class("partner.strategy", "Selector")().strategy(user=user)
        for upc, quantity in self.ITEMS.items():
            basket.add_product(product.objects.get(upc=upc), quantity)
        get_class("offer.applicator", "Applicator")().apply(basket, user)
        self.basket = basket
        self.charge = self.shipping.calculate(basket)
        self.total = get_class("checkout.calculators", "OrderTotalCalculator")().calculate(
            basket, self.charge
        )
        self.settled, _ = get_model("order", "PaymentEventType").objects.get_or_create(
            name="Settled"
        )
        self.card, _ = get_model("payment", "SourceType").objects.get_or_create(name="Demo card")

    def place(self, number: str):
        with transaction.atomic():
            order = self.order_creator().place_order(
                basket=self.basket,
                total=self.total,
                shipping_method=self.shipping,
                shipping_charge=self.charge,
                user=self.user,
                order_number=number,
            )
            self.source_model.objects.create(
                order=order,
                source_type=self.card,
                amount_allocated=order.total_incl_tax,
                amount_debited=order.total_incl_tax,
            )
        return order

    def place_many(self, numbers: list[str], batch: int = 100) -> list:
        """Placed (not paid) orders, ``batch`` per database transaction (fewer commits)."""
        orders = []
        for start in range(0, len(numbers), batch):
            with transaction.atomic():
                orders += [self.place(number) for number in numbers[start : start + batch]]
        return orders

    def settle(self, order) -> None:
        with transaction.atomic():
            self.event_handler().handle_payment_event(order, self.settled, order.total_incl_tax)

    def place_paid(self, number: str):
        order = self.place(number)
        self.settle(order)
        return order
