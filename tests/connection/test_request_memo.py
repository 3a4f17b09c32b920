"""Loyalty settings kept in the shared cache are read once per request (``request_memo``)."""

import asyncio
import itertools
import threading

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.http import HttpResponse
from django.test import AsyncClient, Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path

from django_diller import request_memo
from django_diller.models import (
    STORE_CONFIGURATION_CACHE_KEY,
    MemberLink,
    Source,
    StoreConfiguration,
)


@pytest.fixture
def reads(monkeypatch):
    """The keys of every cache read, in order."""
    seen: list[str] = []
    backend = type(caches["default"])
    real_get = backend.get

    def get(self, key, *args, **kwargs):
        seen.append(key)
        return real_get(self, key, *args, **kwargs)

    monkeypatch.setattr(backend, "get", get)
    return seen


class Request:
    """Django's signals around a request, as its test client sends them (without closing the
    database connection)."""

    def __enter__(self):
        request_started.disconnect(close_old_connections)
        request_started.send(sender=None)
        request_started.connect(close_old_connections)
        return self

    def __exit__(self, *exc):
        request_finished.disconnect(close_old_connections)
        request_finished.send(sender=None)
        request_finished.connect(close_old_connections)


def test_outside_a_request_every_call_reads():
    answers = iter([1, 2, 3])
    assert [request_memo.remembered("k", lambda: next(answers)) for _ in range(3)] == [1, 2, 3]


def test_in_a_request_the_first_answer_is_kept_until_it_ends_or_is_forgotten():
    answers = iter(range(10))
    with Request():
        assert request_memo.remembered("k", lambda: next(answers)) == 0
        assert request_memo.remembered("k", lambda: next(answers)) == 0
        assert request_memo.remembered("other", lambda: next(answers)) == 1
        request_memo.forget("k")
        assert request_memo.remembered("k", lambda: next(answers)) == 2
    with Request():  # the next request reads again
        assert request_memo.remembered("k", lambda: next(answers)) == 3
    assert request_memo.remembered("k", lambda: next(answers)) == 4


def test_requests_in_other_threads_keep_their_own_answers():
    started = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def serve(name: str) -> None:
        with Request():
            started.wait()
            seen[name] = [request_memo.remembered("k", lambda n=name: n) for _ in range(2)]

    threads = [threading.Thread(target=serve, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": ["a", "a"], "b": ["b", "b"]}


@pytest.mark.django_db
def test_the_set_up_is_read_from_the_cache_once_a_request_and_a_save_is_seen_at_once(reads):
    StoreConfiguration(store_id="store-a", department_id="dept-a").save()
    with Request():
        assert StoreConfiguration.current().store_id == "store-a"
        assert StoreConfiguration.current().store_id == "store-a"
        assert reads.count(STORE_CONFIGURATION_CACHE_KEY) == 1
        StoreConfiguration(store_id="store-b", department_id="dept-b").save()
        assert StoreConfiguration.current().store_id == "store-b"
    StoreConfiguration.current()
    StoreConfiguration.current()
    assert reads.count(STORE_CONFIGURATION_CACHE_KEY) == 4  # outside a request, each reads


_counter = itertools.count(1)


def memo_page(request):
    """Asks three times for a value that changes on every read."""
    answers = [request_memo.remembered("page", lambda: next(_counter)) for _ in range(3)]
    return HttpResponse(" ".join(str(a - answers[0] + 1) for a in answers))


urlpatterns = [path("memo/", memo_page)]
MEMO_MIDDLEWARE = "django_diller.request_memo.RequestMemoMiddleware"


@pytest.mark.django_db  # the example shop's requests are atomic
@override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=[])
def test_a_wsgi_request_keeps_the_memo_by_the_signals_alone():
    assert Client().get("/memo/").content == b"1 1 1"


def test_the_example_shop_puts_the_middleware_first():
    assert settings.MIDDLEWARE[0] == MEMO_MIDDLEWARE


@pytest.mark.django_db(transaction=True)  # the view runs in a thread of its own
@override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=[MEMO_MIDDLEWARE])
def test_an_asgi_request_keeps_the_memo_with_the_middleware():
    assert asyncio.run(AsyncClient().get("/memo/")).content == b"1 1 1"


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=[])
def test_without_the_middleware_an_asgi_request_reads_every_time():
    """Django sends ``request_started`` in a task of its own under ASGI: no memo, no harm."""
    assert asyncio.run(AsyncClient().get("/memo/")).content == b"1 2 3"


def test_the_middleware_starts_a_memo_for_sync_and_async_requests_and_ends_it():
    def work(request):
        return [request_memo.remembered("k", lambda: next(_counter)) for _ in range(2)]

    first, second = request_memo.RequestMemoMiddleware(work)(None)
    assert first == second

    async def async_work(request):
        return work(request)

    first, second = asyncio.run(request_memo.RequestMemoMiddleware(async_work)(None))
    assert first == second
    assert request_memo.remembered("k", lambda: "read") == "read"  # ended with the request


@pytest.mark.django_db
def test_the_chosen_store_is_worked_out_once_a_request_and_a_saved_choice_is_seen_at_once():
    from django_diller.loyalty.connection import current_store_id

    StoreConfiguration(store_id="store-a", department_id="dept-a").save()
    with Request():
        assert current_store_id() == "store-a"
        StoreConfiguration.objects.filter(pk=1).update(store_id="store-b")  # no forget: kept
        assert current_store_id() == "store-a"
        StoreConfiguration(store_id="store-c", department_id="dept-c").save()
        assert current_store_id() == "store-c"


def test_an_answer_forgotten_for_good_is_read_afresh_for_the_rest_of_the_request():
    answers = iter(range(10))
    with Request():
        assert request_memo.remembered(("k", 1), lambda: next(answers)) == 0
        request_memo.forget("k", for_good=True)
        assert request_memo.remembered(("k", 1), lambda: next(answers)) == 1
        assert request_memo.remembered(("k", 1), lambda: next(answers)) == 2
        assert request_memo.remembered("other", lambda: next(answers)) == 3
        assert request_memo.remembered("other", lambda: next(answers)) == 3
    with Request():  # the next request keeps it again
        assert request_memo.remembered(("k", 1), lambda: next(answers)) == 4
        assert request_memo.remembered(("k", 1), lambda: next(answers)) == 4


def link_reads(statements) -> int:
    return sum(q["sql"].startswith('SELECT * FROM "diller_memberlink"') for q in statements)


def member_of(user, store="store-1"):
    link = MemberLink.objects.of(user, store)
    return link.member_id if link else None


@pytest.fixture
def shopper(db):
    return get_user_model().objects.create_user("memo", "memo@example.com", "x")


def test_a_shopper_s_link_is_read_once_a_request_until_a_link_is_written(shopper):
    with CaptureQueriesContext(connection) as statements, Request():
        assert [member_of(shopper), member_of(shopper.pk), member_of(shopper)] == [None] * 3
        assert member_of(shopper, "store-2") is None  # another store: a read of its own
        assert link_reads(statements.captured_queries) == 2
        link = MemberLink.objects.create(
            user=shopper, store_id="store-1", member_id="m-1", source=Source.PAGE
        )
        assert [member_of(shopper), member_of(shopper)] == ["m-1", "m-1"]
        link.member_id = "m-2"
        link.save()
        assert member_of(shopper) == "m-2"
        link.delete()
        assert member_of(shopper) is None
        # After a write, every read goes to the database: the write may yet be rolled back.
        assert link_reads(statements.captured_queries) == 2 + 4
    assert member_of(shopper) is None  # outside a request: read each time


class RolledBack(Exception):
    pass


def test_a_link_written_and_rolled_back_is_not_remembered(shopper):
    with Request():
        assert member_of(shopper) is None
        with pytest.raises(RolledBack), transaction.atomic():
            MemberLink.objects.create(
                user=shopper, store_id="store-1", member_id="m-1", source=Source.PAGE
            )
            assert member_of(shopper) == "m-1"
            raise RolledBack
        assert member_of(shopper) is None
