"""Fault injection: Diller's sandbox's :class:`~django_diller.sandbox.faults.Faults` (the same
rates, latency, ``max_faults``, ``only_operations`` and ``seed``), plus the status an ``error``
fault answers with.

* ``error``: ``error_status`` (503 unless told), with a proxy's HTML page, as an outage in
  front of the API looks (not a Coupontools answer, so not checked against the contract);
  NOT processed.
* ``rate_limit``: 429 with ``Retry-After`` and an HTML page; NOT processed.
* ``timeout`` / ``drop``: processed, then no answer in time / the connection closed.
* ``hang``: neither processed nor answered.

"Fail the next N calls with a 502, then work": :meth:`CoupontoolsSandbox.fail_next`.
The operations are ``couponsession_data`` and ``couponsession_update``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_diller.sandbox.faults import ERROR_STATUSES, ErrorStatusFaults, FaultKind


@dataclass
class CoupontoolsFaults(ErrorStatusFaults):
    pass


__all__ = ["ERROR_STATUSES", "CoupontoolsFaults", "FaultKind"]
