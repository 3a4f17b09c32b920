"""A row inserted unless its unique key is taken (django_diller.inserts), in one statement on
SQLite and PostgreSQL, with a savepoint elsewhere; never spoiling the transaction around it."""

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from django_diller import inserts
from django_diller.inserts import insert_new
from django_diller.models import CouponClaim

pytestmark = pytest.mark.django_db

KEY = ["store_id", "member_id", "code", "slot"]


def claim(basket_id=1, slot=1):
    return CouponClaim(store_id="s", member_id="m", code="ONCE", slot=slot, basket_id=basket_id)


@pytest.fixture(params=["one statement", "savepoint", "savepoint, SQLite before 3.35"])
def way(request, monkeypatch):
    if request.param == "savepoint":  # another database
        monkeypatch.setattr(inserts, "ONE_STATEMENT_VENDORS", ())
    if request.param.endswith("3.35"):  # no RETURNING: Django takes SQLite from 3.31
        monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    return request.param.split(",")[0]


def test_a_new_row_is_inserted_with_its_key_and_post_save(way):
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=CouponClaim)
    try:
        first = claim()
        assert insert_new(first, KEY)
    finally:
        post_save.disconnect(receiver, sender=CouponClaim)
    stored = CouponClaim.objects.get()
    assert first.pk == stored.pk and stored.basket_id == 1 and stored.claimed_at is not None
    assert seen == [(first.pk, True)]
    assert not first._state.adding


def test_a_taken_key_inserts_nothing_and_the_transaction_goes_on(way):
    assert insert_new(claim(basket_id=1), KEY)
    with transaction.atomic():
        assert not insert_new(claim(basket_id=2), KEY)
        assert insert_new(claim(basket_id=2, slot=2), KEY)  # the transaction still works
    assert sorted(CouponClaim.objects.values_list("basket_id", "slot")) == [(1, 1), (2, 2)]


def test_one_statement_on_the_test_database():
    assert connection.vendor in inserts.ONE_STATEMENT_VENDORS  # SQLite, or PostgreSQL
    with CaptureQueriesContext(connection) as queries:
        assert insert_new(claim(), KEY)
        assert not insert_new(claim(basket_id=2), KEY)
    assert len(queries) == 2
    assert all("ON CONFLICT" in q["sql"] for q in queries.captured_queries)
