"""Work waiting on a connection for its commit: kept while its callback is, and done before the
commit only when it goes with the savepoint open then."""

import pytest
from django.db import connection, transaction

from django_diller.commit_waiting import Waiting

pytestmark = pytest.mark.django_db


def registered_callback():
    """A new callback, registered for the commit of the transaction open now."""

    def callback():
        pass

    transaction.on_commit(callback)
    return callback


def test_pieces_sharing_a_callback_wait_together_and_a_rolled_back_one_is_dropped():
    waiting: Waiting[str, int] = Waiting("_test_waiting")
    try:
        with transaction.atomic():
            rolled_back = registered_callback()
            waiting.add(connection, "gone", 0, rolled_back)
            raise RuntimeError("the cause failed")
    except RuntimeError:
        pass
    shared = registered_callback()
    waiting.add(connection, "a", 1, shared)
    waiting.add(connection, "b", 2, shared)
    assert waiting.in_open_savepoint(connection) == ["a", "b"]
    assert (waiting.value(connection, "b"), waiting.pop(connection, "a")) == (2, 1)
    assert waiting.pop(connection, "a") is None
    assert waiting.take_all(connection) == ["b"] and waiting.take_all(connection) == []


def test_only_what_goes_with_the_savepoint_open_now_may_be_done_in_it():
    waiting: Waiting[str, None] = Waiting("_test_waiting_savepoints")
    outer = registered_callback()
    waiting.add(connection, "outer", None, outer)
    with transaction.atomic():
        inner = registered_callback()
        waiting.add(connection, "inner", None, inner)
        assert waiting.in_open_savepoint(connection) == ["inner"]
    assert waiting.in_open_savepoint(connection) == ["outer", "inner"]
