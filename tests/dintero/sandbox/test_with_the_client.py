"""The project's own Dintero client against the sandbox, in-process: the two agree on the wire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from django_diller.dintero.api import NO_RETRY, DinteroClient, DinteroConfig, DinteroError
from django_diller.dintero.api import models as m
from django_diller.dintero.sandbox import (
    DUPLICATE_ANSWERS,
    SANDBOX_ACCOUNT_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PUBLIC_URL,
    SEED_ANONYMOUS_RECEIPT_ID,
    SEED_CUSTOMER_ID,
    TOKEN_VALUE,
    DinteroSandbox,
    DinteroSandboxTransport,
)


@pytest.fixture
def dintero(sb: DinteroSandbox) -> Iterator[DinteroClient]:
    config = DinteroConfig(
        account_id=SANDBOX_ACCOUNT_ID,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        base_url=f"{SANDBOX_PUBLIC_URL}/v1",
        retry=NO_RETRY,
    )
    with DinteroClient(config, transport=DinteroSandboxTransport(sb)) as client:
        yield client


def order(receipt_id: str = "order-1", **fields: object) -> m.Receipt:
    return m.Receipt(
        receipt_id=receipt_id,
        store=m.Store(id="webshop"),
        purchase_at=datetime(2025, 2, 28, 10, 0, tzinfo=UTC),
        gross_amount=12900,
        currency="NOK",
        **fields,
    )


def test_every_operation_round_trips(sb, dintero):
    created = dintero.create_receipts([order(customer_id="c-1")], token_expire_days=3)
    assert created.duplicates == 0 and not created.already_received
    (found,) = dintero.search_receipts("order-1").receipts
    token = next(e.value for e in found.extra_info if e.key == TOKEN_VALUE)
    assert dintero.get_receipt_by_token(token).receipt_id == "order-1"
    assert dintero.claim_receipt(token, "c-2").customer_id == "c-2"
    assert dintero.get_customer_receipt("c-2", "order-1").receipt_id == "order-1"
    assert dintero.change_customer_id("c-2", "order-1", "c-3").customer_id == "c-3"
    assert dintero.attach_customer(SEED_ANONYMOUS_RECEIPT_ID, "c-4").customer_id == "c-4"
    first = dintero.get_customer_receipts(SEED_CUSTOMER_ID, limit=2)
    rest = dintero.get_customer_receipts(SEED_CUSTOMER_ID, starting_after=first.starting_after)
    assert len(first.receipts) + len(rest.receipts) == 3 and rest.starting_after is None
    segment = dintero.segment_customers(m.SegmentRequest()).customers
    assert {c.customer_id for c in segment} == {SEED_CUSTOMER_ID, "c-3", "c-4"}
    assert sb.token_requests == 1
    assert all(r.status == 200 for r in sb.requests)


@pytest.mark.parametrize("style", DUPLICATE_ANSWERS)
def test_a_resent_receipt_is_already_received(sb, dintero, style):
    sb.duplicate_answer = style
    dintero.create_receipts([order()])
    again = dintero.create_receipts([order()])
    assert again.already_received
    assert len(sb.state.accounts[SANDBOX_ACCOUNT_ID].receipts) == 5


def test_a_spent_receipt_token_is_an_error(sb, dintero):
    dintero.create_receipts([order()], token_expire_days=1)
    (found,) = dintero.search_receipts("order-1").receipts
    token = next(e.value for e in found.extra_info if e.key == TOKEN_VALUE)
    dintero.claim_receipt(token, "c-1")
    with pytest.raises(DinteroError) as refused:
        dintero.claim_receipt(token, "c-2")
    assert refused.value.status == 403


def test_failures_reach_the_client_as_errors(sb, dintero):
    sb.fail_next(1, status=503)
    with pytest.raises(DinteroError) as failed:
        dintero.search_receipts("order-1")
    assert failed.value.status == 503
    assert dintero.search_receipts("order-1").receipts == []
