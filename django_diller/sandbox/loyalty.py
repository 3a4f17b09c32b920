"""Points and membership levels.

Points are whole numbers: ``amount * currency_points_ratio`` rounded toward zero, so a purchase
of 99.50 earns 99 points and a return of -99.50 takes 99 back. A balance never goes below zero;
callers keep the delta actually applied so that a cancel can undo exactly that.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from .render import current_level
from .state import Member, Store


def points_for(store: Store, amount: Decimal) -> int:
    if not store.points_system.enabled:
        return 0
    raw = amount * store.points_system.currency_points_ratio
    return int(raw.to_integral_value(rounding=ROUND_DOWN))


def change_points(store: Store, member: Member, delta: int, now: datetime) -> int:
    """Add ``delta`` (clamped so the balance stays >= 0); returns the delta applied."""
    applied = max(delta, -member.points)
    member.points += applied
    refresh_level(store, member, now)
    return applied


def refresh_level(store: Store, member: Member, now: datetime) -> None:
    """Record when the member reached their current level (the level expires a year later)."""
    level = current_level(store.levels, member.points)
    level_id = level.id if level else None
    if level_id != member.level_id:
        member.level_id = level_id
        member.level_reached_at = now if level_id is not None else None
