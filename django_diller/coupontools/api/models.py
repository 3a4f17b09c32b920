"""What Coupontools answers, as pydantic models (``coupontools-v3.yaml``'s schemas).

Coupontools writes its flags as the strings ``"0"`` and ``"1"`` and its dates as
``YYYY-MM-DD HH:MM:SS``, or ``""`` when the event never happened. They are read carefully: a
flag is ``"0"``/``"1"`` (or the JSON ``0``/``1``/``false``/``true``) and anything else breaks the
contract, never a silent "no"; an empty date (``""``, ``null``, ``0000-00-00 00:00:00``) is
None; a date is timezone-aware, in UTC for the fields suffixed ``_utc`` (the suffix says so),
and for ``expiration_date`` (no suffix; its zone is not documented) in the zone the client is
given (:data:`EXPIRATION_ZONE_CONTEXT`), UTC unless told.

Every model keeps the fields it does not declare (``extra="allow"``): the session's answer has
many (UTM tags, the redeem location, the person's answers), and Coupontools adds more. The
person's data (``data.user``) and secrets (the redeem location's pin code) are kept but never
shown by ``repr()``: it shows a few declared fields only, the session id masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from .errors import mask

#: The validation-context key of the zone ``expiration_date`` is read in.
EXPIRATION_ZONE_CONTEXT = "expiration_zone"

_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return value.strip() == "1"
    raise ValueError('expected "0" or "1"')


def _optional_flag(value: object) -> bool | None:
    return None if value is None or value == "" else _flag(value)


def _date_time(value: object, zone: tzinfo) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("expected a date-time as text")
    text = value.strip()
    if not text or text.startswith("0000-00-00"):
        return None
    if not _DATE_TIME.fullmatch(text):
        raise ValueError("expected a date-time as YYYY-MM-DD HH:MM:SS")
    return datetime.strptime(text.replace("T", " "), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)


def _utc(value: object) -> datetime | None:
    return _date_time(value, UTC)


def _expiration(value: object, info: ValidationInfo) -> datetime | None:
    zone = (info.context or {}).get(EXPIRATION_ZONE_CONTEXT) or UTC
    return _date_time(value, zone)


def _text(value: object) -> str | None:
    """Free text, also when sent as a JSON number (``"value": 50``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise ValueError("expected text")


#: ``"0"`` no, ``"1"`` yes; nothing else.
Flag = Annotated[bool, BeforeValidator(_flag)]
#: A flag that may be absent or empty (None then).
OptionalFlag = Annotated[bool | None, BeforeValidator(_optional_flag)]
#: A ``*_utc`` date-time: aware, in UTC; None when empty.
UtcDateTime = Annotated[datetime | None, BeforeValidator(_utc)]
#: ``expiration_date``: aware, in the client's expiration zone; None when empty.
ExpirationDateTime = Annotated[datetime | None, BeforeValidator(_expiration)]
#: Free text, a JSON number read as its text.
Text = Annotated[str | None, BeforeValidator(_text)]


class WireModel(BaseModel):
    """Base of every wire model: unknown fields kept; ``repr()`` shows :attr:`shown` only."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    shown: ClassVar[tuple[str, ...]] = ()

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name in self.shown:
            yield name, getattr(self, name)


class AnswerStatus(WireModel):
    """``status``: ``{"status": "OK"}`` on success."""

    status: str
    shown = ("status",)


class SessionState(WireModel):
    """``data.status``: where the voucher stands."""

    validated: Flag
    validation_date_utc: UtcDateTime = None
    validation_value: Text = None
    locked: Flag
    unlocked_date_utc: UtcDateTime = None
    voided: Flag
    unvoided_date_utc: UtcDateTime = None
    claimed: OptionalFlag = None
    claim_date_utc: UtcDateTime = None
    created_date_utc: UtcDateTime = None
    value: Text = None
    customid: Text = None
    expiration_date: ExpirationDateTime = None

    shown = ("validated", "validation_date_utc", "locked", "voided", "expiration_date", "value")

    def is_expired(self, now: datetime) -> bool:
        """Whether the voucher's expiry has passed at ``now`` (aware); never without one."""
        return self.expiration_date is not None and self.expiration_date <= now


class SessionUser(WireModel):
    """``data.user``: what the person gave when claiming the voucher (personal data: kept for
    the campaign's custom fields, never shown), all of it as extra fields."""

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "fields", len(self.model_extra or {})


class SessionCampaign(WireModel):
    """``data.campaign``: ``id`` (``cam_…``) and ``code`` (the one in the voucher's URL)."""

    id: str | None = Field(default=None, alias="ID")
    code: str | None = None
    url: str | None = None
    status: str | None = None

    shown = ("id", "code", "status")


class SessionData(WireModel):
    status: SessionState
    user: SessionUser | None = None
    campaign: SessionCampaign | None = None

    shown = ("status", "campaign")


class CouponSession(WireModel):
    """A coupon session, as the look-up (``couponsession_data``) answers it."""

    status: AnswerStatus
    campaign: str | None = None
    action: str | None = None
    session: str
    session_url: str | None = None
    sequenceid: Text = None
    customid: Text = None
    data: SessionData

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "campaign", self.campaign
        yield "session", mask(self.session)
        yield "state", self.data.status

    @property
    def state(self) -> SessionState:
        return self.data.status

    @property
    def campaign_code(self) -> str | None:
        """The campaign's code (``v6n7gn``), as in the voucher's URL."""
        return self.data.campaign.code if self.data.campaign else None

    def custom_field(self, name: str) -> str | None:
        """A field a campaign keeps a value in (``value``, ``customid``, ``custom1``…): the
        first non-empty one of that name in ``data.status``, ``data.user`` and the answer
        itself, as text; None when none has it."""
        for source in (self.data.status, self.data.user, self):
            if source is None:
                continue
            found = _field_text(source, name)
            if found:
                return found
        return None


def _field_text(model: BaseModel, name: str) -> str | None:
    if name in type(model).model_fields:
        value = getattr(model, name)
    else:
        value = (model.model_extra or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    return str(value).strip() or None


class UpdateResult(WireModel):
    """What an update (``couponsession_update``) answers: the action done, on which session."""

    status: AnswerStatus
    action: str | None = None
    session: str | None = None

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "action", self.action
        yield "session", None if self.session is None else mask(self.session)


__all__ = [
    "EXPIRATION_ZONE_CONTEXT",
    "AnswerStatus",
    "CouponSession",
    "ExpirationDateTime",
    "Flag",
    "OptionalFlag",
    "SessionCampaign",
    "SessionData",
    "SessionState",
    "SessionUser",
    "Text",
    "UpdateResult",
    "UtcDateTime",
    "WireModel",
]
