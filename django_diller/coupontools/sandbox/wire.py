"""State objects to Coupontools' answers, as the guide shows them: flags as ``"0"``/``"1"``,
dates as ``YYYY-MM-DD HH:MM:SS`` in UTC or ``""``, money as ``0.000``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .state import CouponSession

OK = {"status": "OK"}
LOOKUP_ACTION = "retrieve_all_session_data"
SESSION_URL_BASE = "https://digicpn.com/p"


def flag(value: object) -> str:
    return "1" if value else "0"


def moment(value: datetime | None) -> str:
    """``2019-03-25 10:44:05`` (UTC), or ``""`` for a date that never happened."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def money(value: Decimal | None) -> str:
    """``499.000`` (the format ``money_spent`` is sent in), or ``""``."""
    return "" if value is None else f"{value:.3f}"


def session_status(session: CouponSession) -> dict[str, Any]:
    """``data.status``: the session's state, with the guide's fields."""
    return {
        "created_date_utc": moment(session.created),
        "opened": flag(session.claimed),
        "open_date_utc": moment(session.claimed),
        "played": "0",
        "played_date_utc": "",
        "claimed": flag(session.claimed),
        "claim_date_utc": moment(session.claimed),
        "claimtype": "",
        "validated": flag(session.validated),
        "validation_date_utc": moment(session.validated),
        "own_validation_code": session.own_validation_code,
        "validation_value": money(session.money_spent),
        "redeem_location_ID": "",
        "voided": flag(session.voided),
        "unvoided_date_utc": "" if session.voided else moment(session.claimed),
        "locked": flag(session.locked),
        "unlocked_date_utc": moment(session.unlocked),
        "value": session.value,
        "customid": session.customid,
        "expiration_date": moment(session.expiration),
        "utm_campaign": None,
        "utm_source": None,
        "utm_medium": None,
        "utm_term": None,
        "utm_content": None,
    }


def session_answer(session: CouponSession) -> dict[str, Any]:
    """The look-up's answer (``SessionAnswer``)."""
    campaign = session.campaign
    return {
        "status": dict(OK),
        "campaign": campaign.id,
        "action": LOOKUP_ACTION,
        "session": session.session,
        "session_url": session.url(SESSION_URL_BASE),
        "sequenceid": session.sequenceid,
        "customid": session.customid,
        "data": {
            "status": session_status(session),
            "user": {**session.custom, "customid": session.customid},
            "campaign": {
                "ID": campaign.id,
                "code": campaign.code,
                "url": f"{SESSION_URL_BASE}/{campaign.code}",
                "status": campaign.status,
                "coupon_tags": "",
            },
        },
    }


def update_answer(action: str, session: CouponSession) -> dict[str, Any]:
    """The update's answer (``UpdateAnswer``): the action as sent, and the session."""
    return {"status": dict(OK), "action": action, "session": session.session}
