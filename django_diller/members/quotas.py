"""How many SMS and activation-token guesses the shopper pages allow.

Counted in the shared cache with atomic counters (:mod:`.limits`), per phone and per client
address, so that the pages can't be used to flood a phone or probe many numbers or tokens,
not even with parallel requests. Each request counts itself first and is refused when its
own count is over the limit.
"""

from __future__ import annotations

from . import limits
from .errors import RateLimited

OTP_PER_PHONE = (3, 15 * 60)  # at most 3 SMS (codes or links) per phone per 15 minutes
OTP_PER_IP = (10, 60 * 60)  # at most 10 SMS per client IP per hour
TOKEN_MISSES_PER_IP = (10, 3600)  # unknown activation tokens per client address, per hour


def count_sms(phone: str, ip: str | None) -> None:
    """Count one SMS for ``phone`` (and the client address ``ip``, if given), then refuse
    if either count is over its limit. Counting first is what makes the limit hold under
    parallel requests (see :mod:`.limits`)."""
    over = limits.hit(f"diller:otp:phone:{phone}", OTP_PER_PHONE[1]) > OTP_PER_PHONE[0]
    if ip is not None:
        over = limits.hit(f"diller:otp:ip:{ip}", OTP_PER_IP[1]) > OTP_PER_IP[0] or over
    if over:
        raise RateLimited()


def count_token_look_up(client_address: str | None) -> str | None:
    """Count an activation-token look-up against ``client_address`` (none without one) and
    refuse when it is over ``TOKEN_MISSES_PER_IP``; the counter's key, for
    :func:`token_found`."""
    key = f"diller:token-miss:{client_address}" if client_address else None
    if key and limits.hit(key, TOKEN_MISSES_PER_IP[1]) > TOKEN_MISSES_PER_IP[0]:
        raise RateLimited()
    return key


def token_found(key: str | None) -> None:
    """Give a look-up back: the token was found, so it was no guess."""
    if key:
        limits.undo(key)
