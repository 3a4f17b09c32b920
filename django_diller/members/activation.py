"""Finishing a membership from the activation link Diller texted to the phone.

The token was texted to the phone: whoever holds it owns the phone (or was given the link by
its owner). A token finishes one membership: one that linked an account never links another
(:class:`~django_diller.models.UsedActivationToken`). Unknown tokens are counted per client
address (:mod:`.quotas`), so that tokens cannot be guessed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction

from ..api import models as wire
from ..models import JoinInvitation, MemberLink, Source, UsedActivationToken
from ..signals import member_joined
from . import invitations, quotas
from .consents import (
    consent_flags,
    consents_of,
    consents_to_send,
    record_consents,
    record_diller_state,
)
from .errors import LoginNeeded, TokenUsed
from .links import check_account_free, check_member_free, link_member
from .profile import Profile
from .service import MemberService
from .updates import profile_changes, write_member


@dataclass
class Activation:
    """What an activation token leads to: Diller's record, and the join it answers, if any.

    ``used``: the token already finished a membership. ``invitation``: the join waiting for
    this phone's owner (an account's, or a guest's order).
    """

    member: wire.MemberResponse
    invitation: JoinInvitation | None = None
    used: bool = False

    @property
    def for_guest(self) -> bool:
        """A guest's join: finished without a shop account (the order is theirs)."""
        return bool(
            self.invitation and self.invitation.user_id is None and self.invitation.order_number
        )

    def typed_for(
        self, user: AbstractBaseUser | None, joined_here: Collection[str] = ()
    ) -> Profile | None:
        """The profile and consents typed on the join page, for the account that typed them
        only (a stranger holding the link never sees them). For a guest's join, the consents
        the guest ticked at checkout (the checkout asked for nothing else), but only in the
        browser that placed the order (``joined_here``: its orders whose guest ticked "join",
        see :func:`remember_guest_join`): the SMS goes to the address's phone, which may be a
        gift's recipient, whose boxes nobody may tick for them."""
        invitation = self.invitation
        if invitation is None:
            return None
        if self.for_guest:
            if invitation.order_number not in joined_here:
                return None
            ticked = {k: True for k, v in invitation.consents.items() if v}
            return Profile(consents=ticked)
        if user is None or invitation.user_id != user.pk:
            return None
        profile = Profile.from_json(invitation.profile)
        profile.consents = {k: bool(v) for k, v in invitation.consents.items()}
        return profile


# The orders whose guest ticked "join" in this browser session, newest last.
GUEST_JOINS_KEY = "diller_guest_joins"
GUEST_JOINS_KEPT = 5


def remember_guest_join(session: SessionBase, order_number: str) -> None:
    """Remember in the guest's own session that they ticked "join" for ``order_number``: the
    activation page shows their ticks again only there."""
    joins = [n for n in session.get(GUEST_JOINS_KEY, []) if n != order_number]
    session[GUEST_JOINS_KEY] = [*joins, order_number][-GUEST_JOINS_KEPT:]


def guest_joins(session: SessionBase | None) -> list[str]:
    return list(session.get(GUEST_JOINS_KEY, [])) if session is not None else []


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_by_activation_token(
    members: MemberService, token: str, *, client_address: str | None = None
) -> wire.MemberResponse | None:
    """The member a sign-up link is for. With ``client_address``, each look-up counts
    against that address first and a found token is given back (``TOKEN_MISSES_PER_IP``
    unknown tokens per hour), so tokens cannot be guessed, not even in parallel."""
    token = (token or "").strip()
    counted = quotas.count_token_look_up(client_address)
    found = members.client.search_members(activation_token=token) if token else []
    if found:
        quotas.token_found(counted)
    return found[0] if found else None


def activation(
    members: MemberService, token: str, *, client_address: str | None = None
) -> Activation | None:
    """What the activation page shows for ``token``: None for a token Diller does not
    know; ``used`` when it already finished a membership here."""
    member = find_by_activation_token(members, token, client_address=client_address)
    if member is None or not member.id:
        return None
    used = (
        UsedActivationToken.objects.filter(
            store_id=members.store_id, digest=token_digest(token.strip())
        ).exists()
        or MemberLink.objects.filter(store_id=members.store_id, member_id=member.id).exists()
    )
    invitation = invitations.waiting_for(members.store_id, member).order_by("-pk").first()
    return Activation(member=member, invitation=invitation, used=used)


def complete_activation(
    members: MemberService,
    user: AbstractBaseUser | None,
    token: str,
    profile: Profile,
    segments: Iterable[wire.StoreSegmentResponse],
) -> wire.MemberResponse | None:
    """Finish the membership an activation token is for; None if Diller does not know it.

    ``user`` is the shop account to link, or None for a guest's join (an order's phone),
    which needs no account. The typed profile and the consents ticked on the page are sent
    in one update; the consent records keep what Diller had (``as Diller had it``) apart
    from the choices made here (``activation link``). The token is claimed in the same
    database transaction as the link, so two parallel uses finish one membership; a used
    token raises :class:`~.errors.TokenUsed`.
    """
    token = (token or "").strip()
    member = find_by_activation_token(members, token)
    if member is None or not member.id:
        return None
    store_id = members.store_id
    member_id = member.id
    waiting = list(invitations.waiting_for(store_id, member))
    guest_orders = [i.order_number for i in waiting if i.user_id is None and i.order_number]
    if user is None and not guest_orders:
        raise LoginNeeded()
    if user is not None:
        check_account_free(user)
        check_member_free(members, user, member_id)
    with transaction.atomic():
        claim_token(members, token, member_id, user)
        before = consents_of(member)
        chosen = consents_to_send(member, consent_flags(profile.consents))
        updated = write_member(
            members.client, member, profile_changes(profile, segments), consents=chosen
        )
        if user is not None:
            link_member(members, user, member_id, Source.ACTIVATION)
        order_number = guest_orders[0] if user is None else ""
        record_diller_state(store_id, user, member_id, before, order_number=order_number)
        record_consents(
            store_id, user, member_id, chosen, Source.ACTIVATION, order_number=order_number
        )
        invitations.finish(waiting, member_id, user.pk if user is not None else None)
    if user is not None:
        member_joined.send(
            sender=MemberService,
            user=user,
            member_id=member_id,
            store_id=store_id,
            source=Source.ACTIVATION,
        )
    return updated


def claim_token(
    members: MemberService, token: str, member_id: str, user: AbstractBaseUser | None
) -> None:
    """Mark ``token`` used (in the caller's transaction); :class:`~.errors.TokenUsed` if it
    already was."""
    try:
        with transaction.atomic():
            UsedActivationToken.objects.create(
                store_id=members.store_id,
                digest=token_digest(token),
                member_id=member_id,
                user=user,
            )
    except IntegrityError:
        raise TokenUsed() from None
