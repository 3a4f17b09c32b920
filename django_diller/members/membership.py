"""A linked member's own changes: reading and editing the profile, and leaving the club."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser

from ..api import models as wire
from ..api.errors import DillerError, DillerNotFound
from ..models import Consent, MemberLink, Source
from ..signals import member_left, member_updated
from .consents import CONSENT_FLAGS, record_consents
from .profile import Profile, changed_fields
from .service import MemberService
from .updates import profile_changes, write_member


def get_member(members: MemberService, link: MemberLink) -> wire.MemberResponse:
    """The linked member as Diller has it now."""
    return members.client.get_member(link.member_id)


def member_exists(members: MemberService, link: MemberLink) -> bool:
    """Whether Diller still has the linked member: False only when it answers "not found"
    (a failure to ask is not an answer)."""
    try:
        members.client.get_member(link.member_id)
    except DillerNotFound:
        return False
    except DillerError:
        return True
    return True


def update(
    members: MemberService,
    user: AbstractBaseUser,
    link: MemberLink,
    current: wire.MemberResponse,
    profile: Profile,
    segments: Iterable[wire.StoreSegmentResponse],
) -> tuple[wire.MemberResponse, set[str]]:
    """PUT the edited profile on top of ``current`` (the member as just read); returns the
    member and the names of the changed fields (see :func:`~.profile.changed_fields`).

    The consent object sent is complete: the three flags of the form and the member's own
    ``gdpr_accepted``. Diller's answer may leave the consents out (the contract makes them
    optional); a Diller that replaces the member with what it is sent would then take the
    missing ``gdpr_accepted`` as a withdrawal and end the membership. The shop account is
    linked, so the member is in the club: it is sent as accepted. ``member_updated`` is sent
    only when something changed.
    """
    segments = list(segments)
    consents = {k: v for k, v in profile.consents.items() if k != Consent.GDPR}
    sent = dict(consents)
    if current.consent is None or current.consent.gdpr_accepted is None:
        sent[Consent.GDPR] = True
    changed = changed_fields(current, profile, segments)
    updated = write_member(
        members.client,
        current,
        profile_changes(profile, segments, edit=True),
        consents=sent,
    )
    record_consents(members.store_id, user, link.member_id, consents, Source.PAGE)
    if changed:
        member_updated.send(
            sender=MemberService,
            user=user,
            member_id=link.member_id,
            store_id=members.store_id,
            changed=changed,
        )
    return updated, changed


def leave(
    members: MemberService, user: AbstractBaseUser, link: MemberLink, *, at_diller: bool = True
) -> None:
    """Delete the member at Diller and the link here; the shop account stays. ``at_diller``
    False ends only the link: the shopper was told the club no longer has the membership, and
    that only the link ends (were it there after all, it stays)."""
    member_id = link.member_id
    if at_diller:
        with contextlib.suppress(DillerNotFound):  # already gone at Diller: finish here
            members.client.delete_member(member_id)
    record_consents(
        members.store_id, user, member_id, dict.fromkeys(CONSENT_FLAGS, False), Source.PAGE
    )
    link.delete()
    member_left.send(
        sender=MemberService, user=user, member_id=member_id, store_id=members.store_id
    )
