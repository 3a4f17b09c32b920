"""JSON and date encoding shared by the sandbox.

Numbers in request bodies are parsed as :class:`~decimal.Decimal` (money never passes through
``float``), and responses are written with simplejson's ``use_decimal`` so a Decimal goes out
exactly as it is stored.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

import simplejson

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class JsonDecodeError(ValueError):
    """A request body that is not valid JSON."""


def _reject_constant(name: str) -> Any:
    raise JsonDecodeError(f"{name} is not valid JSON")


def loads(data: bytes | str) -> Any:
    """Parse JSON with Decimal numbers; NaN and Infinity are refused like any strict parser."""
    try:
        return json.loads(data, parse_float=Decimal, parse_constant=_reject_constant)
    except JsonDecodeError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonDecodeError(str(exc)) from exc


def dumps(payload: Any) -> bytes:
    """Serialise a response payload (Decimals kept exact) to UTF-8 JSON."""
    return simplejson.dumps(payload, use_decimal=True, ensure_ascii=False).encode("utf-8")


def utc_now() -> datetime:
    """The default sandbox clock."""
    return datetime.now(UTC)


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601 / RFC 3339 with an explicit UTC offset (``Z``), or None."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def is_rfc3339(value: str) -> bool:
    """True for a full date-time with a time zone, as OpenAPI's ``format: date-time`` means."""
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def parse_datetime(value: str) -> datetime:
    """Parse an ISO 8601 date or date-time; a naive value is taken as UTC."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def without_offsets(payload: Any, zone: tzinfo) -> Any:
    """``payload`` with every date-time as wall-clock time in ``zone``, without an offset
    (``2026-05-01T23:59:59``), as Diller sends some of its dates."""
    if isinstance(payload, dict):
        return {key: without_offsets(value, zone) for key, value in payload.items()}
    if isinstance(payload, list):
        return [without_offsets(value, zone) for value in payload]
    if isinstance(payload, str) and is_rfc3339(payload):
        moment = datetime.fromisoformat(payload.replace("z", "Z").replace("t", "T"))
        return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")
    return payload


def compact(mapping: dict[str, Any]) -> dict[str, Any]:
    """Drop None values: the contract has no nullable fields, so absent beats ``null``."""
    return {key: value for key, value in mapping.items() if value is not None}
