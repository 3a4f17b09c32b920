"""Placing an order while Diller hangs: the shopper waits seconds, not minutes; the order is
placed without loyalty, and what it owes Diller waits in the outbox until Diller answers."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.api import DillerUnavailable
from django_diller.loyalty.connection import embedded_sandbox, get_client
from django_diller.loyalty.waiting import shopper_waiting
from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .test_checkout_flow import ADDRESS, place_order, to_preview

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
pytestmark = pytest.mark.django_db

DEADLINE = 1.0
MARGIN = 1.5  # room above a deadline for a busy machine: a behaviour test, not a benchmark
State = OutboxEntry.State


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def states(order) -> set[str]:
    """The states of the order's outbox entries, read afresh."""
    return set(
        OutboxEntry.objects.filter(order_number=order.number).values_list("state", flat=True)
    )


def timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


@override_settings(DILLER={**settings.DILLER, "REQUEST_DEADLINE": DEADLINE})
def test_an_order_is_placed_while_diller_hangs_and_loyalty_catches_up_later(
    shopper, django_capture_on_commit_callbacks
):
    assert to_preview(shopper).status_code == 200  # coupon and stamp reward chosen
    sandbox = embedded_sandbox()
    sandbox.faults.update(hang_rate=1.0)  # Diller takes the connections, answers nothing

    # The coupons can't be checked before the order: the shopper hears so within the deadline.
    response, seconds = timed(lambda: place_order(shopper))
    assert response["Location"] == reverse("checkout:preview")
    assert any("can't be reached right now" in m for m in messages_of(response))
    assert seconds < DEADLINE + MARGIN
    assert not Order.objects.exists()

    # Placed without loyalty; what the order owes Diller is queued, not sent while they wait.
    shopper.post(reverse("checkout:preview"))
    with django_capture_on_commit_callbacks() as queued:
        response, seconds = timed(lambda: place_order(shopper))
    assert response["Location"] == reverse("checkout:thank-you")
    assert seconds < MARGIN
    order = Order.objects.get()
    assert states(order) == {State.PENDING}

    # Without a Celery worker the delivery runs in the shopper's request: bounded as well.
    started = time.monotonic()
    with shopper_waiting():
        for deliver in queued:
            deliver()
    assert time.monotonic() - started < len(queued) * DEADLINE + MARGIN
    assert states(order) == {State.FAILED}  # to be tried again after a wait
    assert order.number not in sandbox.state.stores[SEED_STORE_ID].transactions

    # Diller is back: the outbox delivers (background work, no deadline) and loyalty catches up.
    sandbox.faults.update(hang_rate=0.0)
    OutboxEntry.objects.filter(order_number=order.number).update(next_attempt_at=timezone.now())
    outbox.drain()
    assert states(order) == {State.SENT}
    assert order.number in sandbox.state.stores[SEED_STORE_ID].transactions


@override_settings(DILLER={**settings.DILLER, "REQUEST_DEADLINE": 3.0, "BREAKER_FAILURES": 2})
def test_with_the_breaker_open_the_checkout_does_not_wait_and_says_so(shopper):
    sandbox = embedded_sandbox()
    with sandbox.inject(error_rate=1.0):  # Diller failed two calls in a row: the breaker opens
        for _ in range(2):
            with pytest.raises(DillerUnavailable):
                get_client().get_member(SEED_MEMBER_ID)
    sandbox.faults.update(hang_rate=1.0)
    sent = len(sandbox.requests)

    shopper.post(reverse("checkout:shipping-address"), ADDRESS)
    shopper.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    details = shopper.get(reverse("checkout:payment-method"))["Location"]
    response, seconds = timed(lambda: shopper.get(details))
    assert response.status_code == 200  # the payment page, without the member's coupons
    assert "can't be fetched right now" in response.content.decode()
    assert seconds < 1.0  # far less than the deadline: nobody waited for Diller
    shopper.post(reverse("checkout:preview"))
    response, seconds = timed(lambda: place_order(shopper))
    assert response["Location"] == reverse("checkout:thank-you")
    assert seconds < MARGIN
    assert len(sandbox.requests) == sent  # nothing reached Diller the whole checkout
    assert Order.objects.exists()
