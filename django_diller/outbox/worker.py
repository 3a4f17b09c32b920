"""What the plugin does when a Celery worker starts, so that its pool's children share memory.

A prefork worker forks its children from the main process. Whatever the main process loaded
before the fork is shared with them copy-on-write, until something writes to it: a module a
child imports for its first delivery is its own copy, and a full garbage collection in a child
writes into the header of every object it walks, the parent's included. So, in the main
process, before the pool starts (Celery's ``worker_init``):

* :func:`warm_up` loads what a delivery needs that Django's start did not (the HTTP
  transport, the TLS context all clients share, the parts of Celery a task uses, the C
  declaration billiard makes in each child);
* :func:`freeze` collects the garbage and moves every object left into the collector's
  permanent generation (:func:`gc.freeze`), which no collection walks again: the children
  keep those pages shared. Right before each child is forked
  (``worker_before_create_process``), what was made since is collected and frozen too.

Nothing here opens a connection: the database's and Diller's are each child's own.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys

from celery.signals import worker_before_create_process, worker_init

from .. import shared_clients

logger = logging.getLogger("django_diller.outbox")

# Imported by a task or a delivery on first use; loaded once in the main process instead.
DELIVERY_MODULES = (
    "billiard.einfo",
    "celery.app.task",
    "celery.backends.base",
    "celery.canvas",
    "celery.result",
    "django.core.cache.backends.locmem",
)


def warm_up() -> None:
    """Load, in the main process, what each child would otherwise load for its first
    delivery: the modules above and the HTTP client's transport. (Django is set up by then,
    by Celery's Django fixup, and the app's ``ready()`` registered the outbox handlers.)"""
    for name in DELIVERY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional part the shop does not use
            logger.debug("outbox worker: %s not available", name)
    _warm_pdeathsig()
    shared_clients.warm_up()


def _warm_pdeathsig() -> None:
    """Each prefork child asks the kernel for a signal when its parent dies. Where cffi is
    loaded, billiard declares ``prctl`` with it, and the first declaration imports cffi's C
    parser (pycparser) and builds its tables: about 4 MiB in every child. Declared here once,
    the children reuse the parser they share with the main process."""
    if "cffi" not in sys.modules:
        return  # billiard uses ctypes then, which needs nothing loaded
    import cffi

    cffi.FFI().cdef("int prctl (int __option, ...);")


def freeze() -> None:
    """Collect the garbage, then keep every object left out of future collections, so
    that no collection in a forked child writes to the pages it shares with its parent."""
    gc.collect()
    gc.freeze()


# Celery ships no type hints: its decorators leave the functions untyped.
@worker_init.connect(dispatch_uid="django-diller-warm-worker")  # type: ignore[untyped-decorator]
def _prepare_worker(sender: object = None, **kwargs: object) -> None:
    """In the worker's main process, before its pool starts."""
    warm_up()
    freeze()


@worker_before_create_process.connect(dispatch_uid="django-diller-freeze-before-fork")  # type: ignore[untyped-decorator]
def _freeze_before_fork(sender: object = None, **kwargs: object) -> None:
    """In the main process, right before a pool child is forked (the first ones, and any that
    replaces one)."""
    freeze()
