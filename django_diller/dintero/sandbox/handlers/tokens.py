"""Receipt tokens: made by ``POST /receipts?token_expire_days=N``, used to get a receipt
(``GET /receipts/receipt-token``) or to claim it for a customer (``POST``), after which the
token is spent.

A token is a signed JWT naming the account, the receipt (``rid``, its id; ``receipt_id``, the
POS id) and its customer when it has one. A string that is no JWT is a 400; a token this
sandbox did not sign, or for another account, expired or spent, is a 403 (or a 400: see
``ReceiptOptions.bad_token_status``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django_diller.sandbox import codec

from .. import signing
from ..errors import DinteroError, bad_request
from ..state import StoredReceipt
from .base import Context, customer_id

GET_BY_TOKEN = "aid_receipts_receipt_token_get"  # noqa: S105  (an operation id)
CLAIM_BY_TOKEN = "aid_receipts_receipt_token_post"  # noqa: S105  (an operation id)

TOKEN_VALUE = "dintero.receipt.token.value"  # noqa: S105  (an extra_info key)
TOKEN_EXPIRES_AT = "dintero.receipt.token.expires_at"  # noqa: S105
TOKEN_URL = "dintero.receipt.token.url"  # noqa: S105
TOKEN_PATH = "/v1/accounts/{aid}/receipts/receipt-token"  # noqa: S105  (a URL path)


def attach_token(ctx: Context, receipt: StoredReceipt, days: int) -> None:
    """Make a token for ``receipt`` and record it in its ``extra_info``, as Dintero does."""
    expires_at = ctx.now + timedelta(days=days)
    claims: dict[str, Any] = {
        "aid": ctx.aid,
        "rid": receipt.id,
        "receipt_id": receipt.receipt_id,
        "iat": int(ctx.now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": secrets.token_hex(8),
    }
    if receipt.customer_id is not None:
        claims["customer_id"] = receipt.customer_id
    token = signing.encode(claims, ctx.settings.receipt_key)
    url = f"{ctx.settings.public_url}{TOKEN_PATH.format(aid=ctx.aid)}?token={token}"
    receipt.add_extra_info(TOKEN_VALUE, token)
    receipt.add_extra_info(TOKEN_EXPIRES_AT, codec.iso(expires_at) or "", "datetime")
    receipt.add_extra_info(TOKEN_URL, url)


def _redeem(ctx: Context) -> tuple[StoredReceipt, str]:
    """The receipt a live token names, and the token's id; raises 400 or 403 otherwise."""
    token = ctx.query.get("token")
    if not isinstance(token, str) or not signing.is_token_shaped(token):
        raise bad_request("The token is not a receipt token.", "token", code="invalid_token")
    try:
        claims = signing.decode(token, ctx.settings.receipt_key)
    except signing.BadToken as exc:
        raise _refused(ctx, "The receipt token is not valid.") from exc
    if claims.get("aid") != ctx.aid:
        raise _refused(ctx, "The receipt token is for another account.")
    exp = claims.get("exp")
    if not isinstance(exp, int) or ctx.now.timestamp() >= exp:
        raise _refused(ctx, "The receipt token has expired.")
    jti = str(claims.get("jti"))
    if jti in ctx.account.claimed_tokens:
        raise _refused(ctx, "The receipt token has been used to claim the receipt.")
    receipt = ctx.account.receipts.get(str(claims.get("rid")))
    if receipt is None:
        raise _refused(ctx, "The receipt token names no receipt.")
    return receipt, jti


def _refused(ctx: Context, message: str) -> DinteroError:
    return DinteroError(ctx.options.bad_token_status, message, code="invalid_token")


def get_by_token(ctx: Context) -> Any:
    receipt, _ = _redeem(ctx)
    return receipt.payload()


def claim_by_token(ctx: Context) -> Any:
    body = ctx.json_object()
    receipt, jti = _redeem(ctx)
    receipt.data["customer_id"] = customer_id(body.get("customer_id"))
    receipt.updated_at = ctx.now
    ctx.account.claimed_tokens.add(jti)
    return receipt.payload()


HANDLERS = {GET_BY_TOKEN: get_by_token, CLAIM_BY_TOKEN: claim_by_token}
