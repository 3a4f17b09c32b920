"""Proving a membership by a one-time code texted to the member's phone, then linking it.

The code goes to the phone Diller has for the member, never to one typed on the page; the
member it was sent for waits in the session (:mod:`.pending`) until the right code links it
to the shop account, with the profile and consents typed on the join page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from ..api import models as wire
from ..api.errors import DillerValidationError
from ..loyalty.connection import current_department_id
from ..loyalty.origin import origin
from ..models import Source
from ..signals import member_joined
from . import invitations, pending
from .consents import (
    accepted_terms,
    consent_flags,
    consents_of,
    consents_to_send,
    record_consents,
    record_diller_state,
)
from .errors import NoPendingLink
from .limits import client_ip
from .links import check_account_free, check_member_free, link_member
from .profile import PROFILE_FIELDS, Profile, phone_key
from .quotas import count_sms
from .service import MemberService
from .updates import profile_changes, write_member

logger = logging.getLogger(__name__)


@dataclass
class LinkResult:
    """What :func:`verify_code_link` did.

    ``joined``: the member had not accepted the club's terms when the code was sent (enrolled
    at a counter, or invited by an earlier join and never finished), so this link made them a
    member with the ticked consents. ``kept``: the profile fields (``UpdateMemberRequest``
    names) Diller refused, so the membership kept its own; the shopper should check them.
    """

    member: wire.MemberResponse
    joined: bool = False
    kept: list[str] = field(default_factory=list)

    @property
    def profile_refused(self) -> bool:
        return bool(self.kept)


def start_code_link(
    members: MemberService,
    request: HttpRequest,
    member: wire.MemberResponse,
    consents: Mapping[str, bool] | None = None,
    *,
    profile: Profile | None = None,
    segments: Iterable[wire.StoreSegmentResponse] = (),
    counted: str = "",
) -> None:
    """Text an existing member a code and remember, in the session, whom it was sent for.

    ``consents`` and ``profile`` are what the shopper ticked and typed on the join form:
    applied once the code proves the phone (:func:`verify_code_link`). ``counted``: the
    phone already counted against the limits (the typed one); the member's phone counts
    too when it is another (found by e-mail).
    """
    user = request.user
    if not member.id:
        raise NoPendingLink()
    check_account_free(user)
    key = phone_key(member.phone) or member.id
    if key != counted:
        count_sms(key, client_ip(request) if not counted else None)
    pending_profile = _pending_profile(profile, segments) if profile else None
    members.client.send_login_otp(member.id)
    pending.forget_wrong_codes(members, member.id)  # a new code gets its own tries
    pending.store_pending(members, request, member, key, consents or {}, pending_profile)


def _pending_profile(
    profile: Profile, segments: Iterable[wire.StoreSegmentResponse]
) -> dict[str, Any]:
    """The profile fields to send after the code, as JSON (what the shopper filled in)."""
    changes = wire.UpdateMemberRequest.model_validate(profile_changes(profile, segments))
    return changes.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def resend_code(members: MemberService, request: HttpRequest) -> None:
    """Send the SMS again (same limits): a new code, or, for a join waiting for the
    phone's owner, Diller's link again (enrolling an unfinished record re-sends it)."""
    waiting = pending.pending_link(members, request)
    if waiting is None:
        raise NoPendingLink()
    count_sms(waiting["phone_key"], client_ip(request))
    if waiting.get("invited"):
        department_id = current_department_id() or ""
        member = members.client.get_member(waiting["member_id"])
        if member.phone is None or accepted_terms(member):
            raise NoPendingLink()  # finished (or gone) since: nothing to send again
        members.client.enroll_member(
            wire.EnrollMemberRequest(
                phone=member.phone,
                department_id=department_id,
                origin=origin(department_id),
            )
        )
    else:
        members.client.send_login_otp(waiting["member_id"])
    pending.renew_pending(members, request, waiting)


def verify_code_link(members: MemberService, request: HttpRequest, code: str) -> LinkResult:
    """Check the code for the pending link; on success link the member to the user.

    Each try is counted, atomically and per member (across sessions and parallel
    requests), *before* Diller is asked: the sixth try of a code never reaches Diller.

    After the right code, the typed profile's filled-in fields are sent, with:

    * for a member who had not accepted the club's terms (enrolled at a counter, or an
      invitation never finished): the four consents as ticked, joining the club;
    * for a member of the club: the consents the shopper ticked that the membership did
      not have yet; an unticked box does not withdraw what the member gave before.

    The consent records keep what Diller had (``as Diller had it``) apart from what the
    shopper chose on this page (``loyalty page``). If Diller refuses the profile, the
    consents are sent without it and :attr:`LinkResult.kept` names the fields the
    membership kept.
    """
    waiting = pending.pending_link(members, request)
    if waiting is None:
        raise NoPendingLink()
    store_id = members.store_id
    member_id = waiting["member_id"]
    if not waiting.get("verified"):
        pending.check_code(members, request, waiting, code)
    user = request.user
    member = members.client.get_member(member_id)
    check_member_free(members, user, member_id)
    before = consents_of(member)
    joining = not accepted_terms(member)
    chosen = consents_to_send(member, consent_flags(waiting.get("consents") or {}))
    member, kept = _apply_join(members, member, chosen, waiting.get("profile"))
    with transaction.atomic():
        link_member(members, user, member_id, Source.PAGE)
        record_diller_state(store_id, user, member_id, before)
        record_consents(store_id, user, member_id, chosen, Source.PAGE)
        invitations.finish(invitations.waiting_for(store_id, member), member_id, user.pk)
    pending.forget_pending(request)
    member_joined.send(
        sender=MemberService,
        user=user,
        member_id=member_id,
        store_id=store_id,
        source=Source.PAGE,
    )
    return LinkResult(member=member, joined=joining, kept=kept)


def _apply_join(
    members: MemberService,
    member: wire.MemberResponse,
    consents: Mapping[str, bool],
    profile: Mapping[str, Any] | None,
) -> tuple[wire.MemberResponse, list[str]]:
    """Send the typed profile and ``consents`` on top of the member as just read.

    Returns the member and the profile fields Diller refused (kept as the membership had
    them): the consents are then sent without the profile (the phone is proven, the
    membership should not fail over an e-mail address). Only field names are logged.
    """
    client = members.client
    if profile:
        try:
            return write_member(client, member, profile, consents=consents), []
        except DillerValidationError as error:
            kept = _refused_fields(error, profile)
            logger.info(
                "Diller refused the join profile of member %s (fields %s); "
                "consents sent without it",
                member.id,
                ", ".join(kept),
            )
            if consents:
                member = write_member(client, member, {}, consents=consents)
            return member, kept
    if consents:
        return write_member(client, member, {}, consents=consents), []
    return member, []


def _refused_fields(error: DillerValidationError, profile: Mapping[str, Any]) -> list[str]:
    """The typed fields Diller's problem names; every typed field when it names none."""
    named = {
        name.strip().lower().lstrip("$.").split(".")[0].split("[")[0] for name in error.field_errors
    }
    sent = [name for name in PROFILE_FIELDS if name in profile]
    return [name for name in sent if name in named] or sent
