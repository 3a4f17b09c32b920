"""Calls made side by side: at the same time, results in order, errors after every call ended."""

import os
import threading
import time

import pytest

from django_diller.loyalty import concurrent
from django_diller.loyalty.concurrent import side_by_side


def test_the_calls_run_at_the_same_time_and_their_results_come_in_order():
    meeting = threading.Barrier(3, timeout=5)  # passes only when all three wait at once

    def call(value):
        return lambda: (meeting.wait(), value)[1]

    assert side_by_side(call("a"), call("b"), call("c")) == ["a", "b", "c"]


def test_the_first_call_runs_in_the_callers_thread_and_the_others_do_not():
    threads = side_by_side(threading.get_ident, threading.get_ident)
    assert threads[0] == threading.get_ident()
    assert threads[1] != threading.get_ident()


def test_an_error_is_raised_once_every_call_has_ended():
    ended = []

    def slow():
        time.sleep(0.05)
        ended.append("slow")
        return "late"

    def failing():
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        side_by_side(failing, slow)
    assert ended == ["slow"]


def test_a_forked_process_makes_its_own_pool():
    side_by_side(lambda: 1, lambda: 2)
    parent_pool = concurrent._shared_pool()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its pool is new, and works
        ok = side_by_side(lambda: 1, lambda: 2) == [1, 2]
        ok = ok and concurrent._shared_pool() is not parent_pool
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert concurrent._shared_pool() is parent_pool
