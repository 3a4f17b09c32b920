"""Receipt tokens: where Dintero puts a receipt's token, and where the shop keeps it.

With ``DINTERO['TOKEN_EXPIRE_DAYS']`` Dintero adds a token to each receipt it creates, in the
receipt's ``extra_info`` (``dintero.receipt.token.value``); whoever holds it may read the
receipt (``GET /receipts/receipt-token``) until it expires. The delivery keeps the token of an
order's receipt in its outbox entry's answer (:data:`ANSWER_KEY`), so that the guest's
thank-you link can show the receipt. A token is a credential: it is never logged, and never put
in a URL the shop serves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TOKEN_VALUE = "dintero.receipt.token.value"  # noqa: S105  (an extra_info key)
ANSWER_KEY = "receipt_token"  # the key of the token in a receipt entry's answer


def _pairs(extra_info: Any) -> Iterable[tuple[Any, Any]]:
    for info in extra_info if isinstance(extra_info, list) else []:
        if isinstance(info, dict):
            yield info.get("key"), info.get("value")
        else:  # a wire model (ExtraInfo)
            yield getattr(info, "key", None), getattr(info, "value", None)


def token_in(extra_info: Any) -> str | None:
    """The receipt token in a receipt's ``extra_info`` (dicts or wire models), if any."""
    for key, value in _pairs(extra_info):
        if key == TOKEN_VALUE and isinstance(value, str) and value:
            return value
    return None


def token_of(receipt: Any) -> str | None:
    """The token of a receipt Dintero answered (a ``Receipt``, or the ``Entity`` of a create
    answer, whose ``extra_info`` the model keeps as sent)."""
    extra = getattr(receipt, "extra_info", None)
    if extra is None:
        extra = (getattr(receipt, "model_extra", None) or {}).get("extra_info")
    return token_in(extra)
