"""A Coupontools voucher's code, read from what a shopper or a scanner gives us.

A voucher's URL is ``https://digicpn.com/p/{campaign}/{session}``; its barcode holds the session
id. :func:`parse_code` accepts either, as people paste or type them:

- the URL, with any scheme (``http``/``https``) and host in any case, with or without
  ``www.``, another host (a campaign may use its own domain), the scheme left out, a trailing
  slash, a query or a fragment; the path alone (``/p/{campaign}/{session}``) or
  ``{campaign}/{session}`` too;
- the session id alone, long (``kkfiznr8Yp8630h82es8d``) or short (``abcdefghijklmn``).

Whitespace anywhere (spaces people type in groups, a scanner's trailing newline, a non-breaking
space) is removed, as are zero-width characters a copy may carry, and full-width letters and
digits are read as their plain forms (Unicode NFKC).

**Case is kept.** Session ids mix upper and lower case (the guide's ``kkfiznr8Yp8630h82es8d``),
so two ids differing only in case are two vouchers: folding case would look up another voucher,
or none. Only the parts of a URL where case means nothing are read in any case: its scheme, its
host and the literal ``p`` segment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

# What Coupontools' ids are made of, as the guide shows them; anything else is a typo or junk.
_ID = re.compile(r"[A-Za-z0-9]+")
SESSION_MIN_LENGTH = 6
SESSION_MAX_LENGTH = 64
CAMPAIGN_MAX_LENGTH = 64
# Longer input is not a voucher code, whatever it holds (a pasted page, a paragraph).
MAX_INPUT_LENGTH = 2048
# How many of a code's first characters messages, logs and ids may show.
SHOWN = 4

# Characters a copy from a page or a chat may carry that are not visible: zero-width space,
# non-joiner, joiner, word joiner, byte order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def mask_code(code: str) -> str:
    """A code as messages and logs may show it: its first four characters and an ellipsis.

    Whoever has a voucher's full session id can redeem it, so it is never written out whole.
    """
    return code[:SHOWN] + "…"


class InvalidVoucherCode(ValueError):
    """Not a voucher code. ``reason`` names why, for the caller to word it for a person; the
    message never quotes the input (it may be someone's voucher)."""

    reason = "invalid"
    default_message = "This is not a voucher code."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class EmptyVoucherCode(InvalidVoucherCode):
    reason = "empty"
    default_message = "No voucher code was given."


class VoucherCodeCharacters(InvalidVoucherCode):
    reason = "characters"
    default_message = "A voucher code has only letters and digits."


class VoucherCodeLength(InvalidVoucherCode):
    reason = "length"
    default_message = (
        f"A voucher code has {SESSION_MIN_LENGTH} to {SESSION_MAX_LENGTH} letters and digits."
    )


class NotAVoucherLink(InvalidVoucherCode):
    reason = "link"
    default_message = "This link is not a voucher's link (…/p/{campaign}/{voucher})."


@dataclass(frozen=True, repr=False)
class VoucherCode:
    """A voucher's session id, and its campaign's code when a link gave it.

    ``campaign`` is the campaign's *code* from the voucher's URL (``v6n7gn``), not the campaign
    id the API answers (``cam_…``); None when only the session id was given. ``repr()`` masks
    the session id.
    """

    campaign: str | None
    session: str

    def __post_init__(self) -> None:
        _check_session(self.session)
        if self.campaign is not None:
            _check_campaign(self.campaign)

    @property
    def masked(self) -> str:
        return mask_code(self.session)

    def url(self, host: str = "https://digicpn.com") -> str | None:
        """The voucher's URL on ``host``, or None without a campaign."""
        if self.campaign is None:
            return None
        return f"{host.rstrip('/')}/p/{self.campaign}/{self.session}"

    def __repr__(self) -> str:
        return f"VoucherCode(campaign={self.campaign!r}, session={self.masked!r})"


def _check_session(session: str) -> None:
    if not _ID.fullmatch(session):
        raise VoucherCodeCharacters
    if not SESSION_MIN_LENGTH <= len(session) <= SESSION_MAX_LENGTH:
        raise VoucherCodeLength


def _check_campaign(campaign: str) -> None:
    if not _ID.fullmatch(campaign) or len(campaign) > CAMPAIGN_MAX_LENGTH:
        raise NotAVoucherLink


def _clean(text: str) -> str:
    """NFKC, without whitespace or invisible characters anywhere."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "".join(text.split())


def _from_path(path: str) -> VoucherCode:
    """``[/]p/{campaign}/{session}[/]`` or ``{campaign}/{session}`` (a link without its host)."""
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0].lower() == "p":
        parts = parts[1:]
    if len(parts) != 2 or not all(parts):
        raise NotAVoucherLink
    campaign, session = parts
    _check_campaign(campaign)
    return VoucherCode(campaign, session)


def _from_url(text: str) -> VoucherCode:
    if "://" not in text:
        first = text.split("/", 1)[0]
        if "." not in first:  # no host: a path
            return _from_path(text.split("?", 1)[0].split("#", 1)[0])
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:  # a malformed host ("[" without "]")
        raise NotAVoucherLink from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise NotAVoucherLink
    path = parts.path.strip("/").split("/")
    if len(path) != 3 or path[0].lower() != "p":
        raise NotAVoucherLink
    return _from_path(parts.path)


def parse_code(text: str) -> VoucherCode:
    """The voucher code ``text`` holds: a voucher's URL, or its session id alone.

    Raises an :class:`InvalidVoucherCode` (a ``ValueError``) saying why it is none.
    """
    if not isinstance(text, str):
        raise TypeError("a voucher code is text")
    if len(text) > MAX_INPUT_LENGTH:
        raise VoucherCodeLength
    cleaned = _clean(text)
    if not cleaned:
        raise EmptyVoucherCode
    if "/" in cleaned or ":" in cleaned:
        return _from_url(cleaned)
    return VoucherCode(None, cleaned)


__all__ = [
    "EmptyVoucherCode",
    "InvalidVoucherCode",
    "NotAVoucherLink",
    "VoucherCode",
    "VoucherCodeCharacters",
    "VoucherCodeLength",
    "mask_code",
    "parse_code",
]
