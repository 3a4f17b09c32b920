"""The consents of a member: Diller's four flags, and the shop's audit trail of them.

The trail (:class:`~django_diller.models.ConsentRecord`) holds what the shopper chose on a
page (``loyalty page``, ``activation link``) and, apart, the consents Diller already had for a
member the shop links (``as Diller had it``). A row is written only when a value changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser

from ..api import models as wire
from ..models import Consent, ConsentRecord, Source

CONSENT_FLAGS: tuple[str, ...] = tuple(c.value for c in Consent)


def consent_flags(consents: Mapping[str, bool | None]) -> dict[str, bool]:
    """The known consent flags of ``consents``, as booleans."""
    return {flag: bool(consents[flag]) for flag in CONSENT_FLAGS if flag in consents}


def consents_of(member: wire.MemberResponse) -> dict[str, bool | None]:
    """Every consent flag as Diller has it for ``member`` (None: not given in the answer)."""
    consent = member.consent or wire.MemberConsent()
    return {flag: getattr(consent, flag) for flag in CONSENT_FLAGS}


def accepted_terms(member: wire.MemberResponse) -> bool:
    """Has ``member`` accepted the club's terms (is a member of the club, not only a record)?"""
    return bool(member.consent and member.consent.gdpr_accepted)


def consents_to_send(member: wire.MemberResponse, ticked: Mapping[str, bool]) -> dict[str, bool]:
    """What a page that links ``member`` sends of the consents the shopper ticked (``ticked``).

    * A member who had not accepted the club's terms (enrolled at a counter, an invitation
      never finished) joins with the four consents as ticked, or sends none without the terms.
    * A member of the club gets the consents ticked that the membership did not have yet: the
      boxes start unticked, so an unticked box does not withdraw what the member gave before.
    """
    if not accepted_terms(member):
        return dict(ticked) if ticked.get(Consent.GDPR) else {}
    before = consents_of(member)
    return {
        flag: True
        for flag, given in ticked.items()
        if given and flag != Consent.GDPR and not before.get(flag)
    }


def record_consents(
    store_id: str,
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
        last = last_record(store_id, member_id, flag)
        if last is not None and last.given == bool(given):
            continue
        rows.append(
            ConsentRecord.objects.create(
                user=user if user is not None and user.is_authenticated else None,
                store_id=store_id,
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
    store_id: str,
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
        if given or last_record(store_id, member_id, flag) is not None
    }
    return record_consents(
        store_id, user, member_id, known, Source.DILLER, order_number=order_number
    )


def last_record(store_id: str, member_id: str, flag: str) -> ConsentRecord | None:
    """The latest record of one consent of a member."""
    return (
        ConsentRecord.objects.filter(store_id=store_id, member_id=member_id, consent=flag)
        .order_by("-recorded_at", "-pk")
        .first()
    )
