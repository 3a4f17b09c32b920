"""20 checkouts at once try to use one single-use coupon: exactly one gets it (PostgreSQL)."""

import threading
import time

import pytest
from django.db import close_old_connections, transaction

from django_diller.loyalty import claims
from django_diller.models import CouponClaim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKOUTS = 20


def test_twenty_concurrent_checkouts_one_single_use_coupon():
    start = threading.Barrier(CHECKOUTS)
    won: list[int] = []
    errors: list[BaseException] = []

    def checkout(basket_id: int) -> None:
        try:
            start.wait()
            # As in the checkout: the claim is made inside the transaction that places the
            # order, which stays open a moment longer (order lines, payment records).
            with transaction.atomic():
                if claims.claim("demo-store", "member-demo", "ONCE100", 1, 1, basket_id):
                    won.append(basket_id)
                time.sleep(0.05)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=checkout, args=(n,)) for n in range(1, CHECKOUTS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(won) == 1
    assert CouponClaim.objects.filter(code="ONCE100").count() == 1


def test_a_coupon_with_three_uses_left_goes_to_three_checkouts():
    start = threading.Barrier(10)
    won: list[int] = []

    def checkout(basket_id: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                if claims.claim("demo-store", "member-demo", "THRICE", 1, 3, basket_id):
                    won.append(basket_id)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=checkout, args=(n,)) for n in range(1, 11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(won) == 3
