"""Keep personal data and receipt tokens out of the HTTP library's own log lines.

httpx2 logs every request at INFO as ``HTTP Request: POST <full URL> "HTTP/1.1 200 OK"``. A
Dintero URL holds customer ids (paths) and receipt tokens (the ``token`` query parameter), so
the URL of a request to a Dintero base URL a client was made for is cut after ``/accounts/``
before any handler sees it. Other requests the shop makes with httpx2 are left alone.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

_prefixes: tuple[str, ...] = ()  # replaced whole, never changed in place
_mutex = threading.Lock()


def _prefix(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/accounts/"


def redact_url(url: object) -> object:
    text = str(url)
    for prefix in _prefixes:
        if text.startswith(prefix):
            return prefix + "…"
    return url


def _is_url(value: object) -> bool:
    return type(value).__name__ == "URL" or (isinstance(value, str) and "://" in value)


class RedactDinteroURLs(logging.Filter):
    """A filter for the ``httpx2`` logger: Dintero URLs lose what follows ``/accounts/``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact_url(arg) if _is_url(arg) else arg for arg in record.args)
        return True


_FILTER = RedactDinteroURLs()


def watch(base_url: str) -> None:
    """Redact the URLs under ``base_url`` from now on (idempotent)."""
    global _prefixes
    prefix = _prefix(base_url)
    with _mutex:
        if prefix not in _prefixes:
            _prefixes = (*_prefixes, prefix)
    logger = logging.getLogger("httpx2")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
