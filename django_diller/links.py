"""Links that come from an outside system (a store's privacy policy, a coupon's page)."""

from __future__ import annotations


def safe_link(url: str | None) -> str | None:
    """A URL from Diller that may be shown as a link: http(s) only, never ``javascript:``."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None
