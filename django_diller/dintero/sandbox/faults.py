"""Fault injection: Diller's sandbox's :class:`~django_diller.sandbox.faults.Faults` (the same
rates, latency, ``max_faults``, ``only_operations`` and ``seed``), plus the status an ``error``
fault answers with.

* ``error``: ``error_status`` (503 unless told) with Dintero's ``Error`` body; NOT processed.
* ``rate_limit``: 429 with ``Retry-After``; NOT processed.
* ``timeout`` / ``drop``: processed, then no answer in time / the connection closed.
* ``hang``: neither processed nor answered.

"Fail the next N calls with a 502, then work": :meth:`DinteroSandbox.fail_next` (a count of
its own, apart from these rates). Faults skip the token endpoint unless ``only_operations``
names ``"token"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_diller.sandbox.faults import (
    ERROR_STATUSES,
    TOKEN_OPERATION,
    ErrorStatusFaults,
    FaultKind,
)


@dataclass
class DinteroFaults(ErrorStatusFaults):
    pass


__all__ = ["ERROR_STATUSES", "TOKEN_OPERATION", "DinteroFaults", "FaultKind"]
