"""The join page's flow: one SMS to the typed phone, and nothing linked before its owner proves it.

* The phone (or e-mail) belongs to a member, joined or not: a one-time code goes to the
  member's phone (:func:`~.code_link.start_code_link`); the right code links the member and
  applies the typed profile and the ticked consents.
* Nobody holds it: Diller's ``enroll`` with the phone, the web shop's department and the
  origin, nothing else. Diller keeps a record without consents (not a member of the club) and
  texts the phone its link to finish joining; the typed profile and the ticked consents wait
  in a :class:`~django_diller.models.JoinInvitation` for this account, and the activation page
  applies them when the phone's owner follows the link
  (:func:`~.activation.complete_activation`).

Someone typing another person's number gets neither a membership nor a welcome in their name:
the stranger gets an invitation they may ignore. The page answers the same whether the phone
belongs to a member, to a member linked to another account, or to nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.utils import timezone

from ..api import models as wire
from ..api.errors import DillerValidationError
from ..loyalty.connection import current_department_id
from ..loyalty.origin import origin
from ..models import JoinInvitation
from ..phones import PhoneNumber
from . import invitations, pending
from .code_link import start_code_link
from .consents import accepted_terms, consent_flags
from .errors import JoinNotConfigured
from .limits import client_ip
from .links import check_account_free
from .profile import Profile, phone_key
from .quotas import count_sms
from .service import MemberService


def find_existing(
    members: MemberService, phone: PhoneNumber | None, email: str | None = None
) -> wire.MemberResponse | None:
    """The member holding this phone, else this e-mail, else None.

    Both are searched whatever the first search found, so the join page makes the same
    calls for a member's phone as for a new one.
    """
    client = members.client
    by_phone = client.search_members(phone=phone.e164) if phone is not None else []
    by_email = client.search_members(email=email) if email else []
    found = [*by_phone, *by_email]
    return found[0] if found else None


def start_join(
    members: MemberService,
    request: HttpRequest,
    profile: Profile,
    segments: Iterable[wire.StoreSegmentResponse] = (),
) -> None:
    """The join page: text the phone, and remember what waits for the owner's proof.

    Either way one SMS is sent after the same searches, counted first against the phone
    and the client address (``OTP_PER_PHONE``, ``OTP_PER_IP``), and the page says the same.
    That the member is linked to another account is said only after the code.
    """
    if profile.phone is None:
        raise ValueError("a phone number is required to join")
    check_account_free(request.user)
    typed_key = phone_key(profile.phone)
    count_sms(typed_key, client_ip(request))
    member = find_existing(members, profile.phone, profile.email)
    if member is None:
        member = _invite(members, request, profile, profile.phone)
        if member is None:
            return
    start_code_link(
        members,
        request,
        member,
        profile.consents,
        profile=profile,
        segments=segments,
        counted=typed_key,
    )


def _invite(
    members: MemberService, request: HttpRequest, profile: Profile, phone: PhoneNumber
) -> wire.MemberResponse | None:
    """Enroll the phone (Diller texts its owner the link) and remember the join for this
    account; None when invited, or the member Diller says holds the phone after all
    (registered since the search: prove it by code, like any member)."""
    department_id = current_department_id()
    if not department_id:
        raise JoinNotConfigured()
    enrollment = wire.EnrollMemberRequest(
        phone=phone.to_wire(),
        department_id=department_id,
        origin=origin(department_id),
    )
    try:
        member = members.client.enroll_member(enrollment)
    except DillerValidationError as error:
        # The contract allows refusing a phone a member holds (409, or a 400 problem).
        found = _registered_meanwhile(members, phone) if error.status in (400, 409) else None
        if found is None or not found.id:
            raise
        return found
    if accepted_terms(member) or not member.id:
        return member  # a member since the search: Diller texted no link
    _remember_invitation(members, request, member, profile)
    return None


def _remember_invitation(
    members: MemberService, request: HttpRequest, member: wire.MemberResponse, profile: Profile
) -> None:
    user = request.user
    now = timezone.now()
    earlier = JoinInvitation.objects.filter(
        user=user, store_id=members.store_id, state=JoinInvitation.State.INVITED
    )
    earlier.update(
        state=JoinInvitation.State.EXPIRED,
        finished_at=now,
        detail="Replaced by a later join.",
        profile={},
    )
    JoinInvitation.objects.create(
        store_id=members.store_id,
        phone=phone_key(profile.phone),
        member_id=member.id or "",
        user=user,
        consents=consent_flags(profile.consents),
        profile=profile.to_json(),
        state=JoinInvitation.State.INVITED,
        invited_at=now,
        expires_at=now + invitations.link_lifetime(),
    )
    # The verify page looks the same as for a code: a code typed there is checked (and
    # refused, none was sent) and counted like any other.
    pending.store_pending(
        members, request, member, phone_key(profile.phone), profile.consents, None, invited=True
    )


def _registered_meanwhile(members: MemberService, phone: PhoneNumber) -> wire.MemberResponse | None:
    """The member holding ``phone`` after a refused enroll; None if there is none (the
    refusal was about something else: the caller raises it)."""
    try:
        found = members.client.search_members(phone=phone.e164)
    except DillerValidationError:
        return None
    return found[0] if found else None
