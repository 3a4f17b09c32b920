"""Who a client talks to, as its errors and log lines name it.

The retries (:class:`~django_diller.api.calls.Attempts`), the deadline's last word
(:func:`~django_diller.api.deadline.too_late`) and the sending loop
(:class:`~django_diller.api.sending.Sender`) know no provider: they raise the provider's own
"unavailable" and "timed out" errors and log on its logger. :data:`DILLER` is Diller's; another
provider's client (Dintero's) passes its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import DillerTimeout, DillerUnavailable

Unavailable = TypeVar("Unavailable", bound=Exception)


@dataclass(frozen=True)
class Provider(Generic[Unavailable]):
    """``name``: in error messages ("Diller could not be reached"). ``key``: first word of each
    log line, and the prefix of its ``extra`` fields (``diller_operation``, ``diller_status``).
    ``unavailable`` and ``timeout``: the error classes (message, ``operation=``, and for
    ``unavailable`` ``status=`` and ``retry_after=``), ``timeout`` for a request that may have
    been processed."""

    name: str
    key: str
    logger: logging.Logger
    unavailable: Callable[..., Unavailable]
    timeout: Callable[..., Unavailable]


DILLER: Provider[DillerUnavailable] = Provider(
    name="Diller",
    key="diller",
    logger=logging.getLogger("django_diller.api"),
    unavailable=DillerUnavailable,
    timeout=DillerTimeout,
)
