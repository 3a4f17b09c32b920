"""The discount rules in force, as the pricing reads them: once per request at most.

Pricing runs on every request that shows a basket, so the rules are not read from the database
each time: :func:`active_rules` keeps them in the process for ``DISCOUNT_API
['RULES_CACHE_SECONDS']`` (5 by default), and reads them again at once after a discount is
saved or deleted in this process (the API's and admin's changes). Another process's changes
show within those seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .conf import discount_api_settings, store_zone
from .models import Discount
from .rules import NotApplicable, Rule, why_not


def rule_from_discount(discount: Discount) -> Rule:
    """The pure :class:`Rule` of a saved discount."""
    return Rule(
        discount_id=discount.discount_id,
        name=discount.name,
        rate=discount.rate,
        type=discount.type,
        automatic=discount.automatic,
        manual_rate=discount.manual_rate,
        employee=discount.employee,
        calculated_from_base_price=discount.calculated_from_base_price,
        combinable_with=frozenset(discount.combinable_with or ()),
        valid_from_date=discount.valid_from_date,
        valid_until_date=discount.valid_until_date,
        valid_from_time=discount.valid_from_time,
        valid_until_time=discount.valid_until_time,
        days_of_week=frozenset(discount.days_of_week or ()),
        stores=frozenset(discount.stores or ()),
        dist_chains=frozenset(discount.dist_chains or ()),
    )


_lock = threading.Lock()
_cache: dict[str, Any] = {"rules": None, "read_at": 0.0, "changes": 0}
_changes = 0


def _discount_changed(**kwargs: Any) -> None:
    global _changes
    _changes += 1


post_save.connect(_discount_changed, sender=Discount, dispatch_uid="diller-discount-saved")
post_delete.connect(_discount_changed, sender=Discount, dispatch_uid="diller-discount-deleted")


def active_rules() -> tuple[Rule, ...]:
    """Every discount rule, as :class:`Rule` (one query every few seconds, see above)."""
    ttl = float(discount_api_settings.RULES_CACHE_SECONDS)
    now = time.monotonic()
    with _lock:
        rules = _cache["rules"]
        if rules is not None and _cache["changes"] == _changes and now - _cache["read_at"] < ttl:
            return rules  # type: ignore[no-any-return]
    changes = _changes
    rules = tuple(rule_from_discount(d) for d in Discount.objects.all())
    with _lock:
        _cache.update(rules=rules, read_at=now, changes=changes)
    return rules


def forget_rules() -> None:
    """Read the rules again on the next pricing (tests; after a bulk change)."""
    with _lock:
        _cache["rules"] = None
    _forget_employee_answers()


_employees: dict[tuple[int, str], tuple[bool, float]] = {}
_EMPLOYEES_KEPT = 4096  # users whose answer a process keeps at most
_employee_changes = 0  # group changes seen by this process: an answer read across one is not kept


def is_employee(user: Any) -> bool:
    """Is ``user`` one of the shop's employees (a member of ``DISCOUNT_API['EMPLOYEE_GROUP']``)?

    Every priced page asks while an employee rule applies, so the answer is kept in the process
    as long as the rules are (``RULES_CACHE_SECONDS``), and forgotten at once when this
    process changes a user's groups or a group.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    group = discount_api_settings.EMPLOYEE_GROUP
    if not group:
        return False
    key = (user.pk, str(group))
    ttl = float(discount_api_settings.RULES_CACHE_SECONDS)
    now = time.monotonic()
    kept = _employees.get(key)
    if kept is not None and now - kept[1] < ttl:
        return kept[0]
    changes = _employee_changes
    answer = bool(user.groups.filter(name=group).exists())
    with _lock:
        if changes == _employee_changes:  # no group change while it was read
            if len(_employees) >= _EMPLOYEES_KEPT:
                _employees.clear()
            _employees[key] = (answer, now)
    return answer


def forget_employees(**kwargs: Any) -> None:
    """Ask the group again (a user's groups or a group changed): at once, and again once the
    change is committed, since another request may read and keep the old answer meanwhile."""
    _forget_employee_answers()
    transaction.on_commit(_forget_employee_answers)


def _forget_employee_answers() -> None:
    global _employee_changes
    with _lock:
        _employee_changes += 1
        _employees.clear()


def _connect_group_changes() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed

    through = get_user_model().groups.through
    m2m_changed.connect(forget_employees, sender=through, dispatch_uid="diller-employee-groups")
    post_save.connect(forget_employees, sender=Group, dispatch_uid="diller-employee-group-saved")
    post_delete.connect(
        forget_employees, sender=Group, dispatch_uid="diller-employee-group-deleted"
    )


_connect_group_changes()


@dataclass(frozen=True)
class Place:
    """Where and when the shop prices: its store, chain and time zone."""

    store: str
    chain: str
    zone: ZoneInfo


def this_shop() -> Place:
    """The web shop's store number, chain and time zone (``DISCOUNT_API``)."""
    return Place(
        store=str(discount_api_settings.STORE_NUMBER),
        chain=str(discount_api_settings.DIST_CHAIN),
        zone=store_zone(),
    )


def why_not_here(
    rule: Rule, *, when: datetime, place: Place, employee: bool, automatic_only: bool = True
) -> NotApplicable | None:
    """Why ``rule`` does not apply at ``place`` at ``when`` (None: it does); see
    :func:`~django_diller.discountapi.rules.why_not`."""
    return why_not(
        rule,
        when=when,
        zone=place.zone,
        store=place.store,
        chain=place.chain,
        is_employee=employee,
        automatic_only=automatic_only,
    )


def reasons(
    rules: tuple[Rule, ...] | list[Rule], *, when: datetime, employee: bool, place: Place
) -> list[tuple[Rule, NotApplicable | None]]:
    """Each rule with why it does not apply by itself here and now (None: it does)."""
    return [(rule, why_not_here(rule, when=when, place=place, employee=employee)) for rule in rules]


def applicable(
    rules: tuple[Rule, ...] | list[Rule], *, when: datetime, employee: bool, place: Place
) -> list[Rule]:
    """The rules that apply by themselves here and now, to this customer."""
    return [
        rule
        for rule, reason in reasons(rules, when=when, employee=employee, place=place)
        if reason is None
    ]
