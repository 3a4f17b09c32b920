"""Loyalty settings kept in the shared cache are read once per request (``request_memo``)."""

import threading

import pytest
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from django_diller import request_memo
from django_diller.models import STORE_CONFIGURATION_CACHE_KEY, StoreConfiguration


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
