"""Who waits for a Diller call: a person (bounded and guarded) or nobody (background work).

A call someone waits for, a shopper on a member page, at the coupon step or placing an order,
or staff on an admin page, gets a total deadline (``DILLER['REQUEST_DEADLINE']``, retries and
the token fetch included) and goes through the shared circuit breaker. Background work keeps
the connection's own timeouts and retries and is never refused by the breaker: outbox
deliveries (:func:`background_calls` around each) and Celery tasks run by a worker.

Bounded is the default, so code that forgets to say stays quick. Inside a web request, or a
:func:`shopper_waiting` block, someone waits whatever runs there: an outbox delivery run at
once because Celery runs tasks eagerly (the demo without Redis) is bounded too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from celery.signals import task_postrun, task_prerun
from django.core.signals import request_finished, request_started
from django.dispatch import receiver

from ..conf import app_settings

_in_request: ContextVar[bool] = ContextVar("diller_in_request", default=False)
_waiting: ContextVar[bool] = ContextVar("diller_waiting", default=False)
_background: ContextVar[bool] = ContextVar("diller_background", default=False)
_deadline: ContextVar[float | None] = ContextVar("diller_deadline", default=None)
# What a call made on the caller's behalf in another thread must know (loyalty.concurrent).
CARRIED: tuple[ContextVar, ...] = (_in_request, _waiting, _background, _deadline)


def call_deadline(background: bool | None = None) -> float | None:
    """Seconds a call made here may take in all; None for a call nobody waits for.

    ``background`` True or False decides; None asks the context.
    """
    if background is None:
        background = _background.get() and not (_in_request.get() or _waiting.get())
    if background:
        return None
    seconds = _deadline.get()
    return float(app_settings.REQUEST_DEADLINE if seconds is None else seconds)


@contextmanager
def shopper_waiting(deadline: float | None = None) -> Iterator[None]:
    """Someone waits for the calls made in this block, background work included: each takes
    at most ``deadline`` seconds (``REQUEST_DEADLINE`` when None) and an open circuit breaker
    refuses it at once."""
    waiting, seconds = _waiting.set(True), _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(seconds)
        _waiting.reset(waiting)


@contextmanager
def background_calls() -> Iterator[None]:
    """Nobody waits for the calls made in this block, unless it runs inside a web request or
    a :func:`shopper_waiting` block."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


@receiver(request_started)
def _someone_waits(**kwargs: object) -> None:
    _in_request.set(True)


@receiver(request_finished)
def _nobody_waits_any_more(**kwargs: object) -> None:
    _in_request.set(False)


# A Celery worker's tasks are background work; tasks run eagerly belong to their caller.
_task_tokens: dict[str, Token[bool]] = {}


@task_prerun.connect(weak=False)
def _task_started(task_id: str | None = None, task=None, **kwargs: object) -> None:
    if task_id and task is not None and not getattr(task.request, "is_eager", False):
        _task_tokens[task_id] = _background.set(True)


@task_postrun.connect(weak=False)
def _task_finished(task_id: str | None = None, **kwargs: object) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        try:
            _background.reset(token)
        except ValueError:  # set in another context (an unusual worker pool)
            _background.set(False)
