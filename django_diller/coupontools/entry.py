"""A voucher a shopper types in: found at Coupontools, judged, valued, and kept on the basket.

The look-up happens once, when the shopper enters the code; pricing reads what was kept (see
:mod:`.basket_vouchers`). A voucher is refused, with a message the shopper can act on, when it
was used already, is held by another checkout, is voided or expired, cannot be found, or its
value cannot be read (then staff see why in the log: never a silent zero).
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .api import (
    CouponSession,
    CoupontoolsAuthError,
    CoupontoolsError,
    CoupontoolsRefused,
    CoupontoolsSessionNotFound,
    CoupontoolsUnavailable,
)
from .basket_vouchers import KeptVoucher
from .conf import coupontools_settings
from .connection import get_client
from .models import rule_for
from .vouchers import InvalidVoucherCode, InvalidVoucherValue, mask_code, parse_code, parse_value

logger = logging.getLogger("django_diller.coupontools")


class VoucherRefused(Exception):
    """The voucher cannot be used; ``str()`` is the message for the shopper."""


def look_up(text: str) -> KeptVoucher:
    """The voucher behind what the shopper typed (a link, a long or a short code), or
    :class:`VoucherRefused` with the reason in the shopper's words."""
    try:
        code = parse_code(text)
    except InvalidVoucherCode as exc:
        raise VoucherRefused(_("That is not a voucher code. Check it and try again.")) from exc
    deadline = float(coupontools_settings.REQUEST_DEADLINE)
    try:
        session = get_client(deadline=deadline).get_session(code.session)
    except CoupontoolsSessionNotFound as exc:
        raise VoucherRefused(_("We could not find this voucher.")) from exc
    except CoupontoolsAuthError as exc:
        logger.error("coupontools refused the shop's credentials: %s", exc)
        raise VoucherRefused(_("Vouchers can't be checked right now. Please try later.")) from exc
    except CoupontoolsUnavailable as exc:
        logger.warning("coupontools could not be reached for a voucher: %s", exc)
        raise VoucherRefused(_("Vouchers can't be checked right now. Please try later.")) from exc
    except CoupontoolsRefused as exc:
        logger.warning("coupontools refused a voucher look-up: %s", exc)
        raise VoucherRefused(_("We could not find this voucher.")) from exc
    except CoupontoolsError as exc:
        logger.warning("coupontools gave an answer the shop could not read: %s", exc)
        raise VoucherRefused(_("Vouchers can't be checked right now. Please try later.")) from exc
    judge(session)
    return value_of(session, code.campaign)


def judge(session: CouponSession) -> None:
    """Refuse a voucher that was used, is held by another checkout, voided or expired."""
    state = session.state
    if state.validated:
        if state.validation_date_utc is not None:
            used_on = date_format(timezone.localtime(state.validation_date_utc), "DATE_FORMAT")
            raise VoucherRefused(
                _("This voucher was already used on %(date)s.") % {"date": used_on}
            )
        raise VoucherRefused(_("This voucher was already used."))
    if state.voided:
        raise VoucherRefused(_("This voucher is no longer valid."))
    if state.is_expired(timezone.now()):
        raise VoucherRefused(_("This voucher has expired."))
    if state.locked:
        raise VoucherRefused(
            _("This voucher is being used in another checkout right now. Try again later.")
        )


def value_of(session: CouponSession, campaign_in_code: str | None) -> KeptVoucher:
    """What the voucher is worth: the campaign's rule set by staff, else the session's value
    field (``COUPONTOOLS['VALUE_FIELD']``, else ``value``)."""
    campaigns = (session.campaign_code, session.campaign, campaign_in_code)
    rule = rule_for(*campaigns)
    campaign = next((c for c in campaigns if c), "")
    if rule is not None:
        return KeptVoucher(
            session=session.session,
            campaign=campaign,
            kind=rule.kind,
            value=rule.value,
            title=rule.title or pgettext("a Coupontools voucher", "Voucher"),
            product_ids=tuple(sorted(rule.product_ids)),
            combinable=rule.combinable_with_diller,
        )
    field = coupontools_settings.VALUE_FIELD or "value"
    text = session.custom_field(field) or ""
    try:
        value = parse_value(text)
    except InvalidVoucherValue as exc:
        # Staff must see why; the shopper is told plainly, never given a zero.
        logger.warning(
            "coupontools voucher %s of campaign %s has no readable value in %r (%s): add a "
            "rule for the campaign in admin",
            mask_code(session.session),
            campaign or "?",
            field,
            exc.__class__.__name__,
        )
        raise VoucherRefused(
            _("This voucher can't be used in the web shop. Please contact us.")
        ) from exc
    return KeptVoucher(
        session=session.session,
        campaign=campaign,
        kind=value.kind,
        value=value.value,
        title=pgettext("a Coupontools voucher", "Voucher"),
        combinable=bool(coupontools_settings.COMBINABLE_WITH_DILLER),
    )
