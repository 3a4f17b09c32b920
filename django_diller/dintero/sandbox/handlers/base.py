"""What every handler gets (:class:`Context`) and returns (a payload or a
:class:`~django_diller.sandbox.handlers.Reply`, Diller's sandbox's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_diller.sandbox import codec

from ..errors import DinteroError, bad_request, not_found
from ..state import Account, ReceiptOptions, SandboxState, StoredReceipt

CUSTOMER_ID_MAX = 255


@dataclass(frozen=True)
class Settings:
    """Sandbox-wide settings handlers need."""

    public_url: str
    options: ReceiptOptions
    receipt_key: bytes  # signs receipt tokens


@dataclass
class Context:
    state: SandboxState
    aid: str
    client_id: str  # the API client behind the bearer token
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    now: datetime
    settings: Settings

    @property
    def options(self) -> ReceiptOptions:
        return self.settings.options

    @property
    def account(self) -> Account:
        found = self.state.account(self.aid)
        if found is None:  # the token outlived its account (a reset dropped it)
            raise DinteroError(403, f"Account {self.aid} is not available.", code="forbidden")
        return found

    def json_object(self) -> dict[str, Any]:
        """The body as an object (an absent body is an empty object)."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise bad_request("A JSON object is required.", "body")
        return self.body

    def json_list(self) -> list[Any]:
        if not isinstance(self.body, list):
            raise bad_request("A JSON array of receipts is required.", "body")
        return self.body

    def one_receipt(
        self, reference: str, among: list[StoredReceipt] | None = None
    ) -> StoredReceipt:
        """The receipt a path's ``{receipt_id}`` names (its ``id``, or a unique POS id)."""
        found = self.account.find(reference, among)
        if not found:
            raise not_found(f"Receipt {reference!r} not found.")
        if len(found) > 1:
            raise bad_request(
                f"Receipt id {reference!r} is used in several stores; name the receipt by its id.",
                "receipt_id",
                code="ambiguous_receipt_id",
            )
        return found[0]


Handler = Callable[[Context], Any]


def customer_id(value: Any, field: str = "customer_id") -> str:
    """A customer id as Dintero takes one: a non-empty string of at most 255 characters,
    without leading or trailing spaces (400 naming ``field`` otherwise)."""
    if not isinstance(value, str) or not value:
        raise bad_request("A customer id is required.", field)
    if value != value.strip():
        raise bad_request("A customer id must not start or end with spaces.", field)
    if len(value) > CUSTOMER_ID_MAX:
        raise bad_request(f"A customer id has at most {CUSTOMER_ID_MAX} characters.", field)
    return value


def moment(value: Any, field: str) -> datetime:
    """A date-time with a time zone (400 naming ``field`` otherwise)."""
    if not isinstance(value, str) or not codec.is_rfc3339(value):
        raise bad_request("A date-time with a time zone is required.", field)
    return codec.parse_datetime(value.replace("z", "Z").replace("t", "T"))
