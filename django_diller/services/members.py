"""The member service: the only code of the shopper pages that talks to Diller about members.

Views hand it plain values (a :class:`Profile` built by the form, the request for the session)
and get Diller's answers or one of this module's errors back; Diller's own errors
(``DillerUnavailable``, ``DillerValidationError``…) pass through for the view to show.

Security rules kept here, so that no view can forget them:

* A member id never comes from the browser. Linking a member needs a one-time code sent to
  the member's phone; the pending link (member id, expiry, tries) lives in the server-side
  session.
* Joining with a phone that is not a member yet needs the same proof: the member is registered
  at Diller with the phone alone and no consents, nothing is linked, and the code is texted to
  that phone (:meth:`MemberService.start_registration`). The rest of the profile and the
  ticked consents wait in the pending link and reach Diller only after the right code
  (:meth:`MemberService.verify_code_link`), so someone typing another person's number never
  gets their details or consents recorded at Diller.
* Sending codes, and registering (which creates a member at Diller and texts the phone), is
  rate limited in the Django cache (per phone and per client IP), so the page can't be used to
  flood someone's phone or to probe many numbers.
* Consents are recorded in the shop's own table each time one changes, with where it happened.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.http import HttpRequest
from django.utils import timezone

from ..api import models as wire
from ..api.errors import DillerNotFound, DillerRefused, DillerValidationError
from ..conf import app_settings
from ..models import Consent, ConsentRecord, MemberLink, Source
from ..phones import PhoneNumber
from ..signals import member_joined, member_left, member_updated
from .connection import current_department_id, current_store_id, get_client
from .store import membership_levels, store_details

logger = logging.getLogger(__name__)

CHANNEL = "OnlineStore"

PENDING_LINK_SESSION_KEY = "diller_pending_link"
PENDING_LINK_LIFETIME = 10 * 60  # seconds
MAX_WRONG_CODES = 5
TOKEN_MISSES_PER_IP = (10, 3600)  # unknown activation tokens per client address, per hour

OTP_PER_PHONE = (3, 15 * 60)  # at most 3 codes per phone per 15 minutes
OTP_PER_IP = (10, 60 * 60)  # at most 10 codes per client IP per hour

CONSENT_FLAGS: tuple[str, ...] = tuple(c.value for c in Consent)
OPTION_TYPES = {wire.SegmentType.Radio, wire.SegmentType.Dropdown, wire.SegmentType.Checkbox}


# errors ------------------------------------------------------------------------------------


class MemberServiceError(Exception):
    """A refusal of the member service; views show a matching message of their own."""


class RateLimited(MemberServiceError):
    """Too many one-time codes asked for this phone or from this address."""


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


# plain values ------------------------------------------------------------------------------


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
        if self.birth_date is None:
            return None
        return datetime(
            self.birth_date.year, self.birth_date.month, self.birth_date.day, tzinfo=UTC
        )


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

    ``joined``: the member had not accepted the club's terms when the code was sent (a phone
    registered by this join, an abandoned one, or one enrolled at a counter), so this link
    made them a member with the ticked consents and the typed profile. ``profile_refused``:
    Diller refused some of that profile; the consents were applied without it and the shopper
    should check their details.
    """

    member: wire.MemberResponse
    joined: bool = False
    profile_refused: bool = False


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


def _in_thread(call: Callable[..., Any], *args: Any) -> Any:
    """Run ``call`` in a worker thread, closing any database connection the thread opened
    (the token store may be a database cache)."""
    try:
        return call(*args)
    finally:
        connections.close_all()


def client_ip(request: HttpRequest) -> str:
    """The client address Django saw. A shop behind a proxy sets REMOTE_ADDR from it
    (trusting X-Forwarded-For blindly would let anyone dodge the limit)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


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
        """The member holding this phone, else this e-mail, else None."""
        if phone is not None:
            found = self.client.search_members(phone=phone.e164)
            if found:
                return found[0]
        if email:
            found = self.client.search_members(email=email)
            if found:
                return found[0]
        return None

    def find_by_activation_token(
        self, token: str, *, client_address: str | None = None
    ) -> wire.MemberResponse | None:
        """The member a counter sign-up link is for. With ``client_address``, unknown tokens
        count against that address (``TOKEN_MISSES_PER_IP``), so tokens cannot be guessed."""
        token = (token or "").strip()
        miss_key = f"diller:token-miss:{client_address}" if client_address else None
        if miss_key and (cache.get(miss_key) or 0) >= TOKEN_MISSES_PER_IP[0]:
            raise RateLimited()
        if not token:
            return None
        found = self.client.search_members(activation_token=token)
        counted_first = not found and miss_key and cache.add(miss_key, 1, TOKEN_MISSES_PER_IP[1])
        if not found and miss_key and not counted_first:
            with contextlib.suppress(ValueError):
                cache.incr(miss_key)
        return found[0] if found else None

    def link_of(self, user: AbstractBaseUser) -> MemberLink | None:
        return MemberLink.objects.filter(user=user, store_id=self.store_id).first()

    def get_member(self, link: MemberLink) -> wire.MemberResponse:
        return self.client.get_member(link.member_id)

    # registering ---------------------------------------------------------------------------

    def complete_activation(
        self,
        user: AbstractBaseUser,
        token: str,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse],
    ) -> wire.MemberResponse | None:
        """Finish a counter-enrolled profile found by its activation token; None if unknown."""
        member = self.find_by_activation_token(token)
        if member is None or not member.id:
            return None
        self._check_account_free(user)
        self._check_free(user, member.id)
        updated = self.client.update_member(
            member.id, self._update_request(profile, segments, consents=profile.consents)
        )
        self._link(user, member.id, Source.ACTIVATION)
        self.record_consents(user, member.id, profile.consents, Source.ACTIVATION)
        member_joined.send(
            sender=MemberService,
            user=user,
            member_id=member.id,
            store_id=self.store_id,
            source=Source.ACTIVATION,
        )
        return updated

    # joining by one-time code: a new phone, or an existing member ---------------------------

    def start_registration(
        self,
        request: HttpRequest,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse] = (),
    ) -> None:
        """Join with a phone that is not a member yet: register it, unlinked, and text a code.

        The shopper has not proved the phone is theirs, so Diller gets the least it needs to
        create a member and send the code: the phone, the web shop's department and the
        origin, with every consent false (no terms accepted, no marketing). Nothing is linked
        and no consent is recorded here. The typed profile (names, e-mail, birth date, gender,
        address, segment answers) and the ticked consents wait in the session's pending link
        and are sent by :meth:`verify_code_link` after the right code. A shopper who never
        verifies leaves an unconsented member at Diller with nothing but the phone; a later
        join finds it with :meth:`find_existing` and goes through :meth:`start_code_link`.

        Registering is rate limited like sending a code (``OTP_PER_PHONE``, ``OTP_PER_IP``),
        counted once, before Diller is asked.
        """
        if profile.phone is None:
            raise ValueError("a phone number is required to register")
        user = request.user
        self._check_account_free(user)
        phone_key = profile.phone.country_code + profile.phone.number
        self._rate_limit(phone_key, client_ip(request))
        department_id = current_department_id()
        registration = wire.RegisterMemberRequest(
            phone=profile.phone.to_wire(),
            consent=wire.Consent(**dict.fromkeys(CONSENT_FLAGS, False)),
            department_ids=[department_id] if department_id else [],
            origin=self._origin(department_id),
        )
        try:
            member = self.client.register_member(registration)
        except DillerValidationError as error:
            # Someone registered the phone since the search: prove it like any existing one.
            member = self.find_existing(profile.phone) if error.status == 409 else None
            if member is None or not member.id:
                raise
            self._check_free(user, member.id)
        if not member.id:
            raise NoPendingLink()
        self._send_code(
            request,
            member,
            phone_key,
            profile.consents,
            self._pending_profile(member, profile, segments),
        )

    def start_code_link(
        self,
        request: HttpRequest,
        member: wire.MemberResponse,
        consents: Mapping[str, bool] | None = None,
        *,
        profile: Profile | None = None,
        segments: Iterable[wire.StoreSegmentResponse] = (),
    ) -> None:
        """Text an existing member a code and remember, in the session, whom it was sent for.

        ``consents`` (and ``profile``) are what the shopper ticked and typed on the join form:
        they are applied after the code is verified if the member never accepted the club's
        terms (someone enrolled at a counter, or a registration never verified), and
        otherwise left alone (the member chose theirs before; the profile is then not even
        kept in the session).
        """
        user = request.user
        if not member.id:
            raise NoPendingLink()
        self._check_account_free(user)
        self._check_free(user, member.id)
        phone_key = member.phone.country_code + member.phone.number if member.phone else member.id
        self._rate_limit(phone_key, client_ip(request))
        pending_profile = self._pending_profile(member, profile, segments) if profile else None
        self._send_code(request, member, phone_key, consents or {}, pending_profile)

    def _send_code(
        self,
        request: HttpRequest,
        member: wire.MemberResponse,
        phone_key: str,
        consents: Mapping[str, bool | None],
        profile: dict[str, Any] | None,
    ) -> None:
        """Text the login code (limits already counted) and store the pending link.

        Everything in the pending link is JSON (the session may be signed cookies or JSON in
        the database); the profile is the ``UpdateMemberRequest`` fields to send after the
        code, already in wire form. It is never logged.
        """
        member_id = member.id or ""
        self.client.send_login_otp(member_id)
        cache.delete(self._wrong_codes_key(member_id))  # a new code gets its own tries
        pending: dict[str, Any] = {
            "member_id": member_id,
            "store_id": self.store_id,
            "user_id": str(request.user.pk),
            "phone_key": phone_key,
            "expires_at": time.time() + PENDING_LINK_LIFETIME,
            "wrong": 0,
            "consents": self._consent_flags(consents),
            "joining": not self._accepted_terms(member),
        }
        if profile is not None:
            pending["profile"] = profile
        request.session[PENDING_LINK_SESSION_KEY] = pending

    def _pending_profile(
        self,
        member: wire.MemberResponse,
        profile: Profile | None,
        segments: Iterable[wire.StoreSegmentResponse],
    ) -> dict[str, Any] | None:
        """The profile fields to send after the code, as JSON; None when the member already
        accepted the terms (their profile is theirs, the shop does not overwrite it)."""
        if profile is None or self._accepted_terms(member):
            return None
        fields = self._update_request(profile, segments, consents={})
        data = fields.model_dump(mode="json", exclude_unset=True, exclude_none=True)
        data.pop("consent", None)
        data.pop("origin", None)
        return data

    @staticmethod
    def _accepted_terms(member: wire.MemberResponse) -> bool:
        return bool(member.consent and member.consent.gdpr_accepted)

    def resend_code(self, request: HttpRequest) -> None:
        """Send a new code for the pending link (same limits)."""
        pending = self.pending_link(request)
        if pending is None:
            raise NoPendingLink()
        self._rate_limit(pending["phone_key"], client_ip(request))
        self.client.send_login_otp(pending["member_id"])
        cache.delete(self._wrong_codes_key(pending["member_id"]))
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

    def _count_wrong_code(self, member_id: str) -> int:
        """Wrong codes for this member's current code, counted atomically in the cache, so
        that guesses sent in parallel (or from several sessions) all count."""
        key = self._wrong_codes_key(member_id)
        cache.add(key, 0, int(PENDING_LINK_LIFETIME))
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, int(PENDING_LINK_LIFETIME))
            return 1

    def forget_pending(self, request: HttpRequest) -> None:
        request.session.pop(PENDING_LINK_SESSION_KEY, None)

    def verify_code_link(self, request: HttpRequest, code: str) -> LinkResult:
        """Check the code for the pending link; on success link the member to the user.

        A member who has not accepted the club's terms (registered by :meth:`start_registration`,
        a registration never verified, or enrolled at a counter) gets the ticked consents and
        the typed profile in one update first: only now, with the phone proven, does Diller
        record the terms accepted and the shopper's details. Then the link, the consent
        records and ``member_joined``, whichever way the shopper came.
        """
        pending = self.pending_link(request)
        if pending is None:
            raise NoPendingLink()
        member_id = pending["member_id"]
        if not pending.get("verified"):
            if (cache.get(self._wrong_codes_key(member_id)) or 0) >= MAX_WRONG_CODES:
                self.forget_pending(request)
                raise TooManyAttempts()
            try:
                self.client.verify_login_otp(member_id, int(code))
            except DillerRefused:
                pending["wrong"] = self._count_wrong_code(member_id)
                if pending["wrong"] >= MAX_WRONG_CODES:
                    self.forget_pending(request)
                    raise TooManyAttempts() from None
                request.session[PENDING_LINK_SESSION_KEY] = pending
                raise WrongCode(MAX_WRONG_CODES - pending["wrong"]) from None
            # Diller used the code up: remember the proof, so that a failure in the next
            # calls can be retried without a new code (still within the pending expiry).
            pending["verified"] = True
            request.session[PENDING_LINK_SESSION_KEY] = pending
        user = request.user
        member = self.client.get_member(member_id)
        self._check_free(user, member_id)
        ticked = pending.get("consents") or {}
        profile_refused = False
        if not self._accepted_terms(member) and ticked.get(Consent.GDPR):
            member, profile_refused = self._finish_joining(
                member_id, ticked, pending.get("profile")
            )
        self._link(user, member_id, Source.PAGE)
        self.forget_pending(request)
        consents = member.consent.model_dump() if member.consent else {}
        self.record_consents(user, member_id, consents, Source.PAGE)
        member_joined.send(
            sender=MemberService,
            user=user,
            member_id=member_id,
            store_id=self.store_id,
            source=Source.PAGE,
        )
        return LinkResult(
            member=member, joined=bool(pending.get("joining")), profile_refused=profile_refused
        )

    def _finish_joining(
        self, member_id: str, ticked: Mapping[str, bool], profile: Mapping[str, Any] | None
    ) -> tuple[wire.MemberResponse, bool]:
        """Accept the terms with the ticked consents, and send the profile with them.

        Returns the member and whether Diller refused the profile: then the consents are sent
        alone (the phone is proven, the membership should not fail over an e-mail address)
        and the shopper fixes the details on the edit page. Only field names are logged.
        """
        consent = wire.MemberConsent(**self._consent_flags(ticked))
        origin = self._origin(current_department_id())
        if profile:
            request = wire.UpdateMemberRequest.model_validate(
                {**profile, "consent": consent, "origin": origin}
            )
            try:
                return self.client.update_member(member_id, request), False
            except DillerValidationError as error:
                logger.info(
                    "Diller refused the join profile of member %s (fields %s); "
                    "consents sent without it",
                    member_id,
                    ", ".join(sorted(error.field_errors)) or "-",
                )
                refused = True
        else:
            refused = False
        request = wire.UpdateMemberRequest(consent=consent, origin=origin)
        return self.client.update_member(member_id, request), refused

    # updating and leaving ------------------------------------------------------------------

    def update(
        self,
        user: AbstractBaseUser,
        link: MemberLink,
        current: wire.MemberResponse,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse],
    ) -> tuple[wire.MemberResponse, set[str]]:
        """PUT the edited profile; returns the member and the names of the changed fields.

        ``member_updated`` is sent only when something changed. Field names: ``first_name``,
        ``last_name``, ``email``, ``birth_date``, ``gender``, ``address``, the consent flags
        (``receive_sms``…) and ``segment_<id>``.
        """
        segments = list(segments)
        consents = {k: v for k, v in profile.consents.items() if k != Consent.GDPR}
        changed = self.changed_fields(current, profile, segments)
        updated = self.client.update_member(
            link.member_id, self._update_request(profile, segments, consents=consents, edit=True)
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
        old_birth = current.birth_date.date() if current.birth_date else None
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
        with ThreadPoolExecutor(2) as pool:
            coupons_future = pool.submit(_in_thread, self.client.get_member_coupons, member_id)
            cards_future = pool.submit(_in_thread, self.client.get_member_stamp_cards, member_id)
            member = self.client.get_member(member_id)
            coupons, cards = coupons_future.result(), cards_future.result()
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
            last = (
                ConsentRecord.objects.filter(
                    store_id=self.store_id, member_id=member_id, consent=flag
                )
                .order_by("-recorded_at", "-pk")
                .first()
            )
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

    # helpers -------------------------------------------------------------------------------

    def _origin(self, department_id: str | None) -> wire.Origin:
        return wire.Origin(
            system_id=str(app_settings.SYSTEM_ID), department_id=department_id, channel=CHANNEL
        )

    @staticmethod
    def _consent_flags(consents: Mapping[str, bool | None]) -> dict[str, bool]:
        return {flag: bool(consents[flag]) for flag in CONSENT_FLAGS if flag in consents}

    def _update_request(
        self,
        profile: Profile,
        segments: Iterable[wire.StoreSegmentResponse],
        *,
        consents: Mapping[str, bool | None],
        edit: bool = False,
    ) -> wire.UpdateMemberRequest:
        department_id = current_department_id()
        values: dict[str, Any] = {
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "birth_date": profile.birth_datetime(),
            "address": profile.address() or (wire.Address() if edit else None),
            "consent": wire.MemberConsent(**self._consent_flags(consents)),
            "origin": self._origin(department_id),
            "segments": segment_values(segments, profile.segment_answers, keep_empty=edit),
        }
        if profile.email:
            values["email"] = profile.email
        if profile.gender:
            values["gender"] = wire.Gender(profile.gender)
        return wire.UpdateMemberRequest(**values)

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

    def _rate_limit(self, phone_key: str, ip: str) -> None:
        limits = [
            (f"diller:otp:phone:{phone_key}", *OTP_PER_PHONE),
            (f"diller:otp:ip:{ip}", *OTP_PER_IP),
        ]
        for key, most, _window in limits:
            if (cache.get(key) or 0) >= most:
                raise RateLimited()
        for key, _most, window in limits:
            if cache.add(key, 1, window):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)
