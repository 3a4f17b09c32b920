"""The shopper's receipt pages and the dashboard's Dintero rows: Dintero's embedded sandbox and
Diller's, the demo shop, a member and receipts sent to Dintero for them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from django_diller.dintero.api import models as wire
from django_diller.dintero.connection import get_client
from django_diller.dintero.receipts import (
    Customer,
    LineDiscount,
    Payment,
    ReceiptLine,
    ReceiptOrder,
    StoreInfo,
    receipt,
)
from django_diller.models import Consent, ConsentRecord, MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from tests.dintero.shop.conftest import (  # noqa: F401  (fixtures)
    DINTERO,
    ESPRESSO,
    MUG,
    _fresh_dintero,
    commit,
    customer,
    place,
    receivers,
    shop,
)
from tests.oscar.orders import DILLER


@pytest.fixture
def dintero_on(db):
    """Dintero on (its embedded sandbox), and Diller's sandbox with the demo store."""
    with override_settings(DINTERO=DINTERO, DILLER=DILLER):
        yield


@pytest.fixture
def member(customer):  # noqa: F811
    """The demo customer, linked to Diller's demo member, who lets the shop keep their
    purchase history (so that their receipts name them)."""
    MemberLink.objects.create(
        user=customer, store_id=SEED_STORE_ID, member_id=SEED_MEMBER_ID, source=Source.PAGE
    )
    ConsentRecord.objects.create(
        store_id=SEED_STORE_ID,
        member_id=SEED_MEMBER_ID,
        consent=Consent.ORDER_HISTORY,
        given=True,
        source=Source.PAGE,
    )
    return customer


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def espresso_receipt(
    number: str, purchased_at: datetime, customer_id: str | None, *, discount: str = "0"
) -> ReceiptOrder:
    """Two espressos at 129.00 (VAT 25 %), ``discount`` off by the club's coupon, paid by card."""
    gross = Decimal("258.00")
    taken = Decimal(discount)
    discounts = (LineDiscount("diller", "PCT10", "10 % off coffee", taken),) if taken else ()
    net = gross - taken
    line = ReceiptLine(
        key="1",
        line_id=1,
        item_id="7040110000012",
        description="Espresso beans 500 g",
        quantity=2,
        gross=gross,
        tax=net / 5,
        tax_rate=Decimal("0.25"),
        discounts=discounts,
    )
    return ReceiptOrder(
        receipt_id=number,
        order_number=number,
        currency="NOK",
        purchased_at=purchased_at,
        store=StoreInfo("webshop", name="Kaffebrenneriet Web"),
        lines=(line,),
        payments=(Payment("Card", net),),
        customer=Customer(customer_id) if customer_id else None,
    )


def send_receipts(*orders: ReceiptOrder) -> list[str]:
    """Send the receipts to Dintero as the delivery does; their ids at Dintero."""
    result = get_client().create_receipts(
        [wire.Receipt.model_validate(receipt(order)) for order in orders]
    )
    return [entity.id for entity in result.receipts if entity.id]


def at(day: int) -> datetime:
    return datetime(2025, 3, day, 12, 0, tzinfo=UTC)
