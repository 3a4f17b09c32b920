"""The member service: the only code of the shopper pages that talks to Diller about members.

Views hand it plain values (a :class:`Profile` built by the form, the request for the session)
and get Diller's answers or one of this module's errors back; Diller's own errors
(``DillerUnavailable``, ``DillerValidationError``…) pass through for the view to show.

Security rules kept here, so that no view can forget them:

* A member id never comes from the browser. Linking a member needs proof that the shopper
  owns the member's phone: a one-time code texted to it (the pending link, with the member id,
  expiry and tries, lives in the server-side session), or the activation link Diller texted
  to it.
* Nothing creates a member, or announces a membership, for a phone whose owner has not
  proven it. A phone that is not a member is *enrolled* (:meth:`MemberService.start_join`):
  Diller keeps a record with no consents and texts the phone a link to finish joining; the
  typed profile and the ticked consents wait in a :class:`~django_diller.models.JoinInvitation`
  and reach Diller only when the phone's owner finishes, from that link
  (:meth:`MemberService.complete_activation`). Someone typing another person's number gets
  neither a membership nor a welcome in their name: the stranger gets an invitation they may
  ignore.
* The join page answers the same way whether the phone (or e-mail) belongs to a member, to a
  member linked to another account, or to nobody: one SMS is sent (a code or the link) after
  the same Diller calls, and the page says "we have sent an SMS". That a membership is linked
  to another account is said only after the code proved the phone.
* Sending codes and links, wrong codes and unknown activation tokens are rate limited in a
  shared cache with atomic counters (:mod:`.limits`), per phone and per client address, so
  the pages can't be used to flood a phone, guess codes or tokens, or probe many numbers, not
  even with parallel requests.
* An activation token finishes one membership: a token that linked an account never links
  another (:class:`~django_diller.models.UsedActivationToken`).
* The consent audit trail (:class:`~django_diller.models.ConsentRecord`) holds what the
  shopper chose on the page (``loyalty page``, ``activation link``) and, apart, the consents
  Diller already had for a member the shop links (``as Diller had it``).
* Every update of a member is a read-modify-write (:meth:`MemberService._write`): the PUT
  carries the member as just read, with only the intended changes, and always the complete
  consent object. The contract lets a server treat a PUT as a replace, and a request leaving
  out ``gdpr_accepted`` would then end the member's membership.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from ..api import models as wire
from ..api.errors import DillerNotFound, DillerRefused, DillerValidationError
from ..loyalty.concurrent import side_by_side
from ..loyalty.connection import (
    current_department_id,
    current_store_id,
    get_client,
    store_time_zone,
)
from ..loyalty.origin import origin
from ..loyalty.store import membership_levels, store_details
from ..models import (
    Consent,
    ConsentRecord,
    JoinInvitation,
    MemberLink,
    Source,
    UsedActivationToken,
)
from ..phones import PhoneNumber
from ..signals import member_joined, member_left, member_updated
from . import invitations, limits
from .limits import client_ip

logger = logging.getLogger(__name__)

__all__ = ["client_ip"]  # re-exported for the views (the address the limits count per)


PENDING_LINK_SESSION_KEY = "diller_pending_link"
PENDING_LINK_LIFETIME = 10 * 60  # seconds
MAX_WRONG_CODES = 5
TOKEN_MISSES_PER_IP = (10, 3600)  # unknown activation tokens per client address, per hour

OTP_PER_PHONE = (3, 15 * 60)  # at most 3 SMS (codes or links) per phone per 15 minutes
OTP_PER_IP = (10, 60 * 60)  # at most 10 SMS per client IP per hour

CONSENT_FLAGS: tuple[str, ...] = tuple(c.value for c in Consent)
OPTION_TYPES = {wire.SegmentType.Radio, wire.SegmentType.Dropdown, wire.SegmentType.Checkbox}
# The profile fields a join may send (``UpdateMemberRequest`` names), in the form's order.
PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "birth_date",
    "gender",
    "address",
    "segments",
)


# errors ------------------------------------------------------------------------------------


class MemberServiceError(Exception):
    """A refusal of the member service; views show a matching message of their own."""


class RateLimited(MemberServiceError):
    """Too many codes or links asked for this phone or from this address."""


class NoPendingLink(MemberServiceError):
    """No code is pending in this session (never sent, expired, used up or voided)."""


class WrongCode(MemberServiceError):
    """The code was refused; ``attempts_left`` more tries before the pending link is void."""

    def __init__(self, attempts_left: int):
        super().__init__(f"wrong code, {attempts_left} attempt(s) left")
        self.attempts_left = attempts_left


class TooManyAttempts(MemberServiceError):
    """The fifth wrong code: the pending link is void, a new code must be asked for."""


class MemberTaken(MemberServiceError):
    """The Diller member is already linked to another shop account."""


class AlreadyLinked(MemberServiceError):
    """This shop account is already linked to a member."""


class TokenUsed(MemberServiceError):
    """The activation token already finished a membership: it cannot finish another."""


class LoginNeeded(MemberServiceError):
    """The activation link is for a membership that belongs with a shop account."""


class JoinNotConfigured(MemberServiceError):
    """No web shop department is configured: Diller's enroll needs one."""


# plain values ------------------------------------------------------------------------------


def birth_datetime(day: date | None) -> datetime | None:
    """A birth date as Diller's date-time: midnight UTC of that day."""
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def birth_date_of(moment: datetime | None) -> date | None:
    """The day a birth date-time from Diller means.

    Midnight UTC is that day (as the shop writes it). Anything else was written as a local
    midnight somewhere (a naive date read in the store's zone, another system's local time):
    its day in the store's time zone. Reading it this way and writing midnight UTC back keeps a
    read-modify-write from moving a birthday by a day.
    """
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    if (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0):
        return utc.date()
    return moment.astimezone(store_time_zone()).date()


@dataclass
class Profile:
    """What the shopper typed, as plain values (the form builds it)."""

    phone: PhoneNumber | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    birth_date: date | None = None
    gender: str = ""
    street: str = ""
    zip_code: str = ""
    city: str = ""
    country_code: str = ""
    consents: dict[str, bool] = field(default_factory=dict)
    # segment id -> str (Text), date | None (DateTime), list of option ids (the others)
    segment_answers: dict[int, Any] = field(default_factory=dict)

    TEXT_FIELDS = ("first_name", "last_name", "email", "gender", "street", "zip_code", "city")

    def address(self) -> wire.Address | None:
        values = {
            "street": self.street,
            "zip_code": self.zip_code,
            "city": self.city,
            "country_code": self.country_code,
        }
        values = {k: v for k, v in values.items() if v}
        return wire.Address(**values) if values else None

    def birth_datetime(self) -> datetime | None:
        """Diller wants a date-time: the birth date at midnight UTC."""
        return birth_datetime(self.birth_date)

    def to_json(self) -> dict[str, Any]:
        """The typed fields as JSON (a join invitation keeps them to prefill the activation
        page); the phone and the consents are kept apart."""
        values: dict[str, Any] = {name: getattr(self, name) for name in self.TEXT_FIELDS}
        values["country_code"] = self.country_code
        values["birth_date"] = self.birth_date.isoformat() if self.birth_date else ""
        values["segment_answers"] = {
            str(key): (answer.isoformat() if isinstance(answer, date) else answer)
            for key, answer in self.segment_answers.items()
        }
        return values

    @classmethod
    def from_json(cls, values: Mapping[str, Any]) -> Profile:
        answers = {}
        for key, answer in (values.get("segment_answers") or {}).items():
            with contextlib.suppress(ValueError):
                answers[int(key)] = answer
        profile = cls(
            **{name: str(values.get(name) or "") for name in cls.TEXT_FIELDS},
            country_code=str(values.get("country_code") or ""),
            birth_date=_parse_date(values.get("birth_date")),
            segment_answers=answers,
        )
        return profile


@dataclass
class LevelProgress:
    points: Decimal
    level_title: str | None
    next_level_title: str | None
    points_to_next: Decimal | None
    progress_value: Decimal
    progress_max: Decimal


@dataclass
class LoyaltyOverview:
    """Everything the "my loyalty" page shows."""

    member: wire.MemberResponse
    coupons: list[wire.MemberCouponResponse]
    stamp_cards: list[wire.MemberStampCard]
    progress: LevelProgress
    currency: str


@dataclass
class LinkResult:
    """What :meth:`MemberService.verify_code_link` did.

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

    def typed_for(self, user: AbstractBaseUser | None) -> Profile | None:
        """The profile and consents typed on the join page, for the account that typed them
        only (a stranger holding the link never sees them)."""
        invitation = self.invitation
        if invitation is None or user is None or invitation.user_id != user.pk:
            return None
        profile = Profile.from_json(invitation.profile)
        profile.consents = {k: bool(v) for k, v in invitation.consents.items()}
        return profile


def segment_values(
    segments: Iterable[wire.StoreSegmentResponse],
    answers: Mapping[int, Any],
    *,
    keep_empty: bool = False,
) -> list[wire.SegmentValue]:
    """Answers as Diller's ``SegmentValue``s.

    ``keep_empty`` sends empty answers too (an edit clears them at Diller); a registration
    leaves them out.
    """
    values: list[wire.SegmentValue] = []
    for segment in segments:
        if segment.id is None or segment.id not in answers:
            continue
        answer = answers[segment.id]
        if segment.type in OPTION_TYPES:
            if isinstance(answer, str | int):
                answer = [answer] if answer != "" else []
            options = [int(option) for option in answer or []]
            if options or keep_empty:
                values.append(wire.SegmentValue(segment_id=segment.id, selected_options=options))
            continue
        if isinstance(answer, date):
            text = answer.isoformat()
        else:
            text = (answer or "").strip() if isinstance(answer, str) else ""
        if text or keep_empty:
            values.append(wire.SegmentValue(segment_id=segment.id, value=text))
    return values


def segment_answers_of(member: wire.MemberResponse) -> dict[int, Any]:
    """A member's answers keyed by segment id (for prefilling and comparing)."""
    answers: dict[int, Any] = {}
    for answer in member.segments:
        if answer.id is None:
            continue
        if answer.type in OPTION_TYPES:
            answers[answer.id] = list(answer.selected_options)
        elif answer.type == wire.SegmentType.DateTime:
            answers[answer.id] = _parse_date(answer.value)
        else:
            answers[answer.id] = answer.value or ""
    return answers


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def phone_key(phone: wire.Phone | PhoneNumber | None) -> str:
    """A phone as ``+<country code><number>``, digits only, whatever form Diller gives it in."""
    if phone is None:
        return ""
    code = "".join(ch for ch in str(phone.country_code or "") if ch.isdigit()).lstrip("0")
    number = "".join(ch for ch in str(phone.number or "") if ch.isdigit())
    return f"+{code}{number}" if number else ""


# the service -------------------------------------------------------------------------------


class MemberService:
    """Members of one store (the configured one unless given); also the signals' sender."""

    def __init__(self, store_id: str | None = None):
        self.store_id = store_id or current_store_id() or ""
        self.client = get_client(self.store_id)

    # finding -------------------------------------------------------------------------------

    def find_existing(
        self, phone: PhoneNumber | None, email: str | None = None
    ) -> wire.MemberResponse | None:
        """The member holding this phone, else this e-mail, else None.

        Both are searched whatever the first search found, so the join page makes the same
        calls for a member's phone as for a new one.
        """
        by_phone = self.client.search_members(phone=phone.e164) if phone is not None else []
        by_email = self.client.search_members(email=email) if email else []
        found = [*by_phone, *by_email]
        return found[0] if found else None

    def find_by_activation_token(
        self, token: str, *, client_address: str | None = None
    ) -> wire.MemberResponse | None:
        """The member a sign-up link is for. With ``client_address``, each look-up counts
        against that address first and a found token is given back (``TOKEN_MISSES_PER_IP``
        unknown tokens per hour), so tokens cannot be guessed, not even in parallel."""
        token = (token or "").strip()
        key = f"diller:token-miss:{client_address}" if client_address else None
        if key and limits.hit(key, TOKEN_MISSES_PER_IP[1]) > TOKEN_MISSES_PER_IP[0]:
            raise RateLimited()
        found = self.client.search_members(activation_token=token) if token else []
        if found and key:
            limits.undo(key)
        return found[0] if found else None

    def link_of(self, user: AbstractBaseUser) -> MemberLink | None:
        return MemberLink.objects.of(user, self.store_id)

    def get_member(self, link: MemberLink) -> wire.MemberResponse:
        return self.client.get_member(link.member_id)

    # activation: the link Diller texted -----------------------------------------------------

    def activation(self, token: str, *, client_address: str | None = None) -> Activation | None:
        """What the activation page shows for ``token``: None for a token Diller does not
        know; ``used`` when it already finished a membership here."""
        member = self.find_by_activation_token(token, client_address=client_address)
        if member is None or not member.id:
            return None
        used = (
            UsedActivationToken.objects.filter(
                store_id=self.store_id, digest=token_digest(token.strip())
            ).exists()
            or MemberLink.objects.filter(store_id=self.store_id, member_id=member.id).exists()
        )
        invitation = invitations.waiting_for(self.store_id, member).order_by("-pk").first()
        return Activation(member=member, invitation=invitation, used=used)

    def complete_activation(
        self,
        user: AbstractBaseUser | None,
        token: str,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse],
    ) -> wire.MemberResponse | None:
        """Finish the membership an activation token is for; None if Diller does not know it.

        The token was texted to the phone: whoever holds it owns the phone (or was given the
        link by its owner). ``user`` is the shop account to link, or None for a guest's join
        (an order's phone), which needs no account. The typed profile and the consents
        ticked on the page are sent in one update; the consent records keep what Diller had
        (``as Diller had it``) apart from the choices made here (``activation link``). The
        token is claimed in the same database transaction as the link, so two parallel uses
        finish one membership; a used token raises :class:`TokenUsed`.
        """
        token = (token or "").strip()
        member = self.find_by_activation_token(token)
        if member is None or not member.id:
            return None
        member_id = member.id
        waiting = list(invitations.waiting_for(self.store_id, member))
        guest_orders = [i.order_number for i in waiting if i.user_id is None and i.order_number]
        if user is None and not guest_orders:
            raise LoginNeeded()
        if user is not None:
            self._check_account_free(user)
            self._check_free(user, member_id)
        with transaction.atomic():
            self._claim_token(token, member_id, user)
            before = self._consents_of(member)
            chosen = self._consent_flags(profile.consents)
            updated = self._write(member, self._profile_changes(profile, segments), consents=chosen)
            if user is not None:
                self._link(user, member_id, Source.ACTIVATION)
            order_number = guest_orders[0] if user is None else ""
            self.record_diller_state(user, member_id, before, order_number=order_number)
            self.record_consents(
                user, member_id, chosen, Source.ACTIVATION, order_number=order_number
            )
            invitations.finish(waiting, member_id, user.pk if user is not None else None)
        if user is not None:
            member_joined.send(
                sender=MemberService,
                user=user,
                member_id=member_id,
                store_id=self.store_id,
                source=Source.ACTIVATION,
            )
        return updated

    def _claim_token(self, token: str, member_id: str, user: AbstractBaseUser | None) -> None:
        try:
            with transaction.atomic():
                UsedActivationToken.objects.create(
                    store_id=self.store_id,
                    digest=token_digest(token),
                    member_id=member_id,
                    user=user,
                )
        except IntegrityError:
            raise TokenUsed() from None

    # joining: a code to a member's phone, or Diller's link to a new one ----------------------

    def start_join(
        self,
        request: HttpRequest,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse] = (),
    ) -> None:
        """The join page: text the phone, and remember what waits for the owner's proof.

        * The phone (or e-mail) belongs to a member, joined or not: a one-time code goes to
          the member's phone (:meth:`start_code_link`); the right code links the member and
          applies the typed profile and the ticked consents.
        * Nobody holds it: Diller's ``enroll`` with the phone, the web shop's department and
          the origin, nothing else. Diller keeps a record without consents (not a member of
          the club) and texts the phone its link to finish joining; the typed profile and
          the ticked consents wait in a :class:`~django_diller.models.JoinInvitation` for this
          account, and the activation page applies them when the phone's owner follows the
          link (:meth:`complete_activation`).

        Either way one SMS is sent after the same searches, counted first against the phone
        and the client address (``OTP_PER_PHONE``, ``OTP_PER_IP``), and the page says the same.
        That the member is linked to another account is said only after the code.
        """
        if profile.phone is None:
            raise ValueError("a phone number is required to join")
        self._check_account_free(request.user)
        typed_key = phone_key(profile.phone)
        self._rate_limit(typed_key, client_ip(request))
        member = self.find_existing(profile.phone, profile.email)
        if member is None:
            member = self._invite(request, profile, profile.phone)
            if member is None:
                return
        self.start_code_link(
            request, member, profile.consents, profile=profile, segments=segments, counted=typed_key
        )

    def _invite(
        self, request: HttpRequest, profile: Profile, phone: PhoneNumber
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
            member = self.client.enroll_member(enrollment)
        except DillerValidationError as error:
            # The contract allows refusing a phone a member holds (409, or a 400 problem).
            found = self._registered_meanwhile(phone) if error.status in (400, 409) else None
            if found is None or not found.id:
                raise
            return found
        if self._accepted_terms(member) or not member.id:
            return member  # a member since the search: Diller texted no link
        self._remember_invitation(request, member, profile)
        return None

    def _remember_invitation(
        self, request: HttpRequest, member: wire.MemberResponse, profile: Profile
    ) -> None:
        user = request.user
        now = timezone.now()
        earlier = JoinInvitation.objects.filter(
            user=user, store_id=self.store_id, state=JoinInvitation.State.INVITED
        )
        earlier.update(
            state=JoinInvitation.State.EXPIRED,
            finished_at=now,
            detail="Replaced by a later join.",
            profile={},
        )
        JoinInvitation.objects.create(
            store_id=self.store_id,
            phone=phone_key(profile.phone),
            member_id=member.id or "",
            user=user,
            consents=self._consent_flags(profile.consents),
            profile=profile.to_json(),
            state=JoinInvitation.State.INVITED,
            invited_at=now,
            expires_at=now + invitations.link_lifetime(),
        )
        # The verify page looks the same as for a code: a code typed there is checked (and
        # refused, none was sent) and counted like any other.
        self._store_pending(
            request, member, phone_key(profile.phone), profile.consents, None, invited=True
        )

    def _registered_meanwhile(self, phone: PhoneNumber) -> wire.MemberResponse | None:
        """The member holding ``phone`` after a refused enroll; None if there is none (the
        refusal was about something else: the caller raises it)."""
        try:
            found = self.client.search_members(phone=phone.e164)
        except DillerValidationError:
            return None
        return found[0] if found else None

    def start_code_link(
        self,
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
        applied once the code proves the phone (:meth:`verify_code_link`). ``counted``: the
        phone already counted against the limits (the typed one); the member's phone counts
        too when it is another (found by e-mail).
        """
        user = request.user
        if not member.id:
            raise NoPendingLink()
        self._check_account_free(user)
        key = phone_key(member.phone) or member.id
        if key != counted:
            self._rate_limit(key, client_ip(request) if not counted else None)
        pending_profile = self._pending_profile(profile, segments) if profile else None
        self.client.send_login_otp(member.id)
        limits.forget(self._wrong_codes_key(member.id))  # a new code gets its own tries
        self._store_pending(request, member, key, consents or {}, pending_profile)

    def _store_pending(
        self,
        request: HttpRequest,
        member: wire.MemberResponse,
        key: str,
        consents: Mapping[str, bool | None],
        profile: dict[str, Any] | None,
        *,
        invited: bool = False,
    ) -> None:
        """Store the pending link in the session (``invited``: Diller texted the link, no code).

        Everything in it is JSON (the session may be signed cookies or JSON in the database);
        the profile is the ``UpdateMemberRequest`` fields to send after the code, already in
        wire form. It is never logged.
        """
        pending: dict[str, Any] = {
            "member_id": member.id or "",
            "store_id": self.store_id,
            "user_id": str(request.user.pk),
            "phone_key": key,
            "expires_at": time.time() + PENDING_LINK_LIFETIME,
            "wrong": 0,
            "consents": self._consent_flags(consents),
            "joining": not self._accepted_terms(member),
        }
        if profile is not None:
            pending["profile"] = profile
        if invited:
            pending["invited"] = True
        request.session[PENDING_LINK_SESSION_KEY] = pending

    def _pending_profile(
        self, profile: Profile, segments: Iterable[wire.StoreSegmentResponse]
    ) -> dict[str, Any]:
        """The profile fields to send after the code, as JSON (what the shopper filled in)."""
        changes = wire.UpdateMemberRequest.model_validate(self._profile_changes(profile, segments))
        return changes.model_dump(mode="json", exclude_unset=True, exclude_none=True)

    @staticmethod
    def _accepted_terms(member: wire.MemberResponse) -> bool:
        return bool(member.consent and member.consent.gdpr_accepted)

    def resend_code(self, request: HttpRequest) -> None:
        """Send the SMS again (same limits): a new code, or, for a join waiting for the
        phone's owner, Diller's link again (enrolling an unfinished record re-sends it)."""
        pending = self.pending_link(request)
        if pending is None:
            raise NoPendingLink()
        self._rate_limit(pending["phone_key"], client_ip(request))
        if pending.get("invited"):
            department_id = current_department_id() or ""
            member = self.client.get_member(pending["member_id"])
            if member.phone is None or self._accepted_terms(member):
                raise NoPendingLink()  # finished (or gone) since: nothing to send again
            self.client.enroll_member(
                wire.EnrollMemberRequest(
                    phone=member.phone,
                    department_id=department_id,
                    origin=origin(department_id),
                )
            )
        else:
            self.client.send_login_otp(pending["member_id"])
        limits.forget(self._wrong_codes_key(pending["member_id"]))
        pending["expires_at"] = time.time() + PENDING_LINK_LIFETIME
        pending["wrong"] = 0
        request.session[PENDING_LINK_SESSION_KEY] = pending

    def pending_link(self, request: HttpRequest) -> dict[str, Any] | None:
        """The session's pending link if it is this user's, this store's and not expired."""
        pending = request.session.get(PENDING_LINK_SESSION_KEY)
        if not isinstance(pending, dict):
            return None
        if (
            pending.get("user_id") != str(request.user.pk)
            or pending.get("store_id") != self.store_id
            or float(pending.get("expires_at", 0)) <= time.time()
            or int(pending.get("wrong", 0)) >= MAX_WRONG_CODES
        ):
            self.forget_pending(request)
            return None
        return pending

    def _wrong_codes_key(self, member_id: str) -> str:
        return f"diller:otp-wrong:{self.store_id}:{member_id}"

    def forget_pending(self, request: HttpRequest) -> None:
        request.session.pop(PENDING_LINK_SESSION_KEY, None)

    def verify_code_link(self, request: HttpRequest, code: str) -> LinkResult:
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
        pending = self.pending_link(request)
        if pending is None:
            raise NoPendingLink()
        member_id = pending["member_id"]
        if not pending.get("verified"):
            self._check_code(request, pending, code)
        user = request.user
        member = self.client.get_member(member_id)
        self._check_free(user, member_id)
        before = self._consents_of(member)
        ticked = self._consent_flags(pending.get("consents") or {})
        joining = not self._accepted_terms(member)
        if joining:
            chosen = ticked if ticked.get(Consent.GDPR) else {}
        else:
            chosen = {
                flag: True
                for flag, given in ticked.items()
                if given and flag != Consent.GDPR and not before.get(flag)
            }
        member, kept = self._apply_join(member, chosen, pending.get("profile"))
        with transaction.atomic():
            self._link(user, member_id, Source.PAGE)
            self.record_diller_state(user, member_id, before)
            self.record_consents(user, member_id, chosen, Source.PAGE)
            invitations.finish(invitations.waiting_for(self.store_id, member), member_id, user.pk)
        self.forget_pending(request)
        member_joined.send(
            sender=MemberService,
            user=user,
            member_id=member_id,
            store_id=self.store_id,
            source=Source.PAGE,
        )
        return LinkResult(member=member, joined=joining, kept=kept)

    def _check_code(self, request: HttpRequest, pending: dict[str, Any], code: str) -> None:
        """Count this try, then ask Diller; raises :class:`WrongCode` or
        :class:`TooManyAttempts`. A right code is remembered in the pending link, so that a
        failure in the next calls can be retried without a new code."""
        member_id = pending["member_id"]
        key = self._wrong_codes_key(member_id)
        tries = limits.hit(key, PENDING_LINK_LIFETIME)
        if tries > MAX_WRONG_CODES:
            self.forget_pending(request)
            raise TooManyAttempts()
        try:
            # ``otp_code`` is an integer: "012345" and "12345" are the same code.
            self.client.verify_login_otp(member_id, int(code))
        except DillerRefused:
            pending["wrong"] = tries
            if tries >= MAX_WRONG_CODES:
                self.forget_pending(request)
                raise TooManyAttempts() from None
            request.session[PENDING_LINK_SESSION_KEY] = pending
            raise WrongCode(MAX_WRONG_CODES - tries) from None
        limits.forget(key)
        pending["verified"] = True
        request.session[PENDING_LINK_SESSION_KEY] = pending

    def _apply_join(
        self,
        member: wire.MemberResponse,
        consents: Mapping[str, bool],
        profile: Mapping[str, Any] | None,
    ) -> tuple[wire.MemberResponse, list[str]]:
        """Send the typed profile and ``consents`` on top of the member as just read.

        Returns the member and the profile fields Diller refused (kept as the membership had
        them): the consents are then sent without the profile (the phone is proven, the
        membership should not fail over an e-mail address). Only field names are logged.
        """
        if profile:
            try:
                return self._write(member, profile, consents=consents), []
            except DillerValidationError as error:
                kept = self._refused_fields(error, profile)
                logger.info(
                    "Diller refused the join profile of member %s (fields %s); "
                    "consents sent without it",
                    member.id,
                    ", ".join(kept),
                )
                if consents:
                    member = self._write(member, {}, consents=consents)
                return member, kept
        if consents:
            return self._write(member, {}, consents=consents), []
        return member, []

    @staticmethod
    def _refused_fields(error: DillerValidationError, profile: Mapping[str, Any]) -> list[str]:
        """The typed fields Diller's problem names; every typed field when it names none."""
        named = {
            name.strip().lower().lstrip("$.").split(".")[0].split("[")[0]
            for name in error.field_errors
        }
        sent = [name for name in PROFILE_FIELDS if name in profile]
        return [name for name in sent if name in named] or sent

    # updating and leaving ------------------------------------------------------------------

    def update(
        self,
        user: AbstractBaseUser,
        link: MemberLink,
        current: wire.MemberResponse,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse],
    ) -> tuple[wire.MemberResponse, set[str]]:
        """PUT the edited profile on top of ``current`` (the member as just read); returns the
        member and the names of the changed fields.

        The consent object sent is complete: the three flags of the form and the member's own
        ``gdpr_accepted``. ``member_updated`` is sent only when something changed. Field
        names: ``first_name``, ``last_name``, ``email``, ``birth_date``, ``gender``,
        ``address``, the consent flags (``receive_sms``…) and ``segment_<id>``.
        """
        segments = list(segments)
        consents = {k: v for k, v in profile.consents.items() if k != Consent.GDPR}
        changed = self.changed_fields(current, profile, segments)
        updated = self._write(
            current, self._profile_changes(profile, segments, edit=True), consents=consents
        )
        self.record_consents(user, link.member_id, consents, Source.PAGE)
        if changed:
            member_updated.send(
                sender=MemberService,
                user=user,
                member_id=link.member_id,
                store_id=self.store_id,
                changed=changed,
            )
        return updated, changed

    @staticmethod
    def changed_fields(
        current: wire.MemberResponse,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse],
    ) -> set[str]:
        changed: set[str] = set()
        for name in ("first_name", "last_name", "email"):
            if (getattr(current, name) or "") != getattr(profile, name):
                changed.add(name)
        old_birth = birth_date_of(current.birth_date)
        if old_birth != profile.birth_date:
            changed.add("birth_date")
        old_gender = current.gender.value if current.gender else ""
        if profile.gender and old_gender != profile.gender:
            changed.add("gender")
        old_address = current.address or wire.Address()
        for name in ("street", "zip_code", "city", "country_code"):
            if (getattr(old_address, name) or "") != getattr(profile, name):
                changed.add("address")
        old_consent = current.consent or wire.MemberConsent()
        for flag, given in profile.consents.items():
            if flag != Consent.GDPR and bool(getattr(old_consent, flag)) != bool(given):
                changed.add(flag)
        old_answers = segment_answers_of(current)
        for segment in segments:
            if segment.id is None or segment.id not in profile.segment_answers:
                continue
            old, new = old_answers.get(segment.id), profile.segment_answers[segment.id]
            if segment.type in OPTION_TYPES:
                new_set = {int(o) for o in (new if isinstance(new, list) else [new]) if o != ""}
                if set(old or []) != new_set:
                    changed.add(f"segment_{segment.id}")
            elif (old or None) != (new or None):
                changed.add(f"segment_{segment.id}")
        return changed

    def leave(self, user: AbstractBaseUser, link: MemberLink) -> None:
        """Delete the member at Diller and the link here; the shop account stays."""
        member_id = link.member_id
        with contextlib.suppress(DillerNotFound):  # already gone at Diller: finish here
            self.client.delete_member(member_id)
        self.record_consents(user, member_id, dict.fromkeys(CONSENT_FLAGS, False), Source.PAGE)
        link.delete()
        member_left.send(
            sender=MemberService, user=user, member_id=member_id, store_id=self.store_id
        )

    # my loyalty ----------------------------------------------------------------------------

    def overview(self, link: MemberLink) -> LoyaltyOverview:
        """The member with points, level progress, coupons and stamp cards.

        Coupons and stamp cards are two independent calls: made side by side they cost one
        round trip instead of two.
        """
        member_id = link.member_id
        member, coupons, cards = side_by_side(
            lambda: self.client.get_member_coupons(member_id),
            lambda: self.client.get_member_stamp_cards(member_id),
            here=lambda: self.client.get_member(member_id),
        )
        now = timezone.now()
        coupons = [
            c
            for c in coupons
            if c.valid_to >= now
            and not (c.max_redemptions and (c.times_redeemed or 0) >= c.max_redemptions)
        ]
        store = store_details(self.store_id)
        progress = self._progress(member, membership_levels(self.store_id))
        return LoyaltyOverview(member, coupons, list(cards), progress, store.currency or "")

    @staticmethod
    def _progress(
        member: wire.MemberResponse, levels: list[wire.StoreMembershipLevelResponse]
    ) -> LevelProgress:
        detail = member.membership_detail or wire.MemberMembershipDetail()
        points = Decimal(detail.points or 0)
        reached = [lvl for lvl in levels if Decimal(lvl.points or 0) <= points]
        ahead = [lvl for lvl in levels if Decimal(lvl.points or 0) > points]
        floor = Decimal(reached[-1].points or 0) if reached else Decimal(0)
        if ahead:
            target = Decimal(ahead[0].points or 0)
            return LevelProgress(
                points=points,
                level_title=detail.level_title or (reached[-1].name if reached else None),
                next_level_title=detail.next_level_title or ahead[0].name,
                points_to_next=target - points,
                progress_value=points - floor,
                progress_max=target - floor,
            )
        to_next = detail.next_level_points
        return LevelProgress(
            points=points,
            level_title=detail.level_title,
            next_level_title=detail.next_level_title,
            points_to_next=to_next,
            progress_value=points if to_next else Decimal(1),
            progress_max=points + to_next if to_next else Decimal(1),
        )

    # consents ------------------------------------------------------------------------------

    def record_consents(
        self,
        user: AbstractBaseUser | None,
        member_id: str,
        consents: Mapping[str, bool | None],
        source: str,
        *,
        order_number: str = "",
        recorded_by: AbstractBaseUser | None = None,
    ) -> list[ConsentRecord]:
        """A row for each consent whose value differs from the last one recorded (or is new)."""
        rows: list[ConsentRecord] = []
        for flag, given in consents.items():
            if flag not in CONSENT_FLAGS or given is None:
                continue
            last = self._last_record(member_id, flag)
            if last is not None and last.given == bool(given):
                continue
            rows.append(
                ConsentRecord.objects.create(
                    user=user if user is not None and user.is_authenticated else None,
                    store_id=self.store_id,
                    member_id=member_id,
                    consent=flag,
                    given=bool(given),
                    source=source,
                    order_number=order_number,
                    recorded_by=recorded_by,
                )
            )
        return rows

    def record_diller_state(
        self,
        user: AbstractBaseUser | None,
        member_id: str,
        consents: Mapping[str, bool | None],
        *,
        order_number: str = "",
    ) -> list[ConsentRecord]:
        """The consents Diller had for a member the shop links or finishes, as Diller had
        them (``Source.DILLER``), where they differ from the shop's last record. A consent
        not given and never recorded here says nothing and is left out."""
        known = {
            flag: given
            for flag, given in consents.items()
            if given or self._last_record(member_id, flag) is not None
        }
        return self.record_consents(
            user, member_id, known, Source.DILLER, order_number=order_number
        )

    def _last_record(self, member_id: str, flag: str) -> ConsentRecord | None:
        return (
            ConsentRecord.objects.filter(store_id=self.store_id, member_id=member_id, consent=flag)
            .order_by("-recorded_at", "-pk")
            .first()
        )

    @staticmethod
    def _consents_of(member: wire.MemberResponse) -> dict[str, bool | None]:
        consent = member.consent or wire.MemberConsent()
        return {flag: getattr(consent, flag) for flag in CONSENT_FLAGS}

    # helpers -------------------------------------------------------------------------------

    @staticmethod
    def _consent_flags(consents: Mapping[str, bool | None]) -> dict[str, bool]:
        return {flag: bool(consents[flag]) for flag in CONSENT_FLAGS if flag in consents}

    def _profile_changes(
        self,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse],
        *,
        edit: bool = False,
    ) -> dict[str, Any]:
        """The ``UpdateMemberRequest`` fields the typed profile changes.

        Joining and activating change what the shopper filled in and keep the rest. The edit
        page shows every field, so it changes every one: an emptied address or segment answer
        is sent empty (cleared), an emptied e-mail or birth date is left out (None: the
        contract has no "no value" for them, so a replacing server clears them and a merging
        one keeps them); a gender left at "Choose…" keeps the member's.
        """
        changes: dict[str, Any] = {
            "first_name": profile.first_name or None,
            "last_name": profile.last_name or None,
            "email": profile.email or None,
            "birth_date": profile.birth_datetime(),
            "gender": profile.gender or None,
            "address": profile.address() or (wire.Address() if edit else None),
            "segments": segment_values(segments, profile.segment_answers, keep_empty=edit),
        }
        keep = {"gender"} if edit else set(changes)
        return {k: v for k, v in changes.items() if not (k in keep and v in (None, []))}

    def _write(
        self,
        member: wire.MemberResponse,
        changes: Mapping[str, Any],
        *,
        consents: Mapping[str, bool | None],
    ) -> wire.MemberResponse:
        """PUT ``member`` (as just read) with ``changes`` and ``consents`` applied.

        Read-modify-write: a server may replace the member with what a PUT sends (the contract
        allows it), so the request carries every field the member has that is not meant to
        change, the complete consent object and every segment answer (hidden ones included).
        ``changes`` are ``UpdateMemberRequest`` fields (models or their JSON); a None value
        leaves the field out. Its ``segments`` replace the answers of their segments only.
        """
        values = self._as_update(member)
        changes = dict(changes)
        answers = {value.segment_id: value for value in values.pop("segments")}
        for item in changes.pop("segments", None) or []:
            value = wire.SegmentValue.model_validate(item)
            answers[value.segment_id] = value
        values.update(changes)
        values["segments"] = list(answers.values())
        values["consent"] = {**values["consent"], **self._consent_flags(consents)}
        values["origin"] = origin(current_department_id())
        request = wire.UpdateMemberRequest.model_validate(values)
        return self.client.update_member(member.id or "", request)

    @staticmethod
    def _as_update(member: wire.MemberResponse) -> dict[str, Any]:
        """Every ``UpdateMemberRequest`` field as ``member`` has it (consent flags the answer
        did not give are left out rather than guessed)."""
        consent = member.consent or wire.MemberConsent()
        answers = []
        for answer in member.segments:
            if answer.id is None:
                continue
            if answer.type in OPTION_TYPES:
                answers.append(
                    wire.SegmentValue(
                        segment_id=answer.id, selected_options=list(answer.selected_options)
                    )
                )
            else:
                answers.append(wire.SegmentValue(segment_id=answer.id, value=answer.value or ""))
        return {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "birth_date": birth_datetime(birth_date_of(member.birth_date)),
            "additional_identifiers": list(member.additional_identifiers),
            "gender": member.gender,
            "address": member.address,
            "consent": {
                flag: given
                for flag in CONSENT_FLAGS
                if (given := getattr(consent, flag)) is not None
            },
            "department_ids": list(member.department_ids),
            "segments": answers,
        }

    @staticmethod
    def _check_account_free(user: AbstractBaseUser) -> None:
        # One link per shop account (the model's one-to-one), whatever the store.
        if MemberLink.objects.filter(user=user).exists():
            raise AlreadyLinked()

    def _check_free(self, user: AbstractBaseUser, member_id: str) -> None:
        taken = MemberLink.objects.filter(store_id=self.store_id, member_id=member_id)
        if taken.exclude(user=user).exists():
            raise MemberTaken()

    def _link(self, user: AbstractBaseUser, member_id: str, source: str) -> MemberLink:
        try:
            with transaction.atomic():
                link, _ = MemberLink.objects.update_or_create(
                    user=user,
                    defaults={"store_id": self.store_id, "member_id": member_id, "source": source},
                )
        except IntegrityError:
            raise MemberTaken() from None
        return link

    @staticmethod
    def _rate_limit(phone: str, ip: str | None) -> None:
        """Count one SMS for ``phone`` (and the client address ``ip``, if given), then refuse
        if either count is over its limit. Counting first is what makes the limit hold under
        parallel requests (see :mod:`.limits`)."""
        over = limits.hit(f"diller:otp:phone:{phone}", OTP_PER_PHONE[1]) > OTP_PER_PHONE[0]
        if ip is not None:
            over = limits.hit(f"diller:otp:ip:{ip}", OTP_PER_IP[1]) > OTP_PER_IP[0] or over
        if over:
            raise RateLimited()
