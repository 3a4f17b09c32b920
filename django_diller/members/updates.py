"""Writing a member to Diller: every update is a read-modify-write.

The PUT carries the member as just read, with only the intended changes, and always the
complete consent object. The contract lets a server treat a PUT as a replace, and a request
leaving out ``gdpr_accepted`` would then end the member's membership.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..api import models as wire
from ..api.client import DillerClient
from ..loyalty.connection import current_department_id
from ..loyalty.origin import origin
from .consents import CONSENT_FLAGS, consent_flags
from .profile import OPTION_TYPES, Profile, birth_date_of, birth_datetime, segment_values


def profile_changes(
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


def write_member(
    client: DillerClient,
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
    values = as_update(member)
    changes = dict(changes)
    answers = {value.segment_id: value for value in values.pop("segments")}
    for item in changes.pop("segments", None) or []:
        value = wire.SegmentValue.model_validate(item)
        answers[value.segment_id] = value
    values.update(changes)
    values["segments"] = list(answers.values())
    values["consent"] = {**values["consent"], **consent_flags(consents)}
    values["origin"] = origin(current_department_id())
    request = wire.UpdateMemberRequest.model_validate(values)
    return client.update_member(member.id or "", request)


def as_update(member: wire.MemberResponse) -> dict[str, Any]:
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
            flag: given for flag in CONSENT_FLAGS if (given := getattr(consent, flag)) is not None
        },
        "department_ids": list(member.department_ids),
        "segments": answers,
    }
