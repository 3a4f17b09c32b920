"""Members: search, register, enroll, read, update, delete.

Decisions where Diller's docs are silent:

* A phone or e-mail already used by a live member (enrolled or full) is a 409 on register, and
  an e-mail used by another member is a 409 on update; errors name ``phone`` / ``email``. The
  phone's refusal can be a 400 instead (``MemberOptions.duplicate_phone_status``).
* Registering with ``gdpr_accepted`` (or accepting it later by update) earns the store's
  ``follower_signup_points`` once.
* ``PUT`` (``MemberOptions.updates == "merge"``, the default) replaces the fields present in
  the body; ``consent`` replaces the flags given; ``segments`` replaces the answers of the
  segments given (an empty answer clears one) and keeps the others. With ``"replace"`` (the
  contract allows it: a PUT is a replace) the member becomes what was sent: every field the
  request can carry and is absent is cleared, absent consent flags are false, absent segment
  answers are dropped.
* Required segments are not enforced (Diller leaves that to the shop); unknown segment or option
  ids are a 400 naming ``segments``.
* Enroll texts the phone an invitation with the activation link (``Settings.activation_url``
  and ``?token=``), never a welcome: the record has no consents until its owner finishes.
  Enrolling a phone whose record has not accepted the terms texts the link again (the
  contract's words); one a member of the club holds is answered with that member and texts
  nothing, or refused (``MemberOptions.enroll_existing``).
* An activation token keeps finding its member after they joined, or not
  (``MemberOptions.tokens_after_joining``).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlencode

from .. import render
from ..codec import parse_datetime
from ..loyalty import change_points, refresh_level
from ..phones import InvalidPhone, parse_phone
from ..problems import ApiProblem, bad_request, conflict, field_error
from ..state import Consent, ConsentChange, Member, SegmentAnswer, Store
from .base import Context, Handler, check_department, phone_from_body, required_text

SEARCH_KEYS = ("phone", "email", "identifierValue", "activationToken")
CONSENT_FLAGS = ("gdpr_accepted", "save_order_history", "receive_sms", "receive_email")
# Cleared by a replacing PUT that does not send them (besides e-mail, identifiers, departments,
# segments and consent, handled on their own).
REPLACED_FIELDS = ("first_name", "last_name", "gender", "origin", "birth_date", "address")


# search ------------------------------------------------------------------------------------


def search(ctx: Context) -> list[dict[str, Any]]:
    given = {k: v.strip() for k in SEARCH_KEYS if (v := ctx.query.get(k)) and v.strip()}
    if len(given) != 1:
        message = "Give exactly one of phone, email, identifierValue or activationToken."
        names = list(given) if given else list(SEARCH_KEYS)
        raise bad_request(message, {name: [message] for name in names})
    (key, value), store = next(iter(given.items())), ctx.store
    found: list[Member]
    if key == "phone":
        try:
            phone = parse_phone(value, store.country_code)
        except InvalidPhone as exc:
            raise field_error("phone", str(exc)) from exc
        member = store.member_by_phone(phone) if phone else None
        found = [member] if member else []
    elif key == "email":
        member = store.member_by_email(value)
        found = [member] if member else []
    elif key == "identifierValue":
        wanted = value.replace(" ", "")
        found = [
            m
            for m in store.live_members()
            if any(i.replace(" ", "") == wanted for i in m.additional_identifiers)
        ]
    else:
        found = [m for m in store.live_members() if m.activation_token == value]
    return [render.member(store, m) for m in found]


# shared field handling ---------------------------------------------------------------------


def _email(value: Any, field: str = "email") -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain:
        raise field_error(field, f"{text!r} is not a valid e-mail address.")
    return text


def _check_email_free(store: Store, email: str | None, member_id: str | None) -> None:
    if email is None:
        return
    owner = store.member_by_email(email)
    if owner is not None and owner.id != member_id:
        raise conflict("email", "A member with this e-mail address already exists.")


def _identifiers(store: Store, value: Any, member_id: str | None) -> list[str]:
    identifiers = [str(i).strip() for i in (value or []) if str(i).strip()]
    if store.member_identifier_unique_per_country:
        for other in store.live_members():
            if other.id != member_id and set(identifiers) & set(other.additional_identifiers):
                raise conflict(
                    "additional_identifiers",
                    f"Another member already has this {store.member_identifier_type or 'id'}.",
                )
    return identifiers


def _departments(store: Store, value: Any) -> list[str]:
    ids = [str(d) for d in (value or [])]
    for department_id in ids:
        check_department(store, department_id, "department_ids")
    return list(dict.fromkeys(ids))


def parse_segments(store: Store, items: Any) -> dict[int, SegmentAnswer | None]:
    """Segment answers by segment id; None clears an answer."""
    answers: dict[int, SegmentAnswer | None] = {}
    for index, item in enumerate(items or []):
        where = f"segments[{index}]"
        segment = store.segment(item.get("segment_id"))
        if segment is None:
            raise field_error("segments", f"{where}: unknown segment {item.get('segment_id')!r}.")
        if segment.has_options:
            options = list(dict.fromkeys(item.get("selected_options") or []))
            unknown = [o for o in options if o not in segment.option_ids()]
            if unknown:
                raise field_error(
                    "segments", f"{where}: options {unknown} do not belong to segment {segment.id}."
                )
            if segment.type != "Checkbox" and len(options) > 1:
                raise field_error(
                    "segments", f"{where}: a {segment.type} segment takes one option."
                )
            answers[segment.id] = SegmentAnswer(selected_options=options) if options else None
            continue
        value = item.get("value")
        if value in (None, ""):
            answers[segment.id] = None
            continue
        if segment.type == "DateTime":
            try:
                parse_datetime(value)
            except ValueError:
                raise field_error(
                    "segments", f"{where}: {value!r} is not an ISO 8601 date."
                ) from None
        answers[segment.id] = SegmentAnswer(value=value)
    return answers


def _apply_segments(member: Member, answers: dict[int, SegmentAnswer | None]) -> None:
    for segment_id, answer in answers.items():
        if answer is None:
            member.segments.pop(segment_id, None)
        else:
            member.segments[segment_id] = answer


def _set_consent(ctx: Context, member: Member, given: dict[str, Any] | None, origin: Any) -> None:
    if not given:
        return
    was_member = member.consent.gdpr_accepted
    for flag in CONSENT_FLAGS:
        if flag in given:
            setattr(member.consent, flag, bool(given[flag]))
    member.consent_history.append(
        ConsentChange(ctx.now, Consent(**vars(member.consent)), origin if origin else None)
    )
    if member.consent.gdpr_accepted and not was_member:
        _award_signup_points(ctx, member)
        if ctx.settings.members.tokens_after_joining == "cleared":
            member.activation_token = None


def _award_signup_points(ctx: Context, member: Member) -> None:
    if member.signup_points_awarded:
        return
    bonus = ctx.store.points_system.follower_signup_points if ctx.store.points_system.enabled else 0
    if bonus:
        change_points(ctx.store, member, bonus, ctx.now)
    member.signup_points_awarded = True


def _address(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    keys = ("street", "city", "zip_code", "state", "country_code")
    address = {k: value[k] for k in keys if value.get(k) is not None}
    return address or None


def _new_member_id() -> str:
    return f"m-{uuid.uuid4().hex[:16]}"


# register / enroll -------------------------------------------------------------------------


def register(ctx: Context) -> dict[str, Any]:
    data, store = ctx.json_object(), ctx.store
    phone = phone_from_body(data.get("phone"))
    email = _email(data.get("email"))
    if store.member_by_phone(phone) is not None:
        raise _phone_taken(ctx)
    _check_email_free(store, email, None)
    member = Member(
        id=_new_member_id(),
        phone=phone,
        created_at=ctx.now,
        first_name=data.get("first_name"),
        last_name=data.get("last_name"),
        email=email,
        birth_date=parse_datetime(data["birth_date"]) if data.get("birth_date") else None,
        gender=data.get("gender") or "NotShared",
        address=_address(data.get("address")),
        additional_identifiers=_identifiers(store, data.get("additional_identifiers"), None),
        department_ids=_departments(store, data.get("department_ids")),
        origin=data.get("origin"),
    )
    _apply_segments(member, parse_segments(store, data.get("segments")))
    store.members[member.id] = member
    refresh_level(store, member, ctx.now)
    _set_consent(ctx, member, data.get("consent"), data.get("origin"))
    greeting = f", {member.first_name}" if member.first_name else ""
    ctx.send(
        "welcome",
        phone.e164,
        f"Welcome to {store.store_name}{greeting}! You are now a member of our loyalty club.",
        member_id=member.id,
    )
    return render.member(store, member)


def _phone_taken(ctx: Context) -> ApiProblem:
    message = "A member with this phone number already exists."
    if ctx.settings.members.duplicate_phone_status == 400:
        return field_error("phone", message)
    return conflict("phone", message)


def _send_enroll_link(ctx: Context, member: Member) -> None:
    if not member.activation_token:
        member.activation_token = secrets.token_urlsafe(16)
    link = f"{ctx.settings.activation_url}?{urlencode({'token': member.activation_token})}"
    ctx.send(
        "enroll_link",
        member.phone.e164,
        f"{ctx.store.store_name}: you are invited to join our loyalty club. Finish joining "
        f"here: {link} (If you did not ask to join, ignore this message.)",
        member_id=member.id,
    )


def enroll(ctx: Context) -> dict[str, Any]:
    """Counter-style sign-up: a member without consent, texted a link to finish."""
    data, store = ctx.json_object(), ctx.store
    phone = phone_from_body(data.get("phone"))
    department_id = required_text(data, "department_id")
    check_department(store, department_id, "department_id")
    existing = store.member_by_phone(phone)
    if existing is not None:
        if existing.consent.gdpr_accepted and ctx.settings.members.enroll_existing == "refuse":
            raise _phone_taken(ctx)
        if not existing.consent.gdpr_accepted:
            if department_id not in existing.department_ids:
                existing.department_ids.append(department_id)
            _send_enroll_link(ctx, existing)
        return render.member(store, existing)
    info = data.get("additional_info") or {}
    email = _email(info.get("email"), "additional_info.email")
    _check_email_free(store, email, None)
    member = Member(
        id=_new_member_id(),
        phone=phone,
        created_at=ctx.now,
        first_name=info.get("first_name"),
        last_name=info.get("last_name"),
        email=email,
        address=_address(info.get("address")),
        additional_identifiers=_identifiers(store, info.get("additional_identifiers"), None),
        department_ids=[department_id],
        origin=data.get("origin"),
    )
    store.members[member.id] = member
    refresh_level(store, member, ctx.now)
    _send_enroll_link(ctx, member)
    return render.member(store, member)


# read / update / delete --------------------------------------------------------------------


def get_member(ctx: Context) -> dict[str, Any]:
    return render.member(ctx.store, ctx.member())


def update_member(ctx: Context) -> dict[str, Any]:
    data, store = ctx.json_object(), ctx.store
    member = ctx.member()
    replace = ctx.settings.members.updates == "replace"
    # Validate everything before changing anything.
    email = _email(data.get("email")) if replace or "email" in data else member.email
    _check_email_free(store, email, member.id)
    identifiers = (
        _identifiers(store, data.get("additional_identifiers"), member.id)
        if replace or "additional_identifiers" in data
        else member.additional_identifiers
    )
    departments = (
        _departments(store, data.get("department_ids"))
        if replace or "department_ids" in data
        else member.department_ids
    )
    answers = parse_segments(store, data.get("segments"))
    consent = data.get("consent")

    if replace:  # what was not sent is cleared
        data = {**dict.fromkeys(REPLACED_FIELDS), **data}
        member.segments = {}
        given = consent if isinstance(consent, dict) else {}
        consent = {flag: bool(given.get(flag)) for flag in CONSENT_FLAGS}
    for name in ("first_name", "last_name", "gender", "origin"):
        if name in data:
            setattr(member, name, data[name])
    if "birth_date" in data:
        member.birth_date = parse_datetime(data["birth_date"]) if data["birth_date"] else None
    if "address" in data:
        member.address = _address(data["address"])
    member.gender = member.gender or "NotShared"
    member.email = email
    member.additional_identifiers = identifiers
    member.department_ids = departments
    _apply_segments(member, answers)
    _set_consent(ctx, member, consent, data.get("origin"))
    return render.member(store, member)


def delete_member(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    member.deleted_at = ctx.now
    for coupon in ctx.store.coupons.values():
        coupon.reservations.pop(member.id, None)
    for card in ctx.store.stamp_cards.values():
        card.reservations.pop(member.id, None)
    return render.action(True, "Member deleted. Personal data is purged after 10 days.")


HANDLERS: dict[str, Handler] = {
    "getMemberByFilter": search,
    "registerMember": register,
    "enrollMember": enroll,
    "getMemberById": get_member,
    "updateMember": update_member,
    "deleteMember": delete_member,
}
