"""Coupontools' bodies on the wire: form fields (or a JSON object) out, JSON in.

Every value sent is text (``money_spent`` too: ``"12.500"``), so a JSON body needs no number
handling; answers are read with Diller's decoder, every non-integer number a ``Decimal``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlencode

from django_diller.api.wire import loads

BodyFormat = Literal["form", "json"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"


def encode(fields: Mapping[str, str], body: BodyFormat) -> tuple[bytes, str]:
    """The body for ``fields`` and its content type."""
    if body == "json":
        return json.dumps(dict(fields), ensure_ascii=False).encode("utf-8"), JSON_CONTENT_TYPE
    return urlencode(dict(fields)).encode("ascii"), FORM_CONTENT_TYPE


__all__ = ["FORM_CONTENT_TYPE", "JSON_CONTENT_TYPE", "BodyFormat", "encode", "loads"]
