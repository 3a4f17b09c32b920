"""The audit log of discount changes: every create, update and delete through the API or admin.

``before``/``after`` are the discount's document (:meth:`Discount.to_document`), or None where
there was none (before a create, after a delete). The actor is a user's username or
``"oauth:<application name>"``; never a token.
"""

from __future__ import annotations

from typing import Any

from .models import DiscountAudit

SOURCES = ("api", "admin", "shop")  # "shop": the shop itself (a basket merged at sign-in)


def record(
    discount_id: str,
    action: str,
    *,
    actor: str,
    source: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> DiscountAudit:
    """Keep one change of ``discount_id`` in the audit log, and return the entry."""
    if source not in SOURCES:
        raise ValueError(f"unknown audit source {source!r}")
    return DiscountAudit.objects.create(
        discount_id=discount_id,
        action=action[:40],
        actor=actor[:200],
        source=source,
        before=before,
        after=after,
    )
