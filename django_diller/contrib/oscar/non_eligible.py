"""Staff's non-eligible marks on Oscar product classes and products, and their push to Diller.

A mark applies in the shop at once (:func:`is_marked`, which the default adapter asks on every
pricing; the marks are cached and the cache is dropped whenever a mark changes). Pushing makes
Diller's non-eligible list hold every product the marks cover, by its external id, so that the
tills give those products no discount, stamp or points either: a Celery task
(:func:`~django_diller.contrib.oscar.tasks.push_non_eligible_products`) is queued when a mark
is added or removed and when a product a mark covers is saved for the first time, and runs
:func:`push_marks` (which retries while Diller is unavailable).

Products that leave a marked class, or change their UPC, reach Diller on the next push; run
the task from Celery beat too (say hourly) to catch those and any push that was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from oscar.core.loading import get_model

from ... import request_memo
from ...adapter import get_adapter
from ...loyalty.connection import current_store_id
from ...loyalty.non_eligible import PushResult, push_entries
from ...models import NonEligibleEntry
from .marks import NonEligibleMark

logger = logging.getLogger("django_diller.oscar")

Product = get_model("catalogue", "Product")

MARKS_CACHE_KEY = "diller:oscar:non-eligible-marks"
MARKS_CACHE_SECONDS = 3600
Status = NonEligibleMark.Status


# The marks in the shop ----------------------------------------------------------------------
@dataclass(frozen=True)
class Marked:
    product_class_ids: frozenset[int]
    product_ids: frozenset[int]


def marked() -> Marked:
    """The marked product classes and products (cached: one query when the cache is cold;
    read once per request, see :mod:`django_diller.request_memo`)."""
    return request_memo.remembered(MARKS_CACHE_KEY, _cached_marks)


def _cached_marks() -> Marked:
    found = cache.get(MARKS_CACHE_KEY)
    if found is None:
        rows = list(NonEligibleMark.objects.values_list("product_class_id", "product_id"))
        found = Marked(
            frozenset(c for c, _p in rows if c is not None),
            frozenset(p for _c, p in rows if p is not None),
        )
        cache.set(MARKS_CACHE_KEY, found, MARKS_CACHE_SECONDS)
    return found


def forget_marks() -> None:
    """Drop the cached marks now and again after the commit (a request that read the old marks
    in between must not keep them)."""
    cache.delete(MARKS_CACHE_KEY)
    request_memo.forget(MARKS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(MARKS_CACHE_KEY))


def is_marked(product) -> bool:
    """Did staff mark the product, its parent (for a variant) or its product class?"""
    marks = marked()
    if not marks.product_class_ids and not marks.product_ids:
        return False
    if product.pk in marks.product_ids or product.parent_id in marks.product_ids:
        return True
    class_id = product.product_class_id
    if class_id is None and product.parent_id is not None:
        class_id = product.parent.product_class_id
    return class_id in marks.product_class_ids


def covered_products(mark: NonEligibleMark | None = None):
    """The products one mark (or all of them) covers, variants included."""
    marks = [mark] if mark is not None else list(NonEligibleMark.objects.all())
    class_ids = [m.product_class_id for m in marks if m.product_class_id]
    product_ids = [m.product_id for m in marks if m.product_id]
    if not class_ids and not product_ids:
        return Product.objects.none()
    return Product.objects.filter(
        Q(product_class_id__in=class_ids)
        | Q(parent__product_class_id__in=class_ids)
        | Q(pk__in=product_ids)
        | Q(parent_id__in=product_ids)
    ).select_related("parent")


def wanted_entries(mark: NonEligibleMark | None = None) -> dict[str, str]:
    """External product id -> description, for Diller's list."""
    adapter = get_adapter()
    return {
        adapter.product_external_id(product): product.get_title()
        for product in covered_products(mark).order_by("pk")
    }


# Pushing ------------------------------------------------------------------------------------
def push_marks(store_id: str | None = None) -> PushResult:
    """Push what the marks cover to Diller's list, then note on each mark how that went."""
    store = store_id or current_store_id() or ""
    try:
        return push_entries(wanted_entries(), store)
    finally:
        note_statuses(store)


def note_statuses(store_id: str) -> None:
    """Each mark's status from its products' entries: failed if one failed, waiting if one
    waits, else on Diller's list. Written with ``update()`` (no signals, no new push)."""
    rows = {
        row.product_id: row
        for row in NonEligibleEntry.objects.filter(store_id=store_id, wanted=True)
    }
    now = timezone.now()
    for mark in NonEligibleMark.objects.all():
        entries = [rows.get(product_id) for product_id in wanted_entries(mark)]
        failed = [e for e in entries if e is not None and e.state == NonEligibleEntry.State.ERROR]
        waiting = [e for e in entries if e is None or e.state == NonEligibleEntry.State.PENDING]
        if failed:
            changes = {"status": Status.ERROR, "last_error": failed[0].last_error}
        elif waiting:
            error = next((e.last_error for e in waiting if e is not None and e.last_error), "")
            changes = {"status": Status.PENDING, "last_error": error}
        else:
            changes = {"status": Status.PUSHED, "last_error": "", "pushed_at": now}
        NonEligibleMark.objects.filter(pk=mark.pk).update(**changes)


_batch: ContextVar[list[bool] | None] = ContextVar("diller_non_eligible_batch", default=None)


@contextmanager
def one_push() -> Iterator[None]:
    """Changes made inside queue one push between them (an admin action on many rows)."""
    token = _batch.set([])
    try:
        yield
    finally:
        asked = _batch.get()
        _batch.reset(token)
        if asked:
            queue_push()


def queue_push() -> None:
    """Queue the push task once the current transaction commits."""
    asked = _batch.get()
    if asked is not None:
        asked.append(True)
        return
    transaction.on_commit(_send_push)


def _send_push() -> None:
    from .tasks import push_non_eligible_products

    try:
        push_non_eligible_products.delay()
    except Exception:  # a broker that is down must not break the staff's save
        logger.exception("diller: could not queue the non-eligible push")


# Receivers ----------------------------------------------------------------------------------
@receiver(post_save, sender=NonEligibleMark, dispatch_uid="diller-non-eligible-mark-saved")
@receiver(post_delete, sender=NonEligibleMark, dispatch_uid="diller-non-eligible-mark-deleted")
def mark_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    forget_marks()
    queue_push()


@receiver(post_save, sender=Product, dispatch_uid="diller-non-eligible-product-saved")
def product_saved(sender, instance, raw=False, **kwargs) -> None:
    """A product a mark covers that Diller's list does not hold yet (a new gift card)."""
    if raw or not is_marked(instance):
        return
    product_id = get_adapter().product_external_id(instance)
    if not NonEligibleEntry.objects.filter(product_id=product_id, wanted=True).exists():
        queue_push()


@receiver(post_delete, sender=Product, dispatch_uid="diller-non-eligible-product-deleted")
def product_deleted(sender, instance, **kwargs) -> None:
    """A deleted product's entry leaves Diller's list (its id may come from a parent that is
    gone too, so any product deleted while entries exist queues a push: deletions are rare)."""
    if NonEligibleEntry.objects.filter(wanted=True).exists():
        queue_push()
