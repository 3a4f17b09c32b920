"""Orders for the transaction tests: placed with a card payment, paid, returned."""

from decimal import Decimal as D

from oscar.apps.shipping.methods import FixedPrice
from oscar.core.loading import get_class, get_model

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.kinds import Kind  # noqa: F401  (the order tests import it from here)
from django_diller.models import OrderLoyaltyItem, OutboxEntry
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

ESPRESSO = "7040110000012"  # the demo espresso (conftest.ESPRESSO; conftest imports this module)

OrderCreator = get_class("order.utils", "OrderCreator")
EventHandler = get_class("order.processing", "EventHandler")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
PaymentEventType = get_model("order", "PaymentEventType")
ShippingEventType = get_model("order", "ShippingEventType")
SourceType = get_model("payment", "SourceType")
PaymentSource = get_model("payment", "Source")

State = OutboxEntry.State
SHIPPING = FixedPrice(charge_excl_tax=D("39.20"), charge_incl_tax=D("49.00"))
DILLER = {
    "SANDBOX": True,
    "SANDBOX_WITHOUT_DEBUG": True,  # pytest turns DEBUG off
    "STORE_ID": SEED_STORE_ID,
    "DEPARTMENT_ID": "dept-webshop",
}


def store():
    return embedded_sandbox().state.stores[SEED_STORE_ID]


def member_points():
    return store().members[SEED_MEMBER_ID].points


def transactions_at_diller():
    return store().transactions


def event(order, name, amount=None, lines=()):
    """Record a payment event as the shop's order processing does, committing at the end."""
    event_type, _ = PaymentEventType.objects.get_or_create(name=name)
    amount = order.total_incl_tax if amount is None else amount
    return EventHandler().handle_payment_event(
        order,
        event_type,
        amount,
        lines=[line for line, _q in lines],
        line_quantities=[q for _line, q in lines],
    )


def status(order, name):
    EventHandler().handle_order_status_change(order, name)


def only_entry(**filters):
    (entry,) = OutboxEntry.objects.filter(**filters)
    return entry


def money_sum(values):
    return sum((D(str(v)) for v in values), D(0))


def loyalty_item(order, kind, reference, **fields):
    return OrderLoyaltyItem.objects.create(
        order_number=order.number,
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        kind=kind,
        reference=reference,
        **fields,
    )


def coupon_on_espresso(order, code, amount):
    """The order's record of the member's coupon ``code``, which took ``amount`` off its
    espressos."""
    return loyalty_item(
        order,
        OrderLoyaltyItem.Kind.COUPON,
        code,
        amount=D(amount),
        lines=[{"product_id": ESPRESSO, "discount": amount, "collected": 0, "deducted": 0}],
    )


def lose_the_answer_once(operation):
    """Diller processes the next ``operation`` but its answer never arrives."""
    faults = {"drop_rate": 1.0, "only_operations": {operation}, "max_faults": 1}
    return embedded_sandbox().inject(**faults)


def answered_status(style):
    """The HTTP status of a duplicate-answer style: "200-text", "409", "400-problem"."""
    return int(style[:3])
