"""One-time codes: login by SMS code, and changing a member's phone.

A code is an int of ``MemberOptions.otp_digits`` digits (6 unless set; never a leading zero,
so the number texted and the int are the same digits), valid 5 minutes (by the sandbox clock)
and usable once. Five wrong tries void it. Asking again replaces the previous code.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from .. import render
from ..problems import field_error
from ..state import OTP_LIFETIME, OTP_MAX_ATTEMPTS, Member, OtpCode
from .base import Context, Handler, phone_from_body

Purpose = Literal["login", "reset_phone"]


def _new_code(digits: int) -> int:
    lowest = 10 ** (digits - 1)
    return lowest + secrets.randbelow(9 * lowest)


def _issue(ctx: Context, member: Member, purpose: Purpose, **extra: Any) -> OtpCode:
    code = _new_code(ctx.settings.members.otp_digits)
    otp = OtpCode(member.id, purpose, code, ctx.now + OTP_LIFETIME, **extra)
    ctx.store.otp_codes[(member.id, purpose)] = otp
    return otp


def _code_from_body(ctx: Context) -> int:
    code = ctx.json_object().get("otp_code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise field_error("otp_code", "This field is required.")
    return code


def _verify(ctx: Context, member: Member, purpose: Purpose, code: int) -> tuple[bool, str]:
    key = (member.id, purpose)
    otp = ctx.store.otp_codes.get(key)
    if otp is None:
        return False, "No code is pending for this member. Ask for a new code."
    if ctx.now >= otp.expires_at:
        del ctx.store.otp_codes[key]
        return False, "The code has expired. Ask for a new code."
    if code != otp.code:
        otp.failed_attempts += 1
        left = OTP_MAX_ATTEMPTS - otp.failed_attempts
        if left <= 0:
            del ctx.store.otp_codes[key]
            return False, "Wrong code. Too many attempts: the code is void, ask for a new one."
        return False, f"Wrong code. {left} attempt(s) left."
    return True, "The code is correct."


def login_otp(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    otp = _issue(ctx, member, "login")
    ctx.send(
        "login_otp",
        member.phone.e164,
        f"{otp.code} is your {ctx.store.store_name} login code. It is valid for 5 minutes.",
        member_id=member.id,
        code=otp.code,
    )
    return render.action(True, "A login code has been sent by SMS.")


def login_otp_verification(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    ok, details = _verify(ctx, member, "login", _code_from_body(ctx))
    if ok:
        del ctx.store.otp_codes[(member.id, "login")]
    elif ctx.settings.members.wrong_code_answer == "problem":
        raise field_error("otp_code", details)
    return render.action(ok, details)


def reset_phone(ctx: Context) -> dict[str, Any]:
    """Send a code to the NEW phone; the change happens on verification."""
    member = ctx.member()
    phone = phone_from_body(ctx.json_object(), "phone")
    owner = ctx.store.member_by_phone(phone)
    if owner is not None and owner.id != member.id:
        return render.action(False, "This phone number belongs to another member.")
    otp = _issue(ctx, member, "reset_phone", phone=phone)
    ctx.send(
        "reset_phone_otp",
        phone.e164,
        f"{otp.code} is your {ctx.store.store_name} code to confirm your new phone number.",
        member_id=member.id,
        code=otp.code,
    )
    return render.action(True, "A code has been sent to the new phone number.")


def reset_phone_verification(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    data = ctx.json_object()
    phone = phone_from_body(data.get("phone"))
    code = _code_from_body(ctx)
    pending = ctx.store.otp_codes.get((member.id, "reset_phone"))
    if pending is not None and pending.phone is not None and pending.phone != phone:
        return render.action(False, "The code was sent to another phone number.")
    ok, details = _verify(ctx, member, "reset_phone", code)
    if not ok:
        return render.action(False, details)
    owner = ctx.store.member_by_phone(phone)
    if owner is not None and owner.id != member.id:
        return render.action(False, "This phone number belongs to another member.")
    del ctx.store.otp_codes[(member.id, "reset_phone")]
    member.phone = phone
    return render.action(True, "The phone number has been changed.")


HANDLERS: dict[str, Handler] = {
    "loginOTP": login_otp,
    "loginOtpVerification": login_otp_verification,
    "resetPhone": reset_phone,
    "resetPhoneVerification": reset_phone_verification,
}
