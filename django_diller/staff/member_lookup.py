"""Staff look-up of club members, the way a shop counter does it.

Find a member by phone, e-mail or the store's member identifier (e.g. an SSN); show their
coupons and stamp cards; enroll a phone number (Diller texts the person a link to finish
joining); link a shop account to a member, or unlink it.

Nothing here logs a searched value: the search keys are personal data (the API client keeps
them out of the HTTP library's request log, see :mod:`django_diller.api.logs`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..api import models as wire
from ..loyalty.concurrent import side_by_side
from ..loyalty.connection import current_department_id, current_store_id, get_client
from ..loyalty.origin import origin
from ..loyalty.store import store_details
from ..models import Consent, MemberLink, Source
from ..phones import PhoneNumber, country_of_culture, parse_phone
from ..signals import member_joined, member_left

logger = logging.getLogger("django_diller.staff")

MASK = "\u2022"  # •


class LookupKind(TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    IDENTIFIER = "identifier", _("Member identifier")


class LinkRefused(Exception):
    """The link cannot be made (or removed); the message is for staff."""


# Masking ------------------------------------------------------------------------------------


def _bullets(count: int, group: int = 3) -> str:
    chunks = [MASK * min(group, count - start) for start in range(0, count, group)]
    return " ".join(chunks)


def mask_phone(phone: wire.Phone | PhoneNumber | None) -> str:
    """``+47 ••• •• 567``: the country code and the last three digits."""
    if phone is None:
        return ""
    number = "".join(ch for ch in (phone.number or "") if ch.isdigit())
    shown = number[-3:] if len(number) > 5 else ""
    hidden = _bullets(len(number) - len(shown))
    return " ".join(part for part in (phone.country_code, hidden, shown) if part)


def mask_email(email: str | None) -> str:
    """``d•••@example.com``: the first letter and the domain."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    if not at:
        return MASK * 3
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_identifier(value: str | None) -> str:
    """``••••••••345``: the last three characters of a long enough identifier."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) < 6:
        return MASK * len(text)
    return MASK * (len(text) - 3) + text[-3:]


def mask_search_value(kind: str, value: str) -> str:
    """What the page may show of a searched value."""
    if kind == LookupKind.EMAIL:
        return mask_email(value)
    if kind == LookupKind.IDENTIFIER:
        return mask_identifier(value)
    return mask_identifier(value.replace(" ", ""))


# The store ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreInfo:
    store_id: str
    name: str = ""
    country: str | None = None
    identifier_type: str = ""
    currency: str = ""
    points_enabled: bool = False
    stamps_enabled: bool = False


def store_info() -> StoreInfo:
    """The current store's details that the look-up needs (from the one store cache)."""
    store_id = current_store_id() or ""
    store = store_details(store_id)
    return StoreInfo(
        store_id=store_id,
        name=store.store_name or "",
        country=country_of_culture(store.culture)
        or (store.address.country_code if store.address else None),
        identifier_type=(store.member_identifier.type if store.member_identifier else None) or "",
        currency=store.currency or "",
        points_enabled=bool(store.points_system and store.points_system.enabled),
        stamps_enabled=bool(store.stamps_enabled),
    )


# Look-up ------------------------------------------------------------------------------------


@dataclass
class MemberDetails:
    member: wire.MemberResponse
    coupons: list[wire.MemberCouponResponse] = field(default_factory=list)
    stamp_cards: list[wire.MemberStampCard] = field(default_factory=list)
    link: MemberLink | None = None

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.member.phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.member.email)

    @property
    def masked_identifiers(self) -> list[str]:
        return [mask_identifier(i) for i in self.member.additional_identifiers]

    @property
    def consents(self) -> list[tuple[str, bool | None]]:
        """(label, given) for Diller's four consents; None when Diller did not say."""
        consent = self.member.consent
        return [
            (label, getattr(consent, name, None) if consent else None)
            for name, label in Consent.choices
        ]

    @property
    def name(self) -> str:
        parts = (self.member.first_name, self.member.last_name)
        return " ".join(p for p in parts if p)


def normalise_phone(raw: str, info: StoreInfo | None = None) -> PhoneNumber:
    """A typed phone number in Diller's form, read in the store's country unless international.

    Raises :class:`~django_diller.phones.InvalidPhoneNumber`.
    """
    info = info or store_info()
    return parse_phone(raw, info.country)


def search(kind: str, value: str) -> list[wire.MemberResponse]:
    """Members matching one key.

    Raises ``InvalidPhoneNumber``, ``DillerError`` or ``NotConfigured``.
    """
    value = (value or "").strip()
    if not value:
        raise ValueError(gettext("Enter a value to search for."))
    client = get_client()
    if kind == LookupKind.PHONE:
        phone = normalise_phone(value)
        found = client.search_members(phone=phone.e164)
    elif kind == LookupKind.EMAIL:
        found = client.search_members(email=value)
    elif kind == LookupKind.IDENTIFIER:
        found = client.search_members(identifier_value=value.replace(" ", ""))
    else:
        raise ValueError(f"unknown look-up kind {kind!r}")
    logger.info("diller staff look-up by %s: %d found", kind, len(found))
    return found


def fetch_details(member: wire.MemberResponse | str) -> MemberDetails:
    """The member (fetched when given an id), their coupons and stamp cards, and their link."""
    client = get_client()
    if isinstance(member, str):
        member = client.get_member(member)
    member_id = member.id or ""
    coupons, stamp_cards = side_by_side(
        lambda: client.get_member_coupons(member_id),
        lambda: client.get_member_stamp_cards(member_id),
    )
    details = MemberDetails(member=member, coupons=coupons, stamp_cards=stamp_cards)
    details.link = (
        MemberLink.objects.select_related("user")
        .filter(store_id=current_store_id() or "", member_id=member_id)
        .first()
    )
    return details


# Enroll -------------------------------------------------------------------------------------


@dataclass
class EnrollResult:
    member: wire.MemberResponse
    phone: PhoneNumber

    @property
    def already_member(self) -> bool:
        """Diller answered with a member who had already joined: no link was texted."""
        return bool(self.member.consent and self.member.consent.gdpr_accepted)


def enroll(raw_phone: str, *, staff_user: Any) -> EnrollResult:
    """Enroll a phone number: Diller texts the person a link to finish joining.

    Someone enrolled earlier who has not accepted yet gets the link again.
    """
    phone = normalise_phone(raw_phone)
    department_id = current_department_id() or ""
    where = origin(
        department_id, employee_id=str(staff_user.pk) if getattr(staff_user, "pk", None) else None
    )
    request = wire.EnrollMemberRequest(
        phone=phone.to_wire(), department_id=department_id, origin=where
    )
    member = get_client().enroll_member(request)
    logger.info(
        "diller staff enroll by user %s: member %s", getattr(staff_user, "pk", None), member.id
    )
    return EnrollResult(member=member, phone=phone)


# Link / unlink ------------------------------------------------------------------------------


class StaffMemberLinks:
    """Links made and removed by staff (the ``sender`` of the signals it sends)."""

    @classmethod
    def link(cls, member_id: str, user: Any, *, staff_user: Any = None) -> MemberLink:
        """Link ``user`` to the member; refuses when either is linked already.

        The member is read from Diller first, so a stale or wrong id is refused (DillerNotFound).
        """
        store_id = current_store_id() or ""
        if not member_id:
            raise LinkRefused(gettext("No member was chosen."))
        if user is None:
            raise LinkRefused(gettext("No shop account was chosen."))
        existing = MemberLink.objects.filter(user=user).first()
        if existing is not None:
            if existing.member_id == member_id and existing.store_id == store_id:
                raise LinkRefused(gettext("This shop account is already linked to this member."))
            # The account is not named: exception texts carry no e-mail addresses.
            raise LinkRefused(gettext("This shop account is already linked to another member."))
        if MemberLink.objects.filter(store_id=store_id, member_id=member_id).exists():
            raise LinkRefused(gettext("This member is already linked to another shop account."))
        member = get_client().get_member(member_id)
        try:
            with transaction.atomic():
                link = MemberLink.objects.create(
                    user=user,
                    store_id=store_id,
                    member_id=member.id or member_id,
                    source=Source.STAFF,
                )
        except IntegrityError as exc:  # a link made meanwhile
            raise LinkRefused(
                gettext("The member or the shop account was linked meanwhile.")
            ) from exc
        logger.info(
            "diller staff link by user %s: member %s to user %s",
            getattr(staff_user, "pk", None),
            link.member_id,
            user.pk,
        )
        member_joined.send(
            sender=cls,
            user=user,
            member_id=link.member_id,
            store_id=store_id,
            source=Source.STAFF,
        )
        return link

    @classmethod
    def unlink(cls, member_id: str, *, staff_user: Any = None) -> MemberLink:
        """Remove the member's link to a shop account (the member stays in Diller)."""
        store_id = current_store_id() or ""
        link = (
            MemberLink.objects.select_related("user")
            .filter(store_id=store_id, member_id=member_id)
            .first()
        )
        if link is None:
            raise LinkRefused(gettext("This member is not linked to a shop account."))
        user = link.user
        link.delete()
        logger.info(
            "diller staff unlink by user %s: member %s from user %s",
            getattr(staff_user, "pk", None),
            member_id,
            user.pk,
        )
        member_left.send(sender=cls, user=user, member_id=member_id, store_id=store_id)
        return link


link_user = StaffMemberLinks.link
unlink_member = StaffMemberLinks.unlink
