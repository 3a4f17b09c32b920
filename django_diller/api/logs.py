"""Keep personal data out of the HTTP library's own log lines.

httpx2 logs every request at INFO as ``HTTP Request: GET <full URL> "HTTP/1.1 200 OK"``. For
Diller that URL holds phone numbers, e-mails and identifier values (search queries) and member
ids (paths), so the URL of a Diller request is cut to its host and first path segments before
any handler sees it. Other requests the shop makes with httpx2 are left alone.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

API_ROOT = "/api/v2.0"
TOKEN_ENDPOINT = "/connect/token"  # noqa: S105 (a path, not a secret)


def redact_url(url: object) -> object:
    """A Diller URL cut after its API's root (``…/api/v2.0/…``, under any prefix a proxy in
    ``BASE_URL`` adds) or its token endpoint's path; any other URL as it is."""
    text = str(url)
    parts = urlsplit(text)
    root = parts.path.find(API_ROOT + "/")
    if root >= 0:
        kept = parts.path[: root + len(API_ROOT)]
    elif parts.path.endswith(TOKEN_ENDPOINT):
        kept = parts.path
    else:
        return url
    return f"{parts.scheme}://{parts.netloc}{kept}/…"


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
