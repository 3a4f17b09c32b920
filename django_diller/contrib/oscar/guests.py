"""A guest who ticked "join" at checkout becomes a Diller member, from the order's details."""

from __future__ import annotations

import logging

from django.utils import timezone
from oscar.core.loading import get_model

from ...api import DillerValidationError
from ...api import models as wire
from ...conf import app_settings
from ...models import Consent, ConsentRecord, OutboxEntry
from ...phones import InvalidPhoneNumber, parse_phone
from ...services.connection import current_department_id, get_client

logger = logging.getLogger("django_diller.oscar")
Order = get_model("order", "Order")


def register_guest_from_order(order_number: str, save_order_history: bool) -> str | None:
    """Register the order's buyer at Diller; the member id, or None when that cannot be done.

    A phone that already belongs to a member is not linked: a guest has not proved it is theirs
    (members link from their account with a one-time code).
    """
    order = Order.objects.get(number=order_number)
    address = order.shipping_address or order.billing_address
    raw_phone = str(getattr(address, "phone_number", "") or "")
    country = getattr(getattr(address, "country", None), "iso_3166_1_a2", None)
    try:
        phone = parse_phone(raw_phone, country)
    except InvalidPhoneNumber:
        logger.info("guest of order %s not registered: no valid phone", order_number)
        return None
    department = current_department_id()
    request = wire.RegisterMemberRequest(
        phone=phone.to_wire(),
        first_name=getattr(address, "first_name", "") or None,
        last_name=getattr(address, "last_name", "") or None,
        email=order.guest_email or None,
        consent=wire.Consent(gdpr_accepted=True, save_order_history=save_order_history),
        department_ids=[department] if department else None,
        origin=wire.Origin(
            system_id=app_settings.SYSTEM_ID, department_id=department, channel="OnlineStore"
        ),
    )
    try:
        member = get_client().register_member(request)
    except DillerValidationError as exc:
        logger.info("guest of order %s not registered: %s", order_number, exc)
        return None
    ConsentRecord.objects.filter(order_number=order_number, member_id="").update(
        member_id=member.id or ""
    )
    _send_waiting_transaction(order_number)
    return member.id


def _send_waiting_transaction(order_number: str) -> None:
    """The order's transaction may have given up waiting for this registration: queue it again
    (nothing was sent for it)."""
    from ...tasks import queue_outbox_entries

    given_up = OutboxEntry.objects.filter(
        order_number=order_number,
        kind=OutboxEntry.Kind.SEND_TRANSACTION,
        state=OutboxEntry.State.SKIPPED,
        payload={},
    )
    ids = list(given_up.values_list("pk", flat=True))
    given_up.update(
        state=OutboxEntry.State.PENDING, attempts=0, last_error="", next_attempt_at=timezone.now()
    )
    queue_outbox_entries(ids, at_commit=False)


def record_guest_consents(order_number: str, store_id: str, join: bool, history: bool) -> None:
    """The shop's own evidence of what the guest ticked, with the order number."""
    for consent, given in ((Consent.GDPR, join), (Consent.ORDER_HISTORY, history and join)):
        ConsentRecord.objects.create(
            store_id=store_id,
            consent=consent,
            given=given,
            source="checkout",
            order_number=order_number,
        )
