"""What the plugin does when a Celery worker starts: load what a delivery needs in the main
process, then freeze it for the pool's children (``django_diller.outbox.worker``)."""

import gc
import importlib
import sys

import pytest
from celery.signals import worker_before_create_process, worker_init

from django_diller.loyalty.kinds import Kind
from django_diller.outbox import registry, worker


def connected(signal, dispatch_uid):
    return any(key[0] == dispatch_uid for key, _receiver in signal.receivers)


@pytest.fixture
def freezes(monkeypatch):
    """The calls to gc.collect and gc.freeze, in order (none really made)."""
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    return calls


def test_worker_init_loads_what_a_delivery_needs_then_collects_and_freezes(freezes, monkeypatch):
    imported = []
    real_import = importlib.import_module
    monkeypatch.setattr(
        importlib, "import_module", lambda name: imported.append(name) or real_import(name)
    )
    assert connected(worker_init, "django-diller-warm-worker")
    worker._prepare_worker()  # what worker_init runs in the worker's main process
    assert freezes == ["collect", "freeze"]
    assert imported == list(worker.DELIVERY_MODULES)
    assert {"httpcore2", "h11"} <= set(sys.modules)  # the HTTP client's transport
    assert registry.handler_for(Kind.SEND_TRANSACTION) is not None  # the handlers are loaded


def test_each_child_is_forked_from_a_collected_and_frozen_parent(freezes):
    assert connected(worker_before_create_process, "django-diller-freeze-before-fork")
    worker._freeze_before_fork()
    assert freezes == ["collect", "freeze"]


def test_worker_init_builds_the_tls_context_the_children_share(freezes, monkeypatch):
    from django_diller.api import tls

    monkeypatch.setattr(tls, "_context", None)
    worker.warm_up()
    built = tls._context
    assert built is not None
    assert tls.shared_tls_context() is built


def test_worker_init_builds_the_c_parser_billiard_uses_in_each_child(monkeypatch):
    """billiard declares ``prctl`` with cffi in every child when cffi is loaded; the parser
    that declaration needs is built once, in the main process."""
    import cffi  # noqa: F401  (loaded, as in a worker whose dependencies use it)
    from cffi import cparser

    monkeypatch.setattr(cparser, "_parser_cache", None)
    worker.warm_up()
    assert cparser._parser_cache is not None
