"""A guest who ticked "join" at checkout: invited to the club, like any unproven phone.

A guest has not proven that the phone in the order's address is theirs (it may be mistyped).
So the phone is never registered on the order's word: Diller's ``enroll`` texts its owner a
link to finish joining, and the order's transaction waits, visibly in the outbox, until the
owner has finished (the shop's activation page, or Diller's own page: each attempt asks
Diller). What happens, per :class:`~django_diller.models.JoinInvitation` state:

* ``queued``: Diller has not been asked yet (the task runs after the order is committed, and
  is retried while Diller is down);
* ``invited``: the link was texted; the transaction waits, skipped with that reason, and is
  queued again when the owner finishes (or the wait ends, ``JOIN_LINK_DAYS``);
* ``already_member``: the phone belongs to a member of the club. A guest has not proven it is
  theirs, so the purchase is not added to that membership (it would give a stranger the
  guest's purchase, and the guest's points to someone else); the thank-you page says so and
  suggests linking the membership from a shop account for the next purchases;
* ``failed``: no valid mobile number, Diller refused it, or Diller could not be reached for
  good; the thank-you page says the sign-up could not be completed, the outbox the reason;
* ``joined``: the owner finished; the transaction is sent to the new member.

Nothing here may fail the placed order: every step after the commit logs and records its
failure instead of raising.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import phonenumbers
from django.utils import timezone
from django.utils.formats import date_format
from oscar.core.loading import get_model

from ...api import DillerNotFound, DillerUnavailable, DillerValidationError
from ...api import models as wire
from ...loyalty.connection import current_department_id, get_client
from ...loyalty.origin import origin
from ...members import invitations
from ...models import Consent, ConsentRecord, JoinInvitation
from ...outbox.engine import NotReady, Skip
from ...outbox.tasks import queue_outbox_entries
from ...phones import InvalidPhoneNumber, parse_phone

logger = logging.getLogger("django_diller.oscar")
Order = get_model("order", "Order")
State, Failure = JoinInvitation.State, JoinInvitation.Failure
# A "join" ticked before guests were invited (no invitation): the transaction waited this long
# for the registration of those days.
LEGACY_WAIT = timedelta(days=2)
# A guest invitation still queued this long after the order is tried again by the periodic
# check (its task was lost with the broker, or could not be queued).
STUCK_AFTER = timedelta(minutes=10)


# at checkout ---------------------------------------------------------------------------------


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


def open_guest_invitation(order_number: str, store_id: str, history: bool) -> JoinInvitation:
    """The guest's join, queued: Diller is asked after the order is committed."""
    invitation, _created = JoinInvitation.objects.get_or_create(
        order_number=order_number,
        user=None,
        defaults={
            "store_id": store_id,
            "consents": {Consent.GDPR.value: True, Consent.ORDER_HISTORY.value: history},
        },
    )
    return invitation


def queue_guest_invitation(order_number: str) -> None:
    """Queue the task that invites the guest's phone; never raises (the order is placed).

    A task that could not be queued (broker down) leaves the invitation queued for the
    periodic check (:func:`check_guest_invitations`).
    """
    from .tasks import invite_guest

    try:
        invite_guest.delay(order_number)
    except Exception:
        logger.exception("diller: the guest sign-up of an order could not be queued")


def _send_waiting_transaction(order_number: str) -> None:
    """Queue the order's waiting transaction again, now (the guest's join moved on)."""
    ids = invitations.requeue_order_transaction(order_number, queue=False)
    queue_outbox_entries(ids, at_commit=False)


# the task ------------------------------------------------------------------------------------


def invite_guest_from_order(order_number: str, *, last_try: bool = True) -> str:
    """Ask Diller to invite the order's phone; the invitation's state afterwards.

    Raises ``DillerUnavailable`` only when not ``last_try`` (the task retries); on the last
    try the invitation fails with that reason. Any other outcome is recorded, not raised.
    """
    invitation = JoinInvitation.objects.filter(order_number=order_number, user=None).first()
    if invitation is None or invitation.state != State.QUEUED:
        return invitation.state if invitation else ""
    order = Order.objects.filter(number=order_number).first()
    phone = _order_phone(order) if order is not None else None
    if phone is None:
        _fail(invitation, Failure.NO_PHONE, "No valid mobile number in the order's address.")
        return invitation.state
    invitation.phone = phone.e164
    department_id = current_department_id()
    if not department_id:
        _fail(invitation, Failure.REFUSED, "No web shop department is configured at Diller.")
        return invitation.state
    try:
        _enroll(invitation, phone, department_id)
    except DillerUnavailable as exc:
        if not last_try:
            invitation.detail = "Diller could not be reached; trying again."
            invitation.save(update_fields=["phone", "detail"])
            raise
        logger.warning("diller: a guest sign-up gave up, Diller unavailable: %s", exc)
        _fail(invitation, Failure.UNAVAILABLE, "Diller could not be reached.")
    except DillerValidationError as exc:
        fields = ", ".join(sorted(exc.field_errors)) or "-"
        _fail(invitation, Failure.REFUSED, f"Diller refused the sign-up (fields: {fields}).")
    except Exception:  # a bug: keep the order, say so in the outbox
        logger.exception("diller: a guest sign-up failed")
        _fail(invitation, Failure.REFUSED, "The sign-up failed; see the shop's error log.")
    return invitation.state


def _order_phone(order):
    return address_phone(order.shipping_address or order.billing_address)


def address_phone(address):
    """The mobile number of an address (an order's, or the checkout's before the order), as
    the guest's invitation reads it; None when it has none that is valid."""
    raw = str(getattr(address, "phone_number", "") or "")
    country = getattr(getattr(address, "country", None), "iso_3166_1_a2", None)
    try:
        return parse_phone(raw, country)
    except InvalidPhoneNumber:
        return None


def _enroll(invitation: JoinInvitation, phone, department_id: str) -> None:
    """Search, then enroll: a member of the club is not invited again; anyone else (nobody,
    or a record that never finished) gets Diller's link. Only the phone is sent: the order's
    name and e-mail stay in the shop until the phone's owner has finished joining."""
    client = get_client(invitation.store_id or None)
    found = client.search_members(phone=phone.e164)
    if found and _accepted(found[0]):
        _already_member(invitation)
        return
    request = wire.EnrollMemberRequest(
        phone=phone.to_wire(),
        department_id=department_id,
        origin=origin(department_id),
    )
    try:
        member = client.enroll_member(request)
    except DillerValidationError as exc:
        # The contract allows refusing a phone a member holds: one registered since the search.
        again = client.search_members(phone=phone.e164) if exc.status in (400, 409) else []
        if again and _accepted(again[0]):
            _already_member(invitation)
            return
        raise
    if _accepted(member):
        _already_member(invitation)
        return
    now = timezone.now()
    invitation.state, invitation.member_id, invitation.detail = State.INVITED, member.id or "", ""
    invitation.invited_at, invitation.expires_at = now, now + invitations.link_lifetime()
    invitation.save()
    invitations.requeue_order_transaction(invitation.order_number)


def _accepted(member: wire.MemberResponse) -> bool:
    return bool(member.consent and member.consent.gdpr_accepted)


def _already_member(invitation: JoinInvitation) -> None:
    invitation.state = State.ALREADY_MEMBER
    invitation.finished_at = timezone.now()
    invitation.detail = (
        "The phone already belongs to a member of the club. A guest has not proven it is "
        "theirs, so the purchase is not added to that membership."
    )
    invitation.save()
    invitations.requeue_order_transaction(invitation.order_number)


def _fail(invitation: JoinInvitation, failure: str, detail: str) -> None:
    invitation.state, invitation.failure, invitation.detail = State.FAILED, failure, detail
    invitation.finished_at = timezone.now()
    invitation.save()
    invitations.requeue_order_transaction(invitation.order_number)


# the outbox's question: may the guest's transaction go? --------------------------------------


def guest_member_id(order) -> str:
    """The member a guest's order goes to, once the phone's owner finished joining.

    Until then raises :class:`~django_diller.outbox.engine.NotReady` (Diller not asked
    yet) or :class:`~django_diller.outbox.engine.Skip` with the true reason: waiting for
    the owner (the entry is queued again when they finish), the phone already a member, the
    sign-up failed, or the wait ended. Each attempt asks Diller whether the owner finished,
    wherever they did.
    """
    number = str(order.number)
    invitation = JoinInvitation.objects.filter(order_number=number, user=None).first()
    if invitation is None:
        if timezone.now() - order.date_placed > LEGACY_WAIT:
            raise Skip("The guest's membership was never registered.")
        raise NotReady("The guest's membership is still being registered.")
    refresh(invitation)
    state = invitation.state
    if state == State.JOINED:
        return invitation.member_id
    if state == State.QUEUED:
        raise NotReady(
            "The guest's club sign-up has not reached Diller yet. "
            + (invitation.detail or "Its task is queued.")
        )
    if state == State.INVITED:
        raise Skip(
            "Waiting for the phone's owner to finish joining the club from the link Diller "
            f"texted on {_day(invitation.invited_at)}: sent when they do (the wait ends on "
            f"{_day(invitation.expires_at)})."
        )
    if state == State.EXPIRED:
        raise Skip(
            "Not sent: the phone's owner did not finish joining the club by "
            f"{_day(invitation.expires_at)}."
        )
    if state == State.ALREADY_MEMBER:
        raise Skip(f"Not sent: {invitation.detail}")
    raise Skip(f"Not sent: the guest's club sign-up failed. {invitation.detail}")


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d") if moment else "?"


def refresh(invitation: JoinInvitation) -> JoinInvitation:
    """Bring a waiting invitation up to date: ended if past its time, joined if Diller says
    the owner finished (from the shop's page or anywhere else)."""
    if invitation.state != State.INVITED:
        return invitation
    if invitations.expire(invitation):
        return invitation
    if not invitation.member_id:
        return invitation
    try:
        member = get_client(invitation.store_id or None).get_member(invitation.member_id)
    except DillerNotFound:
        _fail(invitation, Failure.REFUSED, "The invited record no longer exists at Diller.")
        return invitation
    if _accepted(member):
        invitations.finish([invitation], invitation.member_id, None)
    return invitation


def check_guest_invitations(limit: int = 200) -> int:
    """The periodic check: queued invitations whose task was lost are asked again, and
    waiting ones are brought up to date (an owner who finished on Diller's own page). Returns
    how many changed state."""
    changed = 0
    stuck = JoinInvitation.objects.filter(
        user=None, state=State.QUEUED, created_at__lt=timezone.now() - STUCK_AFTER
    ).exclude(order_number="")
    for number in list(stuck.values_list("order_number", flat=True)[:limit]):
        queue_guest_invitation(number)
    waiting = JoinInvitation.objects.filter(user=None, state=State.INVITED).exclude(order_number="")
    for invitation in list(waiting.order_by("invited_at")[:limit]):
        try:
            refresh(invitation)
        except DillerUnavailable:
            break  # try again at the next check
        if invitation.state != State.INVITED:
            if invitation.state == State.EXPIRED:
                invitations.requeue_order_transaction(invitation.order_number)
            changed += 1
    return changed


# the thank-you page ---------------------------------------------------------------------------


def guest_signup(order) -> dict | None:
    """The guest's sign-up as the thank-you page tells it; None when they did not tick
    "join" (or the order is not a guest's)."""
    if order is None or getattr(order, "user_id", None):
        return None
    invitation = JoinInvitation.objects.filter(order_number=str(order.number), user=None).first()
    if invitation is None:
        return None
    phone = ""
    if invitation.phone:
        try:
            parsed = phonenumbers.parse(invitation.phone)
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        except phonenumbers.NumberParseException:
            phone = invitation.phone
    return {
        "state": invitation.state,
        "failure": invitation.failure,
        "phone": phone,
        "expires_at": invitation.expires_at,
    }
