"""JSON on the wire: numbers in and out as ``Decimal``, never as ``float``.

The standard library cannot write a ``Decimal`` as a JSON number, so bodies are written with
simplejson, which writes it verbatim.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import simplejson
from pydantic import BaseModel

JSON_CONTENT_TYPE = "application/json"


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_wire(value: Any) -> Any:
    """Plain JSON-ready data for a model, a list of models or plain data.

    Fields never set are left out (Dintero tells "absent" from ``null``); unknown fields a
    model kept are sent back as they came.
    """
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_unset=True, by_alias=True)
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    return value


def dumps(value: Any) -> bytes:
    """Encode ``value`` (models, lists of models or plain data) as UTF-8 JSON."""
    text: str = simplejson.dumps(
        to_wire(value), use_decimal=True, default=_default, ensure_ascii=False
    )
    return text.encode("utf-8")


def loads(content: bytes | str) -> Any:
    """Decode JSON with every non-integer number as ``Decimal``."""
    return simplejson.loads(content, use_decimal=True)
