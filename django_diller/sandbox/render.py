"""State objects to wire dicts (snake_case, as in the contract's response schemas).

None values are dropped: the contract has no nullable fields, so a missing value is absent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .codec import compact, iso
from .phones import PhoneNumber
from .state import (
    Coupon,
    Department,
    Dependent,
    InvitedFriend,
    Member,
    MembershipLevel,
    NonEligibleProduct,
    Segment,
    StampCard,
    Store,
)

LEVEL_VALIDITY = timedelta(days=365)


def phone(value: PhoneNumber) -> dict[str, Any]:
    return {"country_code": value.country_code, "number": value.number}


def store(value: Store) -> dict[str, Any]:
    points = value.points_system
    return compact(
        {
            "id": value.id,
            "tax_number": value.tax_number,
            "external_id": value.external_id,
            "store_name": value.store_name,
            "phone": phone(value.phone),
            "email": value.email,
            "address": compact(value.address) if value.address else None,
            "currency": value.currency,
            "time_zone": value.time_zone,
            "culture": value.culture,
            "stamps_enabled": value.stamps_enabled,
            "friend_referral_enabled": value.friend_referral_enabled,
            "points_system": {
                "enabled": points.enabled,
                "friend_referral_points": points.friend_referral_points,
                "follower_signup_points": points.follower_signup_points,
                "currency_points_ratio": points.currency_points_ratio,
            },
            "member_identifier": compact(
                {
                    "type": value.member_identifier_type,
                    "is_unique_per_country": value.member_identifier_unique_per_country,
                }
            ),
            "privacy_policy_url": value.privacy_policy_url,
        }
    )


def department(value: Department) -> dict[str, Any]:
    return {"id": value.id, "name": value.name}


def segment(value: Segment) -> dict[str, Any]:
    return {
        "id": value.id,
        "text": value.text,
        "type": value.type,
        "is_visible_to_follower": value.is_visible_to_follower,
        "is_required": value.is_required,
        "options": [{"id": option.id, "text": option.text} for option in value.options],
    }


def level(value: MembershipLevel) -> dict[str, Any]:
    return {"id": value.id, "name": value.name, "points": value.points}


def current_level(levels: list[MembershipLevel], points: int) -> MembershipLevel | None:
    reached = [lvl for lvl in levels if lvl.points <= points]
    return max(reached, key=lambda lvl: lvl.points) if reached else None


def next_level(levels: list[MembershipLevel], points: int) -> MembershipLevel | None:
    ahead = [lvl for lvl in levels if lvl.points > points]
    return min(ahead, key=lambda lvl: lvl.points) if ahead else None


def membership_detail(owner: Store, member: Member) -> dict[str, Any]:
    reached = current_level(owner.levels, member.points)
    upcoming = next_level(owner.levels, member.points)
    expires: datetime | None = None
    if reached is not None and member.level_reached_at is not None:
        expires = member.level_reached_at + LEVEL_VALIDITY
    return compact(
        {
            "points": member.points,
            "remaining_points": member.points,
            "level_title": reached.name if reached else None,
            "next_level_title": upcoming.name if upcoming else None,
            "next_level_points": upcoming.points - member.points if upcoming else None,
            "level_expire_date": iso(expires),
        }
    )


def member_segments(owner: Store, member: Member) -> list[dict[str, Any]]:
    answers = []
    for seg in owner.segments:
        answer = member.segments.get(seg.id)
        if answer is None:
            continue
        answers.append(
            compact(
                {
                    "id": seg.id,
                    "text": seg.text,
                    "type": seg.type,
                    "is_visible_to_follower": seg.is_visible_to_follower,
                    "is_required": seg.is_required,
                    "value": answer.value,
                    "selected_options": list(answer.selected_options) if seg.has_options else None,
                }
            )
        )
    return answers


def member(owner: Store, value: Member) -> dict[str, Any]:
    return compact(
        {
            "id": value.id,
            "first_name": value.first_name,
            "last_name": value.last_name,
            "email": value.email,
            "additional_identifiers": list(value.additional_identifiers),
            "remarks": value.remarks,
            "phone": phone(value.phone),
            "birth_date": iso(value.birth_date),
            "address": compact(value.address) if value.address else None,
            "gender": value.gender or "NotShared",
            "consent": {
                "gdpr_accepted": value.consent.gdpr_accepted,
                "save_order_history": value.consent.save_order_history,
                "receive_sms": value.consent.receive_sms,
                "receive_email": value.consent.receive_email,
            },
            "membership_detail": membership_detail(owner, value),
            "department_ids": list(value.department_ids),
            "segments": member_segments(owner, value),
        }
    )


def _coupon_common(value: Coupon) -> dict[str, Any]:
    return {
        "id": value.id,
        "external_ids": [],
        "code": value.code,
        "title": value.title,
        "description": value.description,
        "article_number": value.article_number,
        "valid_from": iso(value.valid_from),
        "valid_to": iso(value.valid_to),
        "type": value.type,
        "discount_type": value.discount_type,
        "discount_value": value.discount_value,
        "max_redemptions": value.max_redemptions,
        "image_url": value.image_url,
        "product_ids": list(value.product_ids),
    }


def member_coupon(value: Coupon, member_id: str) -> dict[str, Any]:
    return compact({**_coupon_common(value), "times_redeemed": value.times_redeemed(member_id)})


def store_coupon(value: Coupon) -> dict[str, Any]:
    return compact(_coupon_common(value))


def stamp_card(value: StampCard, member_id: str | None = None, held: int = 0) -> dict[str, Any]:
    """A card; with ``member_id``, that member's ``stamps_collected`` (``held``: stamps held for
    pending orders that the card shows already)."""
    body = {
        "id": value.id,
        "external_id": value.external_id,
        "article_number": value.article_number,
        "title": value.title,
        "description": value.description,
        "is_restartable": value.is_restartable,
        "required_stamps": value.required_stamps,
        "image_url": value.image_url,
        "last_stamp_text": value.last_stamp_text,
        "product_ids": list(value.product_ids),
        "card_type": value.card_type,
        "threshold_amount": value.threshold_amount,
        "valid_from": iso(value.valid_from),
        "valid_to": iso(value.valid_to),
    }
    if member_id is not None:
        body["stamps_collected"] = value.stamps_of(member_id) + held
    return compact(body)


def non_eligible(value: NonEligibleProduct) -> dict[str, Any]:
    return compact(
        {
            "id": value.id,
            "description": value.description,
            "product_id": value.product_id,
            "product_id_prefix": value.product_id_prefix,
            "product_category_id": value.product_category_id,
            "subsystem": value.subsystem,
            "expires_at": value.expires_at,
        }
    )


def dependent(value: Dependent) -> dict[str, Any]:
    return compact(
        {"id": value.id, "name": value.name, "birthdate": value.birthdate, "gender": value.gender}
    )


def invited_friend(value: InvitedFriend) -> dict[str, Any]:
    return {
        "first_name": value.first_name,
        "last_name": value.last_name,
        "email": value.email,
        "created_at": iso(value.created_at),
        "is_accepted": value.is_accepted,
        "points": value.points,
    }


def action(is_ok: bool, details: str) -> dict[str, Any]:
    """An ActionResponse. ``is_ok=False`` with HTTP 200 is a business refusal."""
    return {"is_ok": is_ok, "details": details}
