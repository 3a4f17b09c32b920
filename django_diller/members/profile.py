"""A member's profile as plain values, and its translation to and from Diller's fields.

:class:`Profile` is what the shopper typed (the form builds it); the functions here turn
segment answers and birth dates into Diller's wire values and back, and compare a typed
profile with the member as Diller has it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ..api import models as wire
from ..loyalty.connection import store_time_zone
from ..models import Consent
from ..phones import PhoneNumber

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


def parse_date(value: str | None) -> date | None:
    """The day an ISO date (or date-time) string starts with; None if it is not one."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def phone_key(phone: wire.Phone | PhoneNumber | None) -> str:
    """A phone as ``+<country code><number>``, digits only, whatever form Diller gives it in."""
    if phone is None:
        return ""
    code = "".join(ch for ch in str(phone.country_code or "") if ch.isdigit()).lstrip("0")
    number = "".join(ch for ch in str(phone.number or "") if ch.isdigit())
    return f"+{code}{number}" if number else ""


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
            birth_date=parse_date(values.get("birth_date")),
            segment_answers=answers,
        )
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
            answers[answer.id] = parse_date(answer.value)
        else:
            answers[answer.id] = answer.value or ""
    return answers


def changed_fields(
    current: wire.MemberResponse,
    profile: Profile,
    segments: Iterable[wire.StoreSegmentResponse],
) -> set[str]:
    """The names of the fields ``profile`` changes on ``current``: ``first_name``,
    ``last_name``, ``email``, ``birth_date``, ``gender``, ``address``, the consent flags
    (``receive_sms``…) and ``segment_<id>``."""
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
