"""Diller's non-eligible products: goods that take no discount, no stamp and earn no points.

Diller keeps one list per store (gift cards, deposits, tobacco...). An entry names a product id,
an id prefix or a category id. The tills read it; so does the web shop:

* **Reading.** :func:`current_list` is what pricing uses on every request. It never calls
  Diller: it reads the Django cache and, when the cache is cold, the last copy kept in the
  database (:class:`~django_diller.models.NonEligibleSnapshot`). When that copy is older than
  ``DILLER['NON_ELIGIBLE_CACHE_SECONDS']`` it queues a Celery task (after the commit) that
  fetches the list again (:func:`refresh_list`).
* **Writing.** The shop's own marks (staff mark Oscar product classes or products) become
  entries on Diller's list by :func:`push_entries`: it reconciles the product ids the marks
  ask for with what is at Diller, adding in batches of at most 100, updating descriptions and
  deleting the entries of unmarked products. Each id's progress is a
  :class:`~django_diller.models.NonEligibleEntry` row (pushed, waiting, or failed with the
  last error), so a failure is visible and the next push tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import request_memo
from ..api import (
    DillerClient,
    DillerError,
    DillerNotFound,
    DillerRefused,
    DillerUnavailable,
    DillerValidationError,
)
from ..api import models as wire
from ..api.errors import ProblemDetailsError
from ..conf import app_settings
from ..models import NonEligibleEntry, NonEligibleSnapshot
from .connection import current_store_id, get_client

logger = logging.getLogger("django_diller.non_eligible")

MAX_BATCH = 100  # Diller's limit for the add and update batches
PAGE_SIZE = 100
MAX_PAGES = 1000  # a guard against a server that never ends its list
# A stale list is read from the database at most this often while its refresh is on its way.
STALE_RECHECK_SECONDS = 60
PUSH_LOCK_SECONDS = 300
ERROR_LENGTH = 500

State = NonEligibleEntry.State


# The list ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One entry of Diller's list: a product id, an id prefix or a category id."""

    diller_id: int | None = None
    product_id: str | None = None
    prefix: str | None = None
    category_id: int | None = None
    expires_at: datetime | None = None

    @classmethod
    def from_wire(cls, item: wire.NonEligibleProductResponse) -> Rule:
        return cls(
            diller_id=item.id,
            product_id=item.product_id or None,
            prefix=item.product_id_prefix or None,
            category_id=item.product_category_id,
            expires_at=_expiry(item.expires_at),
        )

    def is_active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at >= now

    def matches(self, product_ids: Collection[str], category_id: str | None) -> bool:
        if self.product_id and self.product_id in product_ids:
            return True
        if self.prefix and any(i.startswith(self.prefix) for i in product_ids):
            return True
        return self.category_id is not None and category_id == str(self.category_id)


def _expiry(value: str | None) -> datetime | None:
    """``expires_at`` is a plain string in the contract: a date-time, a date, or unreadable
    (then the entry is taken as not expiring: better no discount than a wrong one)."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value) or parse_datetime(f"{value}T23:59:59")
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


@dataclass(frozen=True)
class NonEligibleList:
    """Diller's list for one store as pricing uses it."""

    store_id: str
    rules: tuple[Rule, ...] = ()
    fetched_at: datetime | None = None  # None: never fetched

    def __bool__(self) -> bool:
        return bool(self.rules)

    @property
    def names_categories(self) -> bool:
        """Does any entry name a category (else the product's category need not be looked up)?"""
        return any(rule.category_id is not None for rule in self.rules)

    def is_stale(self, now: datetime) -> bool:
        if self.fetched_at is None:
            return True
        return now - self.fetched_at >= timedelta(seconds=_lifetime())

    def matches(
        self, product_ids: Collection[str], category_id: str | None = None, *, now: datetime
    ) -> bool:
        ids = {str(i) for i in product_ids if i}
        return any(r.is_active(now) and r.matches(ids, category_id) for r in self.rules)


def _lifetime() -> int:
    return max(1, int(app_settings.NON_ELIGIBLE_CACHE_SECONDS))


def _cache_key(store_id: str) -> str:
    return f"diller:non-eligible:{store_id}"


def _refresh_queued_key(store_id: str) -> str:
    return f"diller:non-eligible:{store_id}:refresh-queued"


def _from_items(store_id: str, items: list, fetched_at: datetime | None) -> NonEligibleList:
    rules = []
    for data in items:
        try:
            rules.append(Rule.from_wire(wire.NonEligibleProductResponse.model_validate(data)))
        except ValueError:
            logger.warning("diller: an unreadable non-eligible entry was left out")
    return NonEligibleList(store_id, tuple(rules), fetched_at)


def current_list(store_id: str | None = None) -> NonEligibleList:
    """The list pricing uses. Never calls Diller (see the module docstring). Read once per
    request (see :mod:`django_diller.request_memo`)."""
    store = store_id or current_store_id()
    if not store:
        return NonEligibleList("")
    key = _cache_key(store)
    return request_memo.remembered(key, partial(_cached_list, store, key))


def _cached_list(store: str, key: str) -> NonEligibleList:
    cached = cache.get(key)
    if cached is not None:
        return cached
    row = NonEligibleSnapshot.objects.filter(store_id=store).first()
    found = _from_items(store, row.items, row.fetched_at) if row else NonEligibleList(store)
    now = timezone.now()
    if found.is_stale(now):
        cache.set(key, found, STALE_RECHECK_SECONDS)
        schedule_refresh(store)
    else:
        left = _lifetime() - (now - found.fetched_at).total_seconds()
        cache.set(key, found, max(1, int(left)))
    return found


def schedule_refresh(store_id: str) -> None:
    """Queue :func:`refresh_list` in a Celery task once the current transaction commits, at most
    once a minute per store. A broker that is down is logged, never raised: pricing goes on."""
    if not cache.add(_refresh_queued_key(store_id), True, STALE_RECHECK_SECONDS):
        return
    transaction.on_commit(partial(_send_refresh, store_id))


def _send_refresh(store_id: str) -> None:
    from .tasks import refresh_non_eligible_products

    try:
        refresh_non_eligible_products.delay(store_id)
    except Exception:
        logger.exception("diller: could not queue the non-eligible list refresh")


def fetch_entries(client) -> list[wire.NonEligibleProductResponse]:
    """Every entry of the store's list, page by page.

    Ends on an empty or short page, or once ``total_records`` are read; follows the page size
    the server answers with when it caps the one asked for.
    """
    entries: list[wire.NonEligibleProductResponse] = []
    offset = 0
    for _page in range(MAX_PAGES):
        page = client.get_non_eligible_products(offset=offset, limit=PAGE_SIZE)
        entries.extend(page.data)
        size = page.limit if page.limit and page.limit < PAGE_SIZE else PAGE_SIZE
        offset += len(page.data)
        done_by_count = page.total_records is not None and offset >= page.total_records
        if not page.data or len(page.data) < size or done_by_count:
            return entries
    logger.warning("diller: the non-eligible list did not end after %d pages", MAX_PAGES)
    return entries


def save_list(store_id: str, entries: list[wire.NonEligibleProductResponse]) -> NonEligibleList:
    """Keep a freshly fetched list: in the database (for a cold cache) and in the cache."""
    now = timezone.now()
    items = [e.model_dump(mode="json", exclude_none=True) for e in entries]
    NonEligibleSnapshot.objects.update_or_create(
        store_id=store_id, defaults={"items": items, "fetched_at": now}
    )
    fresh = NonEligibleList(store_id, tuple(Rule.from_wire(e) for e in entries), now)
    cache.set(_cache_key(store_id), fresh, _lifetime())
    request_memo.forget(_cache_key(store_id))
    return fresh


def refresh_list(store_id: str | None = None) -> NonEligibleList:
    """Fetch the list from Diller and keep it (raises the client's errors)."""
    store = store_id or current_store_id() or ""
    try:
        return save_list(store, fetch_entries(get_client(store)))
    finally:
        cache.delete(_refresh_queued_key(store))


# Pushing the shop's marks ----------------------------------------------------------------------
class PushBusy(Exception):
    """Another push for this store is running; try again shortly."""


@dataclass
class PushResult:
    added: int = 0
    adopted: int = 0  # already on Diller's list (the tills' entry, or an earlier add)
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # product id -> last error


def _short(error: Exception) -> str:
    """The error for staff: Diller's own ``detail`` too (about the entry, not a person)."""
    text = error.for_staff() if isinstance(error, DillerRefused) else str(error)
    if isinstance(error, ProblemDetailsError) and error.detail:
        text = f"{text}: {error.detail}"
    return text[:ERROR_LENGTH]


def _chunks(items: list, size: int = MAX_BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Push:
    store_id: str
    client: DillerClient
    result: PushResult = field(default_factory=PushResult)
    at_diller: dict[int, wire.NonEligibleProductResponse] = field(default_factory=dict)

    # -- Diller's side --
    def read(self) -> None:
        self.at_diller = {e.id: e for e in fetch_entries(self.client) if e.id is not None}

    def by_product_id(self, product_id: str) -> wire.NonEligibleProductResponse | None:
        """Diller's entry for exactly this product id (not a prefix or category entry)."""
        for entry in self.at_diller.values():
            if entry.product_id == product_id and not entry.product_id_prefix:
                return entry
        return None

    # -- the rows --
    def done(self, row: NonEligibleEntry, diller_id: int | None) -> None:
        row.diller_id, row.state, row.last_error = diller_id, State.PUSHED, ""
        row.pushed_at = timezone.now()
        row.save(update_fields=["diller_id", "state", "last_error", "pushed_at", "updated_at"])

    def fail(self, row: NonEligibleEntry, error: Exception | str) -> None:
        message = error if isinstance(error, str) else _short(error)
        row.state, row.last_error = State.ERROR, message
        row.save(update_fields=["diller_id", "state", "last_error", "updated_at"])
        self.result.failed += 1
        self.result.errors[row.product_id] = message
        logger.warning("diller: non-eligible entry %s not pushed: %s", row.product_id, message)

    # -- wanted rows --
    def place(self, rows: list[NonEligibleEntry]) -> None:
        """Add what Diller lacks, adopt what it has (an entry the tills made, or an add whose
        answer was lost), and bring descriptions in line (the shop's product title wins)."""
        to_add, to_update = [], []
        for row in rows:
            entry = self.at_diller.get(row.diller_id) if row.diller_id is not None else None
            if entry is None and (entry := self.by_product_id(row.product_id)) is not None:
                self.result.adopted += 1
                row.diller_id, row.state = entry.id, State.PENDING
            if entry is None:
                row.diller_id = None  # gone from Diller's list, or never there
                to_add.append(row)
            elif row.description and entry.description != row.description:
                to_update.append(row)
            elif row.state != State.PUSHED:
                self.done(row, entry.id)
        for batch in _chunks(to_add):
            self.add(batch)
        for batch in _chunks(to_update):
            self.update(batch)

    def add(self, rows: list[NonEligibleEntry]) -> None:
        items = [
            wire.AddNonEligibleProductRequest(
                product_id=row.product_id,
                description=row.description or None,
                subsystem=str(app_settings.SYSTEM_ID),
            )
            for row in rows
        ]
        try:
            created = self.client.add_non_eligible_products(items)
        except DillerValidationError as error:
            # One refused item (one already there, one Diller will not take) refuses the batch:
            # adopt what is there now, then add the rest one by one to learn which fails.
            logger.info("diller: a non-eligible batch was refused (%s); adding one by one", error)
            self.read()
            for row in rows:
                if (entry := self.by_product_id(row.product_id)) is not None:
                    self.result.adopted += 1
                    self.done(row, entry.id)
                elif len(rows) == 1:
                    self.fail(row, error)
                else:
                    self.add([row])
            return
        self.confirm(rows, created)

    def confirm(self, rows: list[NonEligibleEntry], created) -> None:
        """Take the ids from the answer; the contract does not promise them (an empty list, or
        entries without ids, are both allowed), so read the list for those it left out."""
        ids = {c.product_id: c.id for c in created if c.product_id and c.id is not None}
        if any(row.product_id not in ids for row in rows):
            self.read()
        for row in rows:
            entry_id = ids.get(row.product_id)
            if entry_id is None and (entry := self.by_product_id(row.product_id)) is not None:
                entry_id = entry.id
            if entry_id is None:
                self.fail(row, "Diller accepted the entry but does not list it.")
            else:
                self.result.added += 1
                self.done(row, entry_id)

    def update(self, rows: list[NonEligibleEntry]) -> None:
        # The whole entry as Diller has it, with the new description: an update may well
        # replace what it is not sent.
        items = [
            wire.UpdateNonEligibleProductRequest.model_validate(
                {
                    **self.at_diller[row.diller_id].model_dump(exclude_none=True),
                    "description": row.description,
                }
            )
            for row in rows
        ]
        try:
            self.client.update_non_eligible_products(items)
        except (DillerRefused, DillerNotFound) as error:
            # An id the list no longer has (refused, or a 404: the contract allows both):
            # entries deleted at Diller since the list was read are placed again.
            self.read()
            gone = [row for row in rows if row.diller_id not in self.at_diller]
            for row in rows:
                if row in gone:
                    row.diller_id = None
                else:
                    self.fail(row, error)
            self.place(gone)
            return
        except DillerValidationError as error:
            for row in rows:
                self.fail(row, error)
            return
        for row in rows:
            self.result.updated += 1
            self.done(row, row.diller_id)

    # -- unwanted rows --
    def remove(self, row: NonEligibleEntry) -> None:
        entry = self.at_diller.get(row.diller_id) if row.diller_id is not None else None
        if entry is None:
            # Not pushed, or an add whose answer was lost: delete the entry this shop made.
            found = self.by_product_id(row.product_id)
            if found is not None and found.subsystem == str(app_settings.SYSTEM_ID):
                entry = found
        if entry is not None:
            try:
                self.client.delete_non_eligible_product(entry.id)
            except DillerNotFound:
                pass  # already gone
            except (DillerRefused, DillerValidationError) as error:
                self.read()  # refused because it is gone (the contract allows that answer)?
                if entry.id in self.at_diller:
                    self.fail(row, error)
                    return
            self.at_diller.pop(entry.id, None)
            self.result.deleted += 1
        row.delete()


def plan_entries(store_id: str, wanted: Mapping[str, str]) -> None:
    """Write what the marks ask for (product id -> description) as rows to push."""
    rows = {r.product_id: r for r in NonEligibleEntry.objects.filter(store_id=store_id)}
    for product_id, description in wanted.items():
        row = rows.get(product_id)
        description = description[:255]
        if row is None:
            NonEligibleEntry.objects.create(
                store_id=store_id, product_id=product_id, description=description
            )
        elif not row.wanted or row.description != description or row.state == State.ERROR:
            row.wanted, row.description, row.state = True, description, State.PENDING
            row.save(update_fields=["wanted", "description", "state", "updated_at"])
    for product_id, row in rows.items():
        if row.wanted and product_id not in wanted:
            row.wanted, row.state = False, State.PENDING
            row.save(update_fields=["wanted", "state", "updated_at"])
        elif not row.wanted and row.state == State.ERROR:
            row.state = State.PENDING
            row.save(update_fields=["state", "updated_at"])


def push_entries(wanted: Mapping[str, str], store_id: str | None = None) -> PushResult:
    """Make Diller's list hold the wanted product ids (and no longer those once wanted).

    Diller being unavailable raises :class:`~django_diller.api.DillerUnavailable` after noting it
    on the rows still waiting (the Celery task retries); another push running raises
    :class:`PushBusy`. Ends by keeping the list as it now is at Diller (:func:`save_list`).
    """
    store = store_id or current_store_id() or ""
    lock = f"diller:non-eligible:{store}:push-lock"
    if not cache.add(lock, True, PUSH_LOCK_SECONDS):
        raise PushBusy(store)
    try:
        plan_entries(store, wanted)
        push = _Push(store, get_client(store))
        try:
            push.read()
            rows = list(NonEligibleEntry.objects.filter(store_id=store).order_by("product_id"))
            push.place([r for r in rows if r.wanted])
            for row in (r for r in rows if not r.wanted):
                push.remove(row)
            save_list(store, fetch_entries(push.client))
        except DillerUnavailable as error:
            _note_waiting(store, error)
            raise
        except DillerError as error:  # refused credentials, an answer off the contract...
            _note_waiting(store, error, failed=True)
            push.result.errors[""] = _short(error)
        return push.result
    finally:
        cache.delete(lock)


def _note_waiting(store_id: str, error: Exception, *, failed: bool = False) -> None:
    """Note on the rows not pushed why: still waiting (Diller unavailable: the task retries)
    or failed (an error a retry does not mend)."""
    changes = {"last_error": _short(error), "updated_at": timezone.now()}
    if failed:
        changes["state"] = State.ERROR
    NonEligibleEntry.objects.filter(store_id=store_id).exclude(state=State.PUSHED).update(**changes)
    logger.warning("diller: non-eligible entries not pushed: %s", _short(error))
