"""httpx2 transports that answer from a :class:`CoupontoolsSandbox` in-process (no sockets).

``httpx2.Client(transport=CoupontoolsSandboxTransport(sb), base_url=SANDBOX_PUBLIC_URL)``. They
are Diller's sandbox's transports (:mod:`django_diller.sandbox.transport`), which carry out
latency, timeouts, hangs and dropped connections the same way for any sandbox.
"""

from __future__ import annotations

from django_diller.sandbox.transport import AsyncSandboxTransport, SandboxTransport


class CoupontoolsSandboxTransport(SandboxTransport):
    """Answers from a :class:`~django_diller.coupontools.sandbox.CoupontoolsSandbox` (sync)."""


class AsyncCoupontoolsSandboxTransport(AsyncSandboxTransport):
    """Answers from a :class:`~django_diller.coupontools.sandbox.CoupontoolsSandbox` (asyncio)."""


__all__ = ["AsyncCoupontoolsSandboxTransport", "CoupontoolsSandboxTransport"]
