"""Sending the outbox's transactions to Diller: one handler class per kind of entry.

The payload of an entry is built on its first attempt by the shop integration's builder for its
kind (:data:`BUILDERS`, filled by ``django_diller.contrib.oscar``), stored on the entry by the
outbox, and sent unchanged on every retry: what Diller receives is what staff see.

Why a retry never creates a duplicate
    Every effect carries an id of its own that Diller keys on: a transaction its
    ``external_id`` (the order number, or a derived id such as ``1000023-R1`` for a
    remainder, ``-RET-…`` for a return), a refund its own ``external_id`` (``-RF-…``), a
    cancel the id of the transaction it cancels. When an attempt times out after the request
    left, the entry is sent again with the same id, and Diller's answer tells us it already
    had it. The contract allows that answer in several shapes, and each counts (the entry is
    ``sent``, its answer marked ``received_before``):

    * HTTP 200 ``is_ok`` false, with a text saying the id exists ("Duplicate external_id…")
      or, for a cancel, that the transaction is already cancelled;
    * HTTP 409 Conflict: the conflict is on our own id, unless its problem details say
      otherwise (name another field, or give a reason that is not about the id existing);
    * HTTP 400 (or 422) problem details whose ``errors`` name the id as existing (or already
      cancelled), or whose ``detail`` says so. A 400 about any other field is not one.

    Any other refusal leaves the entry dead, with Diller's words, for staff.

A cancel or refund Diller answers "not found"
    If Diller confirmed the transaction with its own answer, something else is wrong: dead at
    once. If we never saw that answer (the transaction's entry is dead after lost answers or
    outages, or was taken as received from a duplicate answer), it may still turn up: tried
    again after a backoff, at most ``OUTBOX_NOT_FOUND_ATTEMPTS`` times, then dead with a
    message naming the transaction's entry. A cancel or refund goes ahead even when the
    transaction's entry is dead: its answer may have been lost while Diller has it, and a
    member must not keep the points of a returned order.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from typing import Any

from .. import signals
from ..api import DillerError, DillerNotFound, DillerRefused, DillerValidationError
from ..api import models as wire
from ..conf import app_settings
from ..models import OrderLoyaltyItem, OutboxEntry
from ..outbox.engine import NotYet, Skip
from ..outbox.registry import register
from . import claims
from .connection import get_client
from .delivery import DillerHandler
from .kinds import Kind

logger = logging.getLogger("django_diller.transactions")

PayloadBuilder = Callable[[OutboxEntry], dict[str, Any]]
BUILDERS: dict[str, PayloadBuilder] = {}


def builder(kind: str) -> Callable[[PayloadBuilder], PayloadBuilder]:
    """Register the function that builds the payload of ``kind`` entries from the shop's data.

    It returns the JSON body to send (and may set ``entry.member_id``), or raises
    :class:`~django_diller.outbox.engine.Skip` or :class:`~django_diller.outbox.engine.NotReady`.
    """

    def decorate(function: PayloadBuilder) -> PayloadBuilder:
        BUILDERS[kind] = function
        return function

    return decorate


# Wording that says a record exists (with a 409, or next to the name of the id).
_EXISTS = re.compile(
    r"duplicat|\bexists\b|not\s+unique|must\s+be\s+unique|unique\s+constraint"
    r"|already\s+(?:exists?|registered|received|recorded|processed|in\s+use|taken)"
    r"|already\s+been\s+(?:registered|received|recorded|processed|created|sent)",
    re.IGNORECASE,
)
# Wording that says a record exists in a free text (a refusal, a problem's detail): only
# statements that something is there, never a rule ("must be unique").
_EXISTS_SAID = re.compile(
    r"duplicat|\bexists\b"
    r"|already\s+(?:exists?|registered|received|recorded|processed|in\s+use|taken)"
    r"|already\s+been\s+(?:registered|received|recorded|processed|created|sent)",
    re.IGNORECASE,
)
# A free text that denies it ("No transaction exists…", "…no longer exists").
_NEGATED = re.compile(r"\b(?:no|not|never|none|cannot)\b|n't\b", re.IGNORECASE)
# The name of the id of a transaction or refund, in a text.
_ID_WORDS = re.compile(
    r"external[\s_-]?(?:transaction[\s_-]?)?id\b|\btransaction[\s_-]?id\b", re.IGNORECASE
)
# "duplicate transaction", "a refund with this id already exists".
_SAME_RECORD = re.compile(
    r"\b(?:duplicate|existing)\s+(?:transaction|refund)\b"
    r"|\b(?:transaction|refund)\b[^.;]{0,60}?\b(?:already\s+exists?|exists)\b",
    re.IGNORECASE,
)
_CANCELLED = re.compile(
    r"\balready\s+(?:been\s+)?cancell?ed\b|\b(?:is|was|has\s+been)\s+cancell?ed\b",
    re.IGNORECASE,
)
# Problem-details ``errors`` keys that are about the request as a whole, not a field.
_GENERAL_KEYS = {"", "body", "request", "generalerrors"}
_CREATED_KEYS = ("externalid",)
_CANCEL_KEYS = ("externalid", "externaltransactionid", "transactionid")
# A problem with one of these statuses may be Diller's "I already have it".
_REPEAT_STATUSES = (400, 409, 422)


def _key(name: str) -> str:
    """A problem's ``errors`` key, comparable: ``$.External_Id`` → ``externalid``. A nested
    one keeps its path (``details[0].product.external_id`` is a product's id, not ours)."""
    name = re.sub(r"^(?:\$\.?|request\.|body\.)", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _names(text: str, external_id: str) -> bool:
    """Does ``text`` quote this id (as a whole, not as part of a longer one)?"""
    if not external_id:
        return False
    return re.search(rf"(?<![\w-]){re.escape(external_id)}(?![\w-])", text) is not None


def _repeat(
    error: DillerError,
    key_fields: tuple[str, ...],
    present: re.Pattern[str],
    says_so: Callable[[str], bool],
) -> bool:
    """Is ``error`` Diller's answer that it already has what a keyed write creates?

    ``key_fields``: the ``errors`` keys that are the write's id; ``present``: the wording that
    says the effect is there (enough next to the id's key, or with a 409); ``says_so``: a
    free text that says so on its own (a refusal's details, a problem's title or detail).
    """
    if isinstance(error, DillerRefused):
        return says_so(error.details or "")
    if not isinstance(error, DillerValidationError) or error.status not in _REPEAT_STATUSES:
        return False
    about_key: list[str] = []
    general: list[str] = []
    for name, messages in error.field_errors.items():
        key = _key(name)
        if key in key_fields:
            about_key += messages
        elif key in _GENERAL_KEYS:
            general += messages
        else:
            return False  # it names another field: a validation error, not a repeat
    conflict = error.status == 409
    if about_key:
        return conflict or any(present.search(message) for message in about_key)
    text = " ".join(filter(None, [error.title, error.detail, *general]))
    if says_so(text):
        return True
    if not conflict:
        return False
    bare = not general and (error.detail or "").strip() in ("", (error.title or "").strip())
    return bare or present.search(text) is not None


def is_duplicate(error: DillerError, external_id: str = "") -> bool:
    """Diller already has a transaction or refund with this ``external_id`` (any shape)."""

    def says_so(text: str) -> bool:
        if _NEGATED.search(text) or not _EXISTS_SAID.search(text):
            return False
        return (
            _ID_WORDS.search(text) is not None
            or _SAME_RECORD.search(text) is not None
            or _names(text, external_id)
        )

    return _repeat(error, _CREATED_KEYS, _EXISTS, says_so)


def is_already_cancelled(error: DillerError) -> bool:
    """Diller answered a cancel by saying the transaction is already cancelled (any shape)."""

    def says_so(text: str) -> bool:
        return _CANCELLED.search(text) is not None and not _NEGATED.search(text)

    return _repeat(error, _CANCEL_KEYS, _CANCELLED, says_so)


def _corrects_what_was_sent(entry: OutboxEntry) -> None:
    """Skip an entry whose transaction was never sent: there is nothing to correct."""
    dependency = entry.depends_on
    if dependency is not None and dependency.state == OutboxEntry.State.SKIPPED:
        raise Skip("The transaction it corrects was never sent.")


def payload_of(entry: OutboxEntry) -> dict[str, Any]:
    """The entry's payload, as the outbox stored it on the first attempt."""
    _corrects_what_was_sent(entry)
    return entry.payload


class TransactionHandler(DillerHandler):
    """A Diller write whose body the shop integration builds (:data:`BUILDERS`)."""

    def build_payload(self, entry: OutboxEntry) -> dict[str, Any]:
        _corrects_what_was_sent(entry)
        build = BUILDERS.get(entry.kind)
        if build is None:
            raise LookupError(f"no payload builder for {entry.kind!r}; is the shop app installed?")
        return build(entry)


def _answer(response: wire.WireModel) -> dict[str, Any]:
    return response.model_dump(mode="json", exclude_none=True)


def _received_before(error: DillerError) -> dict[str, Any]:
    """The answer kept for an entry Diller already had: its words and the HTTP status."""
    if isinstance(error, DillerRefused):
        details = error.details
    else:
        details = getattr(error, "detail", None) or getattr(error, "title", None) or ""
    return {
        "is_ok": True,
        "details": details,
        "received_before": True,
        "status": error.status,
    }


def not_found_attempts() -> int:
    return int(app_settings.OUTBOX_NOT_FOUND_ATTEMPTS)


def _confirmed(entry: OutboxEntry) -> bool:
    """Did Diller confirm this transaction with its own answer (not a duplicate answer)?"""
    return entry.state == OutboxEntry.State.SENT and not (entry.response or {}).get(
        "received_before"
    )


def _not_at_diller(
    missing: DillerNotFound, transaction_id: str, original: OutboxEntry | None, doing: str
) -> DillerError | NotYet:
    """What to raise when Diller answers "not found" for the transaction a cancel or refund
    corrects (see the module's docstring)."""
    if original is not None and _confirmed(original):
        return missing
    if original is None:
        why = "Its transaction was never queued here."
    elif original.state == OutboxEntry.State.DEAD:
        why = (
            f"Its entry #{original.pk} is dead: Diller never confirmed it, so it may never "
            "have arrived."
        )
    else:
        why = f"Its entry #{original.pk} was taken as received from Diller's duplicate answer."
    message = (
        f"Diller has no transaction {transaction_id} to {doing} (HTTP 404 not found). {why} "
        "If that transaction is sent again, send this entry again after it."
    )
    return NotYet(message, limit=not_found_attempts())


def _purchase_settled(entry: OutboxEntry) -> None:
    """Diller ends the reservations a transaction uses; the local claims end with them."""
    claims.release_for_order(entry.order_number, entry.store_id)
    OrderLoyaltyItem.objects.filter(
        order_number=entry.order_number,
        reservation__in=[
            OrderLoyaltyItem.Reservation.PENDING,
            OrderLoyaltyItem.Reservation.RESERVED,
        ],
    ).update(
        reservation=OrderLoyaltyItem.Reservation.RELEASED,
        reservation_detail="used by the transaction",
    )


def _create(entry: OutboxEntry, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send the entry's transaction (``payload``: a reduced copy of it instead)."""
    request = wire.CreateTransactionRequest.model_validate(payload or payload_of(entry))
    client = get_client(entry.store_id or None)
    try:
        answer = _answer(client.create_transaction(entry.member_id, request))
    except (DillerRefused, DillerValidationError) as error:
        if not is_duplicate(error, entry.external_id):
            raise
        answer = _received_before(error)
    if entry.kind == Kind.SEND_TRANSACTION:
        _purchase_settled(entry)
    return answer


# What a refused purchase leaves out before it is sent again, one step at a time: the stamp
# cards' rewards, then every stamp, then the coupons too.
FALLBACKS: tuple[Callable[[dict[str, Any]], list[str]], ...] = (
    lambda payload: drop_rewards(payload, codes=set()),
    lambda payload: drop_rewards(payload, codes=set(), collected=True),
    lambda payload: drop_rewards(payload, cards=set()),
)


@register
class SendTransaction(TransactionHandler):
    """The purchase, without the rewards Diller would refuse, so the member never loses the
    order's points over them.

    A coupon or stamp-card reward whose reservation Diller refused (a till redeemed it after
    the order was placed) is left out before the first send. When Diller refuses the purchase
    anyway, it is sent again with less (:data:`FALLBACKS`) until Diller takes it. The answer's
    ``loyalty_dropped`` tells staff what was left out and why.
    """

    kind = Kind.SEND_TRANSACTION
    label = Kind.SEND_TRANSACTION.label

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        dropped = _drop_refused_reservations(entry)
        trial = payload_of(entry)
        fallbacks = iter(FALLBACKS)
        while True:
            try:
                answer = _create(entry, trial)
                break
            except DillerRefused as refusal:
                # The next step that leaves something out; none left: the refusal stands, and the
                # entry keeps its whole payload for staff to send again once the cause is fixed.
                trial = copy.deepcopy(trial)
                more = next((items for step in fallbacks if (items := step(trial))), None)
                if more is None:
                    raise
                why = refusal.details or "-"
                dropped += [f"{item} (Diller refused the purchase: {why})" for item in more]
        if trial is not entry.payload:  # what Diller took is what staff see
            entry.payload = trial
            entry.save(update_fields=["payload", "updated_at"])
        if dropped:
            logger.warning(
                "diller: order %s sent without %d reward(s)", entry.order_number, len(dropped)
            )
            answer["loyalty_dropped"] = dropped
        return answer


def _drop_refused_reservations(entry: OutboxEntry) -> list[str]:
    """Leave out of the payload what Diller refused to reserve for the order; what was left
    out, on every attempt (an earlier one may have left it out already)."""
    refused = OrderLoyaltyItem.objects.filter(
        order_number=entry.order_number, reservation=OrderLoyaltyItem.Reservation.REFUSED
    )
    codes = {i.reference for i in refused if i.kind == OrderLoyaltyItem.Kind.COUPON}
    cards = {int(i.reference) for i in refused if i.kind == OrderLoyaltyItem.Kind.STAMP_CARD}
    if not codes and not cards:
        return []
    if drop_rewards(payload_of(entry), codes=codes, cards=cards):
        entry.save(update_fields=["payload", "updated_at"])
    return [
        f"{_label(i.kind, i.reference)} (Diller refused the reservation: "
        f"{i.reservation_detail or '-'})"
        for i in refused
    ]


def _label(kind: str, reference: object) -> str:
    """How staff read a coupon or a stamp card in ``loyalty_dropped``."""
    if kind == OrderLoyaltyItem.Kind.COUPON:
        return f"coupon {reference}"
    return f"stamp card {reference}"


def drop_rewards(
    payload: dict[str, Any],
    *,
    codes: set[str] | None = None,
    cards: set[int] | None = None,
    collected: bool = False,
) -> list[str]:
    """Remove coupons and stamp-card deductions from a transaction body, on every level.

    ``codes`` and ``cards`` name what to remove; ``None`` removes every coupon, or every
    card's deduction. Stamps collected stay, unless ``collected``. Returns what was removed
    ("coupon X", "stamp card N"), each once.
    """
    removed: dict[str, None] = {}
    for holder in [payload, *payload.get("details", [])]:
        if collected and holder.pop("stamp_card_ids", None):
            removed["stamp cards"] = None
        kept_codes = []
        for code in holder.get("coupon_codes") or []:
            if codes is None or code in codes:
                removed[_label(OrderLoyaltyItem.Kind.COUPON, code)] = None
            else:
                kept_codes.append(code)
        if kept_codes:
            holder["coupon_codes"] = kept_codes
        else:
            holder.pop("coupon_codes", None)
        kept_cards = []
        for report in holder.get("stamp_cards") or []:
            card_id = report.get("stamp_card_id")
            deduction = report.get("action") == "deducted"
            if (deduction or collected) and (cards is None or card_id in cards):
                removed[_label(OrderLoyaltyItem.Kind.STAMP_CARD, card_id)] = None
            else:
                kept_cards.append(report)
        if kept_cards:
            holder["stamp_cards"] = kept_cards
        else:
            holder.pop("stamp_cards", None)
    return list(removed)


@register
class ResendRemainder(TransactionHandler):
    """What was kept, after the cancel. Its coupons and stamps are checked again by Diller (a
    new ``external_id``): a coupon that expired since the purchase would refuse the whole
    remainder, after the original is already cancelled. Then it is sent again without coupons
    and stamps (the prices already hold the discounts): the points stay right, and the answer
    records what was dropped."""

    kind = Kind.RESEND_REMAINDER
    label = Kind.RESEND_REMAINDER.label

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        try:
            return _create(entry)
        except DillerRefused as refusal:
            if not drop_rewards(entry.payload, collected=True):
                raise
            logger.warning("diller refused the remainder %s; sent without coupons", entry.pk)
            entry.save(update_fields=["payload", "updated_at"])
            answer = _create(entry)
            answer["loyalty_dropped"] = refusal.details
            return answer


@register
class SendReturn(TransactionHandler):
    """Goods returned from an order Diller never received, as a negative transaction."""

    kind = Kind.RETURN_TRANSACTION
    label = Kind.RETURN_TRANSACTION.label

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        return _create(entry)


@register
class CancelTransaction(TransactionHandler):
    """Cancel the transaction ``entry.external_id``; sent even when the transaction's entry is
    dead, since Diller may have it all the same (its answer was lost)."""

    kind = Kind.CANCEL_TRANSACTION
    label = Kind.CANCEL_TRANSACTION.label
    after_dead = True
    sent_signal = signals.transaction_cancelled

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        reason = wire.CancelationReason.model_validate(payload_of(entry))
        client = get_client(entry.store_id or None)
        try:
            return _answer(client.cancel_transaction(entry.external_id, reason))
        except DillerNotFound as missing:
            raise _not_at_diller(missing, entry.external_id, entry.depends_on, "cancel") from None
        except (DillerRefused, DillerValidationError) as error:
            if not is_already_cancelled(error):
                raise
            return _received_before(error)


@register
class Refund(TransactionHandler):
    """Refund part of the transaction it depends on; like a cancel, sent even when that
    transaction's entry is dead."""

    kind = Kind.REFUND
    label = Kind.REFUND.label
    after_dead = True

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        request = wire.CreateRefundTransactionRequest.model_validate(payload_of(entry))
        original = entry.depends_on
        if original is None:
            raise LookupError("a refund entry needs the transaction it refunds (depends_on)")
        client = get_client(entry.store_id or None)
        try:
            return _answer(
                client.create_refund_transaction(entry.member_id, original.external_id, request)
            )
        except DillerNotFound as missing:
            raise _not_at_diller(missing, original.external_id, original, "refund") from None
        except (DillerRefused, DillerValidationError) as error:
            if not is_duplicate(error, entry.external_id):
                raise
            return _received_before(error)
