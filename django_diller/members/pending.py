"""The pending link: whom a one-time code was texted for, kept in the server-side session.

A member id never comes from the browser: the member a code proves is the one remembered
here when the code was sent, with its expiry and the wrong tries. Wrong codes are counted,
atomically and per member, in the shared cache (:mod:`.limits`) as well, so that parallel
requests and other sessions share the tries.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from ..api import models as wire
from ..api.errors import DillerRefused, DillerValidationError
from . import limits
from .consents import accepted_terms, consent_flags
from .errors import TooManyAttempts, WrongCode
from .service import MemberService

PENDING_LINK_SESSION_KEY = "diller_pending_link"
PENDING_LINK_LIFETIME = 10 * 60  # seconds
MAX_WRONG_CODES = 5


def store_pending(
    members: MemberService,
    request: HttpRequest,
    member: wire.MemberResponse,
    key: str,
    consents: Mapping[str, bool | None],
    profile: dict[str, Any] | None,
    *,
    invited: bool = False,
) -> None:
    """Store the pending link in the session (``invited``: Diller texted the link, no code).

    Everything in it is JSON (the session may be signed cookies or JSON in the database);
    the profile is the ``UpdateMemberRequest`` fields to send after the code, already in
    wire form. It is never logged.
    """
    pending: dict[str, Any] = {
        "member_id": member.id or "",
        "store_id": members.store_id,
        "user_id": str(request.user.pk),
        "phone_key": key,
        "expires_at": time.time() + PENDING_LINK_LIFETIME,
        "wrong": 0,
        "consents": consent_flags(consents),
        "joining": not accepted_terms(member),
    }
    if profile is not None:
        pending["profile"] = profile
    if invited:
        pending["invited"] = True
    request.session[PENDING_LINK_SESSION_KEY] = pending


def pending_link(members: MemberService, request: HttpRequest) -> dict[str, Any] | None:
    """The session's pending link if it is this user's, this store's and not expired."""
    pending = request.session.get(PENDING_LINK_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    if (
        pending.get("user_id") != str(request.user.pk)
        or pending.get("store_id") != members.store_id
        or float(pending.get("expires_at", 0)) <= time.time()
        or int(pending.get("wrong", 0)) >= MAX_WRONG_CODES
    ):
        forget_pending(request)
        return None
    return pending


def renew_pending(members: MemberService, request: HttpRequest, pending: dict[str, Any]) -> None:
    """A new SMS was sent for ``pending``: its own time and tries again."""
    forget_wrong_codes(members, pending["member_id"])
    pending["expires_at"] = time.time() + PENDING_LINK_LIFETIME
    pending["wrong"] = 0
    request.session[PENDING_LINK_SESSION_KEY] = pending


def forget_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_LINK_SESSION_KEY, None)


def _wrong_codes_key(members: MemberService, member_id: str) -> str:
    return f"diller:otp-wrong:{members.store_id}:{member_id}"


def forget_wrong_codes(members: MemberService, member_id: str) -> None:
    """A new code gets its own tries."""
    limits.forget(_wrong_codes_key(members, member_id))


def check_code(
    members: MemberService, request: HttpRequest, pending: dict[str, Any], code: str
) -> None:
    """Count this try, then ask Diller; raises :class:`~.errors.WrongCode` or
    :class:`~.errors.TooManyAttempts`. A right code is remembered in the pending link, so
    that a failure in the next calls can be retried without a new code."""
    member_id = pending["member_id"]
    key = _wrong_codes_key(members, member_id)
    tries = limits.hit(key, PENDING_LINK_LIFETIME)
    if tries > MAX_WRONG_CODES:
        forget_pending(request)
        raise TooManyAttempts()
    try:
        # ``otp_code`` is an integer: "012345" and "12345" are the same code.
        members.client.verify_login_otp(member_id, int(code))
    except (DillerRefused, DillerValidationError):
        # The contract lets Diller refuse a code with ``is_ok`` false or with problem details
        # (a 4xx): either way the code is what was refused.
        pending["wrong"] = tries
        if tries >= MAX_WRONG_CODES:
            forget_pending(request)
            raise TooManyAttempts() from None
        request.session[PENDING_LINK_SESSION_KEY] = pending
        raise WrongCode(MAX_WRONG_CODES - tries) from None
    limits.forget(key)
    pending["verified"] = True
    request.session[PENDING_LINK_SESSION_KEY] = pending
