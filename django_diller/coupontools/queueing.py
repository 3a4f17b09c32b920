"""Queue a voucher's lock, validation and unlock: one outbox entry each per order and voucher,
written in the transaction of their cause.

An entry's ``external_id`` names the voucher by :func:`voucher_key`, never by its session id:
the id is shown to staff (the outbox admin, the order's dashboard page) and written in logs,
and whoever has a voucher's full session id can redeem it. The session id itself stays in the
entry's payload, which the handler sends and the admin shows masked.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.crypto import salted_hmac

from ..outbox import engine as outbox
from ..outbox.models import OutboxEntry
from ..outbox.tasks import queue_outbox_entries
from .kinds import Kind
from .vouchers.codes import SHOWN

KEY_SALT = "django_diller.coupontools.voucher_key"


def voucher_key(session: str) -> str:
    """A voucher's name in ids that others read: its first four characters, as messages show
    it, and a keyed digest of the whole (a plain digest of a short id could be reversed by
    trying every id). Fixed length, whatever the session id's."""
    digest = salted_hmac(KEY_SALT, session, algorithm="sha256").hexdigest()[:16]
    return f"{session[:SHOWN]}-{digest}"


def _id(order_number: str, session: str, step: str) -> str:
    return f"{order_number}:{voucher_key(session)}:{step}"


def _entries(kind: str, order_number: str, session: str):
    """The order's entries of ``kind`` for the voucher, found by the session id in their
    payload: the key in their ids changes with ``SECRET_KEY``."""
    return OutboxEntry.objects.filter(
        kind=kind, order_number=order_number, payload__session=session
    ).order_by("pk")


def lock_entry(order_number: str, session: str) -> OutboxEntry | None:
    return _entries(Kind.LOCK, str(order_number), session).first()


def queue_lock(order_number: str, session: str, *, source: str = "order placed") -> OutboxEntry:
    number = str(order_number)
    entry = outbox.enqueue(
        Kind.LOCK,
        _id(number, session, "lock"),
        order_number=number,
        store_id="",
        payload={"session": session},
        source=source,
    )
    queue_outbox_entries([entry.pk])
    return entry


def queue_validate(
    order_number: str, session: str, money_spent: Decimal, *, source: str
) -> OutboxEntry:
    number = str(order_number)
    entry = outbox.enqueue(
        Kind.VALIDATE,
        _id(number, session, "validate"),
        order_number=number,
        store_id="",
        payload={"session": session, "money_spent": str(money_spent)},
        source=source,
        depends_on=lock_entry(number, session),
    )
    queue_outbox_entries([entry.pk])
    return entry


def queue_unlock(order_number: str, session: str, *, source: str) -> OutboxEntry | None:
    """Unlock, unless the voucher was validated for the order (then it stays used)."""
    number = str(order_number)
    validated = _entries(Kind.VALIDATE, number, session).exists()
    if validated:
        return None
    entry = outbox.enqueue(
        Kind.UNLOCK,
        _id(number, session, "unlock"),
        order_number=number,
        store_id="",
        payload={"session": session},
        source=source,
        depends_on=lock_entry(number, session),
    )
    queue_outbox_entries([entry.pk])
    return entry
