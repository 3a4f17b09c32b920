"""The Dintero Receipts API client: :class:`DinteroClient`, one method per operation.

Every method returns typed wire models (:mod:`~django_diller.dintero.api.models`) or raises a
:mod:`~django_diller.dintero.api.errors` error, with one exception: creating a receipt Dintero
already has is not an error but an answer (:attr:`CreateReceiptsResult.already_received`).

>>> config = DinteroConfig(account_id="T12345678", client_id=..., client_secret=...)
>>> with DinteroClient(config) as dintero:
...     dintero.create_receipts([receipt])
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2

from django_diller import __version__
from django_diller.api.auth import MemoryTokenStore, TokenStore
from django_diller.api.calls import Attempts
from django_diller.api.retry import Deadline, DeadlinePassed, RetryPolicy
from django_diller.api.sending import Sender, Timeouts, http_options

from . import logs
from . import models as m
from .auth import DINTERO_API, TokenProvider, TokenSettings
from .calls import DINTERO, PreparedCall, failure, parse, prepare
from .errors import (
    DinteroAuthError,
    DinteroConflict,
    DinteroError,
    DinteroRefused,
    DinteroTokenUnavailable,
)
from .operations import OPERATIONS

ACCOUNT_ID = re.compile(r"[TP]\d{8}")
USER_AGENT = f"django-diller/{__version__}"


@dataclass(frozen=True)
class DinteroConfig:
    """How to reach Dintero.

    ``account_id``: ``T`` (test) or ``P`` (production) and eight digits. ``base_url``: the
    contract's server, base path included (a sandbox's or a proxy's address instead).
    ``audience``: the token's audience, ``https://api.dintero.com/v1/accounts/{account_id}``
    unless given.
    """

    account_id: str
    client_id: str
    client_secret: str = field(repr=False)
    base_url: str = DINTERO_API
    audience: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token_refresh_margin: float = 60.0

    def __post_init__(self) -> None:
        if not ACCOUNT_ID.fullmatch(self.account_id):
            raise ValueError("account_id must be T or P followed by eight digits")

    def token_settings(self) -> TokenSettings:
        one_fetch = self.timeouts.connect + self.timeouts.read + 5.0
        return TokenSettings(
            base_url=self.base_url,
            account_id=self.account_id,
            client_id=self.client_id,
            client_secret=self.client_secret,
            audience=self.audience or "",
            refresh_margin=self.token_refresh_margin,
            lock_ttl=one_fetch,
            lock_wait=one_fetch,
        )


# Dintero's error code for a receipt it already has, when it refuses a batch for one (the
# document answers duplicates with 200 and a count; this covers a refusal instead).
DUPLICATE_CODE = "duplicate_receipt"


@dataclass(frozen=True)
class CreateReceiptsResult:
    """What became of the receipts sent to ``aid_receipts_post``.

    ``receipts``: the entities Dintero answered (the receipts it stored now, and, depending on
    Dintero, the ones it already had); ``duplicates``: how many of those sent it already had
    (sent before, by an earlier attempt or another process). A receipt sent again is therefore
    not an error: :attr:`already_received` says that none of those sent was new.
    """

    sent: int
    receipts: list[m.Entity]
    duplicates: int

    @property
    def already_received(self) -> bool:
        return self.sent > 0 and self.duplicates >= self.sent


def _duplicates_in(exc: DinteroError, sent: int) -> int | None:
    """How many of ``sent`` receipts an error answer says Dintero already has, or None when
    the answer is not about duplicates.

    A 409, or a refusal with the code ``duplicate_receipt``: its nested errors name the
    receipts (``[1].receipt_id``); without them, a single receipt sent is the one.
    """
    if not (isinstance(exc, DinteroConflict) or (exc.code or "").lower() == DUPLICATE_CODE):
        return None
    named = {
        str(error.get("field") or error.get("path") or "")
        for error in exc.errors
        if str(error.get("field") or error.get("path") or "").endswith("receipt_id")
    }
    if named:
        return len(named)
    return 1 if sent == 1 else None


class DinteroClient(Sender):
    """Synchronous Dintero Receipts API client, for views, tasks and commands. Thread-safe.

    ``token_store``: where tokens live (a :class:`~django_diller.api.auth.TokenStore`; per
    process unless given). ``transport``: an httpx2 transport, for the token endpoint and the
    API both (a sandbox's in-process transport, or ``httpx2.MockTransport`` in tests). Sending
    and trying again are Diller's client's (:class:`~django_diller.api.sending.Sender`).
    """

    provider = DINTERO
    token_unavailable = DinteroTokenUnavailable

    def __init__(
        self,
        config: DinteroConfig,
        *,
        token_store: TokenStore | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.account_id = config.account_id
        self._http = httpx2.Client(
            transport=transport, **http_options(config.base_url, config.timeouts, USER_AGENT)
        )
        logs.watch(config.base_url)
        self.tokens = TokenProvider(
            config.token_settings(), token_store or MemoryTokenStore(), self._http
        )

    # --- Operations ----------------------------------------------------------------------------

    def create_receipts(
        self, receipts: Sequence[m.Receipt], *, token_expire_days: int | None = None
    ) -> CreateReceiptsResult:
        """``aid_receipts_post``: store receipts.

        Receipts Dintero already has are counted in ``duplicates``, not raised. Dintero's
        document answers them with 200 and a count; a 409 or a refusal coded
        ``duplicate_receipt`` (which it does not list) that names every receipt sent (or the
        only one) means the same. A refusal that names only some of them raises: nothing was
        stored, and the others must be sent again without them. ``token_expire_days``:
        Dintero adds a token to each receipt's ``extra_info`` (``dintero.receipt.token.*``)
        to fetch and claim it by."""
        if not receipts:
            raise ValueError("no receipts to create")
        if any(not receipt.receipt_id for receipt in receipts):
            raise ValueError("every receipt needs a non-empty receipt_id")
        if token_expire_days is not None and token_expire_days < 1:
            raise ValueError("token_expire_days must be at least 1")
        try:
            answer: m.CreateReceiptsResponse = self._call(
                "aid_receipts_post",
                {},
                {"token_expire_days": token_expire_days},
                list(receipts),
            )
        except (DinteroConflict, DinteroRefused) as exc:
            if _duplicates_in(exc, len(receipts)) != len(receipts):
                raise
            return CreateReceiptsResult(sent=len(receipts), receipts=[], duplicates=len(receipts))
        return CreateReceiptsResult(
            sent=len(receipts), receipts=answer.receipts or [], duplicates=answer.duplicates or 0
        )

    def search_receipts(self, receipt_id: str) -> m.ReceiptCollection:
        """``aid_receipts_rid_get``: the receipts with the POS receipt id ``receipt_id``."""
        result: m.ReceiptCollection = self._call(
            "aid_receipts_rid_get", {}, {"receipt_id": receipt_id}
        )
        return result

    def get_customer_receipts(
        self, customer_id: str, *, limit: int | None = None, starting_after: str | None = None
    ) -> m.CustomerReceipts:
        """``aid_receipts_customers_cid_get``: one page of a customer's receipts (``limit``
        1-100, Dintero's default 10; the next page starts after the answer's
        ``starting_after``)."""
        if limit is not None and not 1 <= limit <= 100:
            raise ValueError("limit must be between 1 and 100")
        result: m.CustomerReceipts = self._call(
            "aid_receipts_customers_cid_get",
            {"customer_id": customer_id},
            {"limit": limit, "starting_after": starting_after},
        )
        return result

    def get_customer_receipt(self, customer_id: str, receipt_id: str) -> m.Receipt:
        """``aid_receipts_customers_cid_rid_get``: one of a customer's receipts."""
        result: m.Receipt = self._call(
            "aid_receipts_customers_cid_rid_get",
            {"customer_id": customer_id, "receipt_id": receipt_id},
        )
        return result

    def attach_customer(
        self,
        receipt_id: str,
        customer_id: str,
        *,
        discounts: Sequence[m.DiscountRefs] | None = None,
    ) -> m.Receipt:
        """``aid_receipts_update_put``: give an anonymous receipt its customer (and
        discounts). Dintero allows it only while the receipt has no customer (and no
        discounts): otherwise it refuses (``DinteroRefused``)."""
        body = (
            m.UpdateReceiptRequest(customer_id=customer_id)
            if discounts is None
            else m.UpdateReceiptRequest(customer_id=customer_id, discounts=list(discounts))
        )
        result: m.Receipt = self._call(
            "aid_receipts_update_put", {"receipt_id": receipt_id}, None, body
        )
        return result

    def change_customer_id(
        self, customer_id: str, receipt_id: str, new_customer_id: str
    ) -> m.Receipt:
        """``aid_receipts_customers_cid_rid_change_customer_id_post``: move a receipt from
        ``customer_id`` to ``new_customer_id`` (the old customer no longer sees it)."""
        result: m.Receipt = self._call(
            "aid_receipts_customers_cid_rid_change_customer_id_post",
            {"customer_id": customer_id, "receipt_id": receipt_id},
            None,
            m.ChangeCustomerIdRequest(customer_id=new_customer_id),
        )
        return result

    def get_receipt_by_token(self, token: str) -> m.Receipt:
        """``aid_receipts_receipt_token_get``: the receipt a receipt token names."""
        result: m.Receipt = self._call("aid_receipts_receipt_token_get", {}, {"token": token})
        return result

    def claim_receipt(self, token: str, customer_id: str) -> m.Receipt:
        """``aid_receipts_receipt_token_post``: give the receipt a token names to
        ``customer_id``; the token is spent."""
        result: m.Receipt = self._call(
            "aid_receipts_receipt_token_post",
            {},
            {"token": token},
            m.ClaimReceiptRequest(customer_id=customer_id),
        )
        return result

    def segment_customers(self, request: m.SegmentRequest) -> m.SegmentResponse:
        """``aid_receipts_customer_segment_post``: the customers whose receipts match."""
        result: m.SegmentResponse = self._call(
            "aid_receipts_customer_segment_post", {}, None, request
        )
        return result

    # --- Sending -------------------------------------------------------------------------------

    def _call(
        self,
        operation_id: str,
        path: dict[str, Any],
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        call = prepare(OPERATIONS[operation_id], {"aid": self.account_id, **path}, query, body)
        deadline = None if self.deadline is None else Deadline(self.deadline)
        return self._attempts(call, deadline, self.config.retry)

    def _token(self, deadline: Deadline | None, stale: str | None = None) -> str:
        if deadline is None:
            return self.tokens.get(stale)
        return self.tokens.get(stale, timeout=deadline.check())

    def _token_refused(self, call: PreparedCall) -> DinteroAuthError:
        return DinteroAuthError(
            "HTTP 401: Dintero refused a freshly fetched token",
            operation=call.operation.operation_id,
            status=401,
        )

    def _answer(self, call: PreparedCall, response: httpx2.Response, attempts: Attempts) -> Any:
        if 200 <= response.status_code < 300:
            return parse(call.operation, response)
        raise failure(call.operation, response)

    def _pause(
        self, delay: float, deadline: Deadline | None, call: PreparedCall, attempts: Attempts
    ) -> None:
        """Sleep ``delay``; under a deadline, give up at once if it would pass meanwhile."""
        if deadline is None:
            time.sleep(delay)
            return
        try:
            deadline.sleep(delay)
        except DeadlinePassed:
            raise self._too_late(call, deadline, attempts) from None
