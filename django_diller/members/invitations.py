"""Joins waiting for the phone's owner (:class:`~django_diller.models.JoinInvitation`).

A phone that is not a member is never registered on someone's word: Diller's ``enroll`` texts
its owner a link to finish joining, and only the owner's finishing (the activation page, or
a code proving the phone) makes it a member. This module keeps the shop's side of that wait:
which invitation a member answers, what happens to a guest's order when the owner finished,
and the end of the wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..api import models as wire
from ..conf import app_settings
from ..loyalty.kinds import CORRECTIONS, Kind
from ..models import Consent, ConsentRecord, JoinInvitation, OutboxEntry
from ..outbox.tasks import queue_outbox_entries

State = JoinInvitation.State


def link_lifetime() -> timedelta:
    """How long a join waits for the phone's owner (``DILLER['JOIN_LINK_DAYS']``)."""
    return timedelta(days=float(app_settings.JOIN_LINK_DAYS))


def waiting_for(store_id: str, member: wire.MemberResponse) -> QuerySet[JoinInvitation]:
    """The invitations still waiting that ``member`` (the record Diller's enroll made, or the
    member now holding that phone) answers."""
    match = Q(member_id=member.id) if member.id else Q(pk__in=[])
    if member.phone is not None and member.phone.number:
        match |= Q(phone=f"{member.phone.country_code}{member.phone.number}")
    return JoinInvitation.objects.filter(match, store_id=store_id, state=State.INVITED)


def finish(
    invitations: Iterable[JoinInvitation], member_id: str, user_id: object | None
) -> list[JoinInvitation]:
    """The phone's owner finished joining (as ``user_id``'s shop account, or without one).

    A guest's invitation is joined: its order goes to the new member. An account's is joined
    if that account finished it; another account's is over (the phone is not theirs).
    Returns the invitations joined.
    """
    joined = []
    now = timezone.now()
    for invitation in invitations:
        guest = invitation.user_id is None
        if guest or (user_id is not None and invitation.user_id == user_id):
            invitation.state, invitation.detail = State.JOINED, ""
            joined.append(invitation)
        else:
            invitation.state = State.FAILED
            invitation.failure = JoinInvitation.Failure.OTHER_ACCOUNT
            invitation.detail = "The phone's owner finished joining with another shop account."
        invitation.member_id, invitation.finished_at = member_id, now
        invitation.profile = {}  # what was typed is at Diller now, or was not the owner's
        invitation.save(
            update_fields=["state", "failure", "detail", "member_id", "finished_at", "profile"]
        )
        if guest:
            release_order(invitation.order_number, member_id)
    return joined


def release_order(order_number: str, member_id: str) -> None:
    """A guest's order now belongs to ``member_id``: its consent records say so, and its
    transaction, waiting or given up, is queued again."""
    if not order_number:
        return
    ConsentRecord.objects.filter(
        order_number=order_number,
        member_id="",
        consent__in=[Consent.GDPR, Consent.ORDER_HISTORY],
    ).update(member_id=member_id)
    requeue_order_transaction(order_number)


def requeue_order_transaction(order_number: str, *, queue: bool = True) -> list[int]:
    """Queue the order's transaction again if it waits for the guest's join: skipped (waiting,
    or given up) with nothing sent, or failed and due later. Its next attempt reads the
    invitation's state: sent, or skipped with the reason, never left saying it waits.

    The order's corrections skipped meanwhile (cancelled, or part of it returned, while the
    purchase waited) are made pending again too: each waits for what it corrects and goes
    after it, so Diller never keeps a purchase the buyer returned."""
    entries = OutboxEntry.objects.filter(
        order_number=order_number, kind=Kind.SEND_TRANSACTION, payload={}
    ).filter(state__in=[OutboxEntry.State.SKIPPED, OutboxEntry.State.FAILED])
    ids = list(entries.values_list("pk", flat=True))
    entries.update(
        state=OutboxEntry.State.PENDING, attempts=0, last_error="", next_attempt_at=timezone.now()
    )
    if ids:
        OutboxEntry.objects.filter(
            order_number=order_number,
            kind__in=CORRECTIONS,
            state=OutboxEntry.State.SKIPPED,
            depends_on__isnull=False,
        ).update(
            state=OutboxEntry.State.PENDING,
            attempts=0,
            last_error="",
            next_attempt_at=timezone.now(),
        )
    if queue:
        queue_outbox_entries(ids)  # after the commit: a worker must see the rows pending
    return ids


def expire(invitation: JoinInvitation) -> bool:
    """End the wait of an invitation past its time; True if it ended now."""
    if invitation.state != State.INVITED or not invitation.expires_at:
        return False
    if invitation.expires_at > timezone.now():
        return False
    invitation.state = State.EXPIRED
    invitation.finished_at = timezone.now()
    invitation.detail = "The phone's owner did not finish joining in time."
    invitation.profile = {}  # kept only while it waits
    invitation.save(update_fields=["state", "finished_at", "detail", "profile"])
    return True
