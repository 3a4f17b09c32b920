"""Loyalty bookkeeping must never break the shop's own work."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger("django_diller.oscar")


def guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``function`` in a savepoint; if it fails, roll back only its own writes and log.

    A receiver that raised would abort the payment event or status change that triggered it.
    What is lost this way is logged, and ``manage.py diller_backfill`` finds the order again.
    """

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            with transaction.atomic():
                return function(*args, **kwargs)
        except Exception:
            logger.exception("diller: %s failed; the shop's change went through", function.__name__)
            return None

    return run
