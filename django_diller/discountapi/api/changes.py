"""Every change the API makes to a discount: checked, stored and kept in the audit log, in one
database transaction.

Each change reads the discount under a row lock (``select_for_update``), so that two calls that
add stores at once both land; checks the discount as it would be stored with the rules admin
shares (:func:`~django_diller.discountapi.validation.discount_errors`); and records the change
with the discount's document before and after (``source="api"``, the caller's application as
the actor). A failed check changes nothing and records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from .. import audit
from ..models import Discount
from ..validation import DOCUMENT_FIELDS, MAX_ID_LENGTH, discount_errors, discount_values
from . import codes
from .errors import ApiError

SOURCE = "api"

# The lists a back office adds to or removes from, by model field: the audit log's actions.
LISTS = {
    "combinable_with": ("combinable added", "combinable removed"),
    "stores": ("stores added", "store removed"),
    "dist_chains": ("dist chains added", "dist chain removed"),
}


def could_exist(discount_id: str) -> bool:
    """Whether a discount could have this id: never asks the database about a value it would
    refuse (PostgreSQL refuses text with a NUL character)."""
    return 0 < len(discount_id) <= MAX_ID_LENGTH and "\x00" not in discount_id


def found(discount_id: str) -> Discount:
    """The discount with ``discount_id`` (404 if none)."""
    if not could_exist(discount_id):
        raise ApiError(codes.DISCOUNT_NOT_FOUND)
    discount = Discount.objects.filter(discount_id=discount_id).first()
    if discount is None:
        raise ApiError(codes.DISCOUNT_NOT_FOUND)
    return discount


def locked(discount_id: str) -> Discount:
    """The discount with ``discount_id``, locked for this transaction (404 if none)."""
    if not could_exist(discount_id):
        raise ApiError(codes.DISCOUNT_NOT_FOUND)
    discount = Discount.objects.select_for_update().filter(discount_id=discount_id).first()
    if discount is None:
        raise ApiError(codes.DISCOUNT_NOT_FOUND)
    return discount


def check(discount: Discount, names: Mapping[str, str] = DOCUMENT_FIELDS) -> None:
    """Refuse ``discount`` (400, by the caller's field ``names``) if it breaks a rule."""
    errors = discount_errors(discount_values(discount))
    if errors:
        raise ApiError(
            codes.INVALID_BODY,
            errors=[
                (names.get(field, field), message)
                for field, messages in errors.items()
                for message in messages
            ],
        )


def create(values: Mapping[str, Any], *, actor: str) -> Discount:
    """A new discount from ``values`` (model field names); 409 if its id is taken."""
    discount = Discount(**values)
    check(discount)
    with transaction.atomic():
        if Discount.objects.filter(discount_id=discount.discount_id).exists():
            raise ApiError(codes.DUPLICATE_ID)
        try:
            with transaction.atomic():
                discount.save()
        except IntegrityError:  # created by another request in the meantime
            raise ApiError(codes.DUPLICATE_ID) from None
        audit.record(
            discount.discount_id,
            "created",
            actor=actor,
            source=SOURCE,
            before=None,
            after=discount.to_document(),
        )
    return discount


def update(discount_id: str, values: Mapping[str, Any], *, actor: str) -> Discount:
    """Change the fields in ``values`` (model field names) of the discount ``discount_id``."""
    with transaction.atomic():
        discount = locked(discount_id)
        before = discount.to_document()
        for field, value in values.items():
            setattr(discount, field, value)
        check(discount)
        discount.save()
        audit.record(
            discount_id,
            "updated",
            actor=actor,
            source=SOURCE,
            before=before,
            after=discount.to_document(),
        )
    return discount


def delete(discount_id: str, *, actor: str) -> None:
    """Delete the discount ``discount_id``. Other discounts' ``combinableWith`` keep its id, so
    that a discount created again under it combines as before."""
    with transaction.atomic():
        discount = locked(discount_id)
        before = discount.to_document()
        discount.delete()
        audit.record(discount_id, "deleted", actor=actor, source=SOURCE, before=before, after=None)


def add(discount_id: str, field: str, ids: Iterable[str], *, body_key: str, actor: str) -> Discount:
    """Add ``ids`` to the list ``field`` of a discount, after those it holds, without repeats."""
    with transaction.atomic():
        discount = locked(discount_id)
        before = discount.to_document()
        current = list(getattr(discount, field) or [])
        setattr(discount, field, list(dict.fromkeys([*current, *ids])))
        check(discount, {**DOCUMENT_FIELDS, field: body_key})
        discount.save()
        audit.record(
            discount_id,
            LISTS[field][0],
            actor=actor,
            source=SOURCE,
            before=before,
            after=discount.to_document(),
        )
    return discount


def remove(discount_id: str, field: str, item: str, *, actor: str) -> Discount:
    """Remove ``item`` from the list ``field`` of a discount (404 if the list lacks it)."""
    with transaction.atomic():
        discount = locked(discount_id)
        before = discount.to_document()
        current = list(getattr(discount, field) or [])
        if item not in current:
            raise ApiError(codes.ENTRY_NOT_FOUND)
        setattr(discount, field, [value for value in current if value != item])
        discount.save()
        audit.record(
            discount_id,
            LISTS[field][1],
            actor=actor,
            source=SOURCE,
            before=before,
            after=discount.to_document(),
        )
    return discount
