"""Keep personal data out of the HTTP library's own log lines.

httpx2 logs every request at INFO as ``HTTP Request: GET <full URL> "HTTP/1.1 200 OK"``. For
Diller that URL holds phone numbers, e-mails and identifier values (search queries) and member
ids (paths), so the URL of a Diller request is cut to its host and first path segments before
any handler sees it. Other requests the shop makes with httpx2 are left alone.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

DILLER_PATH_PREFIXES = ("/api/v2.0/", "/connect/token")


def redact_url(url: object) -> object:
    text = str(url)
    parts = urlsplit(text)
    if not parts.path.startswith(DILLER_PATH_PREFIXES):
        return url
    return f"{parts.scheme}://{parts.netloc}{'/'.join(parts.path.split('/')[:3])}/…"


class RedactDillerURLs(logging.Filter):
    """A filter for the ``httpx2`` logger: Diller URLs lose their path and query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact_url(arg) if _is_url(arg) else arg for arg in record.args)
        return True


def _is_url(value: object) -> bool:
    return type(value).__name__ == "URL" or (isinstance(value, str) and "://" in value)


_FILTER = RedactDillerURLs()


def install() -> None:
    """Attach the filter to httpx2's logger (idempotent)."""
    logger = logging.getLogger("httpx2")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
