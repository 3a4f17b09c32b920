"""When, where and for whom a rule applies.

**Time.** ``when`` is an aware instant; it is read as wall-clock time in the store's zone
(``zone``), so daylight saving changes move nothing: a 05:00-23:00 window is 05:00-23:00 local
time in winter and in summer. A window is ``[valid_from_time, valid_until_time)``: 2300 means
until 23:00, not through it; 2400 (or no end) is the end of the day, no start the start of it.
On the night clocks go forward, local times that do not exist are never inside a window; on the
night they go back, the repeated hour is inside a window that holds it both times.

**Past midnight.** A window whose start is after its end (2200-0200) runs from 22:00 to 02:00
the next morning. Its day is the day it *started*: a FRIDAY 2200-0200 discount applies from
Friday 22:00 to Saturday 02:00, not on Friday 00:00-02:00; the dates are read the same way (a
window that started on ``valid_until_date`` runs to its end). A start equal to its end is an
empty window (the validation refuses it).

**Place.** Empty ``stores`` or ``dist_chains``: every store or chain. Otherwise the store's
number, and its chain, must be in the list; both lists must allow the store.

**Customer.** ``employee`` rules only for employees; the others for everyone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .model import DAYS, Rule

MINUTES_PER_DAY = 24 * 60


class NotApplicable(StrEnum):
    """Why a rule does not apply (before the pricing chooses among the ones that do)."""

    NOT_AUTOMATIC = "not_automatic"
    EMPLOYEE_ONLY = "employee_only"
    OTHER_STORE = "other_store"
    OTHER_CHAIN = "other_chain"
    OUTSIDE_DATES = "outside_dates"
    OTHER_DAY = "other_day"
    OUTSIDE_TIME = "outside_time"


def _minutes(hhmm: int) -> int:
    return (hhmm // 100) * 60 + hhmm % 100


def _window(rule: Rule) -> tuple[int, int]:
    start = 0 if rule.valid_from_time is None else _minutes(rule.valid_from_time)
    end = MINUTES_PER_DAY if rule.valid_until_time is None else _minutes(rule.valid_until_time)
    return start, end


def local_window_day(rule: Rule, when: datetime, zone: ZoneInfo) -> date | None:
    """The local day of the rule's time window that holds ``when``, or None if none does.

    The day a window started: the day before for the small hours of a past-midnight window.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("applies_at needs an aware datetime")
    local = when.astimezone(zone)
    now = local.hour * 60 + local.minute
    start, end = _window(rule)
    if start < end:
        return local.date() if start <= now < end else None
    if start == end:
        return None
    if now >= start:
        return local.date()
    if now < end:
        return local.date() - timedelta(days=1)
    return None


def _time_reason(rule: Rule, when: datetime, zone: ZoneInfo) -> NotApplicable | None:
    day = local_window_day(rule, when, zone)
    if day is None:
        return NotApplicable.OUTSIDE_TIME
    if rule.valid_from_date is not None and day < rule.valid_from_date:
        return NotApplicable.OUTSIDE_DATES
    if rule.valid_until_date is not None and day > rule.valid_until_date:
        return NotApplicable.OUTSIDE_DATES
    if rule.days_of_week and DAYS[day.weekday()] not in rule.days_of_week:
        return NotApplicable.OTHER_DAY
    return None


def applies_at(rule: Rule, when: datetime, zone: ZoneInfo) -> bool:
    """Does the rule's time validity (dates, days, times in ``zone``) hold at ``when``?"""
    return _time_reason(rule, when, zone) is None


def _place_reason(rule: Rule, store: str, chain: str) -> NotApplicable | None:
    if rule.stores and store not in rule.stores:
        return NotApplicable.OTHER_STORE
    if rule.dist_chains and chain not in rule.dist_chains:
        return NotApplicable.OTHER_CHAIN
    return None


def applies_where(rule: Rule, store: str, chain: str) -> bool:
    """May the rule be used in ``store`` of ``chain``? (Empty lists: everywhere.)"""
    return _place_reason(rule, store, chain) is None


def for_customer(rule: Rule, is_employee: bool) -> bool:
    """Is the rule for this customer? Employee rules are for employees only."""
    return is_employee or not rule.employee


def why_not(
    rule: Rule,
    *,
    when: datetime,
    zone: ZoneInfo,
    store: str,
    chain: str,
    is_employee: bool,
    automatic_only: bool = True,
) -> NotApplicable | None:
    """The first reason the rule does not apply here, now, to this customer; None if it does.

    ``automatic_only``: only ``automatic`` rules apply by themselves (a basket priced without
    staff); the others are staff's to apply.
    """
    if automatic_only and not rule.automatic:
        return NotApplicable.NOT_AUTOMATIC
    if not for_customer(rule, is_employee):
        return NotApplicable.EMPLOYEE_ONLY
    return _place_reason(rule, store, chain) or _time_reason(rule, when, zone)
