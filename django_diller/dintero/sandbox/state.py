"""The sandbox's in-memory data: Dintero accounts, their API clients and their receipts.

Plain dataclasses with small queries. Every read and write from a handler happens under
:attr:`SandboxState.lock` (an ``RLock``; the HTTP server answers on many threads), taken once
per request by the app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django_diller.sandbox import codec

# The receipt's own fields the sandbox sets (Dintero's ``Entity``); a request cannot set them.
ENTITY_FIELDS = ("id", "created_at", "created_by", "updated_at", "deleted_at", "deleted_by")

# The fields of ``ReceiptMinimal`` beyond ``Entity``: what a customer's list promises.
MINIMAL_FIELDS = ("store", "items", "gross_amount", "net_amount", "currency", "purchase_at")


@dataclass
class ApiClient:
    client_id: str
    client_secret: str


@dataclass
class StoredReceipt:
    """One receipt: what was posted (``data``, minus the entity fields) and its entity fields."""

    id: str  # a UUID
    seq: int  # creation order within the sandbox (breaks ties between equal purchase times)
    data: dict[str, Any]
    created_at: datetime
    created_by: str
    updated_at: datetime
    purchased: datetime  # ``purchase_at`` parsed, for ordering and segments

    @property
    def receipt_id(self) -> str:
        return str(self.data["receipt_id"])

    @property
    def store_id(self) -> str:
        return str(self.data["store"]["id"])

    @property
    def customer_id(self) -> str | None:
        value = self.data.get("customer_id")
        return value if isinstance(value, str) else None

    @property
    def key(self) -> tuple[str, str]:
        """What makes a receipt a duplicate: the same POS receipt id in the same store."""
        return (self.store_id, self.receipt_id)

    def entity(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": codec.iso(self.created_at),
            "created_by": self.created_by,
            "updated_at": codec.iso(self.updated_at),
        }

    def payload(self) -> dict[str, Any]:
        """The receipt as Dintero answers it (``Receipt``)."""
        return {**self.data, **self.entity()}

    def minimal(self) -> dict[str, Any]:
        """The receipt cut down to ``ReceiptMinimal``."""
        kept = {name: self.data[name] for name in MINIMAL_FIELDS if name in self.data}
        return {**kept, **self.entity()}

    def add_extra_info(self, key: str, value: str, value_type: str = "string") -> None:
        extra = self.data.setdefault("extra_info", [])
        extra.append({"key": key, "value": value, "value_type": value_type})


@dataclass
class Account:
    """A Dintero account (``T`` for test, ``P`` for production, then eight digits)."""

    aid: str
    clients: dict[str, ApiClient] = field(default_factory=dict)
    receipts: dict[str, StoredReceipt] = field(default_factory=dict)  # by id
    claimed_tokens: set[str] = field(default_factory=set)  # ``jti`` of used receipt tokens

    def by_key(self, store_id: str, receipt_id: str) -> StoredReceipt | None:
        return next((r for r in self.receipts.values() if r.key == (store_id, receipt_id)), None)

    def by_receipt_id(self, receipt_id: str) -> list[StoredReceipt]:
        return newest_first(r for r in self.receipts.values() if r.receipt_id == receipt_id)

    def of_customer(self, customer_id: str) -> list[StoredReceipt]:
        return newest_first(r for r in self.receipts.values() if r.customer_id == customer_id)

    def find(self, reference: str, among: list[StoredReceipt] | None = None) -> list[StoredReceipt]:
        """Receipts a path's ``{receipt_id}`` names: the one with that ``id``, else those with
        that POS ``receipt_id`` (the document calls the parameter both)."""
        pool = list(self.receipts.values()) if among is None else among
        by_id = [r for r in pool if r.id == reference]
        return by_id or newest_first(r for r in pool if r.receipt_id == reference)


def newest_first(receipts: Any) -> list[StoredReceipt]:
    return sorted(receipts, key=lambda r: (r.purchased, r.seq), reverse=True)


DuplicateAnswer = Literal["counted", "listed", "refused", "409"]
DUPLICATE_ANSWERS: tuple[DuplicateAnswer, ...] = ("counted", "listed", "refused", "409")


@dataclass
class ReceiptOptions:
    """Answers the contract leaves open: set one to test a client against each.

    * ``duplicate_answer``: a posted receipt the account already has (same ``store.id`` and
      ``receipt_id``, or twice in one batch) is ``"counted"`` (HTTP 200, left out of
      ``receipts``, counted in ``duplicates``; default), ``"listed"`` (HTTP 200, the existing
      receipt in ``receipts`` in its place, and counted), ``"refused"`` (HTTP 400 naming it;
      nothing in the batch is stored) or ``"409"`` (the same, as HTTP 409: a status the
      document does not list for the operation, answered with its ``Error`` body).
    * ``create_answer``: ``receipts`` holds the whole ``"receipts"`` (default; the receipt
      tokens' ``extra_info`` included) or only their ``"entities"`` (id and dates, all the
      contract promises).
    * ``customer_list``: a customer's list holds ``"full"`` receipts (default) or
      ``"minimal"`` ones (only ``ReceiptMinimal``'s fields).
    * ``last_page_cursor``: ``starting_after`` is ``"omitted"`` on the last page (default) or
      ``"kept"`` (the last receipt's id on every non-empty page; the next page is empty).
    * ``owned_status``: attaching a customer to a receipt that has one (or discounts to a
      receipt that has some) is refused with 400 (default) or 403.
    * ``attach_again``: attaching the customer a receipt already has is ``"refused"``
      (default, as the document's limitation reads) or ``"accepted"`` (a harmless repeat).
    * ``bad_token_status``: a receipt token that is expired, spent, forged or another
      account's is refused with 403 (default) or 400 (a string that is no JWT is always 400).

    Part of the sandbox's settings: :meth:`DinteroSandbox.reset` keeps them.
    """

    duplicate_answer: DuplicateAnswer = "counted"
    create_answer: Literal["receipts", "entities"] = "receipts"
    customer_list: Literal["full", "minimal"] = "full"
    last_page_cursor: Literal["omitted", "kept"] = "omitted"
    owned_status: int = 400
    attach_again: Literal["refused", "accepted"] = "refused"
    bad_token_status: int = 403

    def __setattr__(self, name: str, value: object) -> None:
        allowed: dict[str, tuple[object, ...]] = {
            "duplicate_answer": DUPLICATE_ANSWERS,
            "create_answer": ("receipts", "entities"),
            "customer_list": ("full", "minimal"),
            "last_page_cursor": ("omitted", "kept"),
            "owned_status": (400, 403),
            "attach_again": ("refused", "accepted"),
            "bad_token_status": (400, 403),
        }
        if name in allowed and value not in allowed[name]:
            raise ValueError(f"{name} cannot be {value!r}")
        super().__setattr__(name, value)


@dataclass
class SandboxState:
    accounts: dict[str, Account] = field(default_factory=dict)
    next_seq: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def account(self, aid: str) -> Account | None:
        return self.accounts.get(aid)

    def client(self, aid: str, client_id: str) -> ApiClient | None:
        account = self.accounts.get(aid)
        return None if account is None else account.clients.get(client_id)

    def take_seq(self) -> int:
        seq = self.next_seq
        self.next_seq += 1
        return seq
