"""Redeeming a voucher at the counter: look it up, validate it with the money spent, or void it.

What the "Redeem a voucher" page in admin does (:mod:`.redeem_views`), without the page: every
function takes what staff typed or scanned (a voucher's link or its session id, see
:func:`~django_diller.coupontools.vouchers.parse_code`) and answers a :class:`VoucherView`, or
raises :class:`RedeemRefused` with a message for staff. A session id is never logged whole
(whoever has it can redeem the voucher): logs show it masked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from .api import (
    CouponSession,
    CoupontoolsAuthError,
    CoupontoolsError,
    CoupontoolsInvalidCharacter,
    CoupontoolsMissingParameter,
    CoupontoolsRefused,
    CoupontoolsResponseError,
    CoupontoolsSessionNotFound,
    CoupontoolsTimeout,
    CoupontoolsUnavailable,
    RefusalKind,
    SessionState,
)
from .conf import coupontools_settings
from .connection import NotConfigured, get_client
from .models import VoucherRule, rule_for
from .vouchers import InvalidVoucherCode, InvalidVoucherValue, VoucherValue, parse_code, parse_value

logger = logging.getLogger("django_diller.coupontools")


class RedeemRefused(Exception):
    """The voucher cannot be looked up, validated or voided; the message is for staff."""

    def __init__(self, message: str, *, view: VoucherView | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.view = view  # the voucher as it stands, when it could be looked up


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def value_text(session: CouponSession) -> str | None:
    """The voucher's value as Coupontools keeps it: the custom field ``VALUE_FIELD`` when it is
    set and filled, else the session's ``value``; None when neither has one."""
    field = coupontools_settings.VALUE_FIELD
    if field:
        found = session.custom_field(str(field))
        if found:
            return found
    value = session.state.value
    return value.strip() if value and value.strip() else None


def money_text(amount: Decimal) -> str:
    """An amount in the shop's currency (Oscar's default currency, when the shop has one),
    with two decimals in the page's language."""
    currency = getattr(settings, "OSCAR_DEFAULT_CURRENCY", "")
    text = number_format(amount.quantize(Decimal("0.01")), decimal_pos=2)
    return f"{currency} {text}".strip()


@dataclass(frozen=True)
class VoucherView:
    """A voucher as staff see it: its state, its value and its campaign's rule."""

    session_id: str
    session: CouponSession
    now: datetime

    @property
    def masked(self) -> str:
        return self.session_id[:4] + "…"

    @property
    def state(self) -> SessionState:
        return self.session.state

    @property
    def expired(self) -> bool:
        return self.state.is_expired(self.now)

    @property
    def status(self) -> str:
        """``validated``, ``voided``, ``expired``, ``locked`` or ``usable``."""
        if self.state.validated:
            return "validated"
        if self.state.voided:
            return "voided"
        if self.expired:
            return "expired"
        if self.state.locked:
            return "locked"
        return "usable"

    @property
    def status_label(self) -> str:
        return {
            "validated": gettext("Already used"),
            "voided": gettext("Voided"),
            "expired": gettext("Expired"),
            "locked": gettext("Locked by a checkout"),
            "usable": gettext("Ready to redeem"),
        }[self.status]

    @property
    def can_validate(self) -> bool:
        return self.status == "usable"

    @property
    def can_void(self) -> bool:
        return self.status in ("usable", "locked", "expired")

    @property
    def campaign_code(self) -> str | None:
        return self.session.campaign_code or self.session.campaign

    @property
    def campaign_id(self) -> str | None:
        return self.session.data.campaign.id if self.session.data.campaign else None

    @cached_property
    def rule(self) -> VoucherRule | None:
        return rule_for(self.campaign_code, self.campaign_id, self.session.campaign)

    @property
    def value_text(self) -> str | None:
        return value_text(self.session)

    @property
    def value(self) -> VoucherValue | None:
        """The value read from Coupontools' text; None when there is none or it is unreadable
        (:attr:`value_problem` says why)."""
        text = self.value_text
        if text is None:
            return None
        try:
            return parse_value(text)
        except InvalidVoucherValue:
            return None

    @property
    def value_problem(self) -> str:
        text = self.value_text
        if text is None:
            return gettext("Coupontools keeps no value for this voucher.")
        try:
            parse_value(text)
        except InvalidVoucherValue as exc:
            return VALUE_PROBLEMS.get(exc.reason, VALUE_PROBLEMS["unreadable"])()
        return ""

    @property
    def money_spent(self) -> str | None:
        """What the validation recorded as spent (``validation_value``), with the shop's
        currency, when it did."""
        spent = self.state.validation_value
        if not spent:
            return None
        try:
            return money_text(Decimal(spent))
        except ArithmeticError:
            return spent

    @property
    def value_display(self) -> str | None:
        """The voucher's value for staff: "10 %", or the amount with the shop's currency."""
        value = self.value
        if value is None:
            return None
        if value.kind == "percentage":
            return f"{number_format(value.value)} %"
        return money_text(value.value)

    @property
    def refusal(self) -> str:
        """Why the voucher cannot be validated now; "" when it can."""
        state = self.state
        if self.status == "validated":
            return gettext(
                "This voucher was already used on %(date)s and cannot be used again."
            ) % {"date": _when(state.validation_date_utc) or gettext("an unknown date")}
        if self.status == "voided":
            return gettext("This voucher was voided.")
        if self.status == "expired":
            return gettext("This voucher expired on %(date)s and cannot be used.") % {
                "date": _when(state.expiration_date)
            }
        if self.status == "locked":
            return gettext(
                "This voucher is locked: a checkout is paying with it. Try again in a while."
            )
        return ""


VALUE_PROBLEMS = {
    "unreadable": lambda: gettext(
        "The voucher's value cannot be read: it should be an amount such as 50 or 50.00, or a "
        "percentage such as 10%."
    ),
    "ambiguous": lambda: gettext(
        "The voucher's value could be read two ways (a thousands separator or a decimal one)."
    ),
    "too_precise": lambda: gettext("The voucher's value has more decimals than the currency."),
    "negative": lambda: gettext("The voucher's value is negative."),
    "zero": lambda: gettext("The voucher's value is zero."),
    "over_100_percent": lambda: gettext("The voucher's percentage is above 100%."),
}

CODE_PROBLEMS = {
    "empty": lambda: gettext("Enter or scan a voucher code."),
    "characters": lambda: gettext("A voucher code has only letters and digits."),
    "length": lambda: gettext("This is too short or too long for a voucher code."),
    "link": lambda: gettext("This link is not a voucher's link."),
}


def describe_error(exc: Exception) -> str:
    """A message for staff about a failed call (no secret, no whole session id)."""
    if isinstance(exc, NotConfigured):
        return gettext("Coupontools is not configured: see manage.py check.")
    if isinstance(exc, CoupontoolsAuthError):
        return gettext(
            "Coupontools refused the shop's API client (error 1000, authentication failed): "
            "check COUPONTOOLS['CLIENT_ID'] and COUPONTOOLS['CLIENT_SECRET']."
        )
    if isinstance(exc, CoupontoolsSessionNotFound):
        return gettext("Coupontools has no voucher with this code (error 513).")
    if isinstance(exc, CoupontoolsMissingParameter):
        return gettext(
            "Coupontools says a parameter is missing (error 200): check "
            "COUPONTOOLS['SESSION_PARAMETER'] and COUPONTOOLS['UPDATE_PARAMETERS']."
        )
    if isinstance(exc, CoupontoolsInvalidCharacter):
        return gettext(
            "Coupontools refused a character in the code or the amount (error %(code)s)."
        ) % {"code": exc.error_code}
    if isinstance(exc, CoupontoolsRefused):
        return gettext("Coupontools refused (error %(code)s).") % {
            "code": exc.error_code if exc.error_code is not None else "-"
        }
    if isinstance(exc, CoupontoolsTimeout):
        return gettext(
            "Coupontools did not answer in time: the voucher may have changed. Look it up again "
            "before trying again."
        )
    if isinstance(exc, CoupontoolsUnavailable):
        return gettext("Coupontools cannot be reached right now: try again in a moment.")
    if isinstance(exc, CoupontoolsResponseError):
        return gettext("Coupontools' answer could not be read (%(field)s).") % {"field": exc.field}
    return gettext("Coupontools failed: %(error)s") % {"error": exc}


def _session_id(text: str) -> str:
    try:
        return parse_code(text).session
    except InvalidVoucherCode as exc:
        raise RedeemRefused(CODE_PROBLEMS.get(exc.reason, CODE_PROBLEMS["empty"])()) from None


def _client() -> Any:
    return get_client(deadline=float(coupontools_settings.REQUEST_DEADLINE))


def _fetch(session_id: str) -> VoucherView:
    try:
        session = _client().get_session(session_id)
    except (CoupontoolsError, NotConfigured) as exc:
        raise RedeemRefused(describe_error(exc)) from None
    return VoucherView(session_id, session, timezone.now())


def look_up(text: str) -> VoucherView:
    """The voucher ``text`` names (a link or a session id), as it stands at Coupontools."""
    return _fetch(_session_id(text))


def _update(view: VoucherView, action: str, do: Any, staff_user: Any) -> VoucherView:
    try:
        do()
    except CoupontoolsRefused as exc:
        if exc.kind is not RefusalKind.OTHER:
            raise RedeemRefused(describe_error(exc), view=view) from None
        # Refused for the voucher's state (changed since it was looked up): say which.
        try:
            fresh = _fetch(view.session_id)
        except RedeemRefused:
            raise RedeemRefused(describe_error(exc), view=view) from None
        raise RedeemRefused(fresh.refusal or describe_error(exc), view=fresh) from None
    except (CoupontoolsError, NotConfigured) as exc:
        raise RedeemRefused(describe_error(exc), view=view) from None
    logger.info(
        "coupontools staff %s by user %s: session %s",
        action,
        getattr(staff_user, "pk", None),
        view.masked,
    )
    return _fetch(view.session_id)


def validate(text: str, money_spent: Decimal | None, *, staff_user: Any = None) -> VoucherView:
    """Mark the voucher used at the counter, with what was spent (sent as ``0.000``)."""
    view = look_up(text)
    if view.refusal:
        raise RedeemRefused(view.refusal, view=view)
    client = _client()
    return _update(
        view, "validate", lambda: client.validate(view.session_id, money_spent), staff_user
    )


def void(text: str, *, staff_user: Any = None) -> VoucherView:
    """Void the voucher for good."""
    view = look_up(text)
    if not view.can_void:
        raise RedeemRefused(view.refusal, view=view)
    client = _client()
    return _update(view, "void", lambda: client.void(view.session_id), staff_user)


__all__ = [
    "RedeemRefused",
    "VoucherView",
    "describe_error",
    "look_up",
    "validate",
    "value_text",
    "void",
]
