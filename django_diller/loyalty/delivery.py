"""What every Diller outbox handler shares: its calls' deadline, its errors, its signals.

Diller's outage and lost answer (:class:`~django_diller.api.DillerUnavailable`,
:class:`~django_diller.api.DillerTimeout`) leave an entry to be tried again; any other
:class:`~django_diller.api.DillerError` is Diller saying no, and the entry is dead.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import ClassVar

from django.dispatch import Signal

from .. import signals
from ..api import DillerError, DillerTimeout, DillerUnavailable
from ..models import OutboxEntry
from ..outbox import registry
from .waiting import background_calls

registry.classify_errors(
    transient=(DillerUnavailable, DillerTimeout),
    permanent=(DillerError,),
)


class DillerHandler(registry.Handler):
    """An outbox handler that calls Diller. Nobody waits for its calls (unless it runs inside
    a web request), and the outcome is announced with the ``transaction_*`` signals of
    :mod:`django_diller.signals`."""

    sent_signal: ClassVar[Signal] = signals.transaction_sent  # what a sent entry announces

    def sending(self, entry: OutboxEntry) -> AbstractContextManager[object]:
        return background_calls()

    def announce(self, entry: OutboxEntry) -> None:
        state = OutboxEntry.State
        if entry.state == state.SENT:
            self.sent_signal.send(sender=OutboxEntry, entry=entry, order_number=entry.order_number)
        elif entry.state == state.SKIPPED:
            signals.transaction_skipped.send(
                sender=OutboxEntry, entry=entry, order_number=entry.order_number
            )
        elif entry.state in (state.FAILED, state.DEAD):
            signals.transaction_failed.send(
                sender=OutboxEntry,
                entry=entry,
                order_number=entry.order_number,
                will_retry=entry.state == state.FAILED,
            )


# An entry of a kind this version no longer sends still says it failed (transaction_failed).
registry.announce_unknown_kinds_with(DillerHandler())
