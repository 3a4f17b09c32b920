"""The Coupontools v3 client (coupon sessions): no Django, no Oscar.

>>> config = CoupontoolsConfig(client_id=..., client_secret=...)
>>> with CoupontoolsClient(config) as coupontools:
...     session = coupontools.get_session(code)
...     session.state.validated
"""

from django_diller.api.retry import NO_RETRY, RetryPolicy
from django_diller.api.sending import Timeouts

from .calls import COUPONTOOLS
from .client import (
    DEFAULT_BASE_URL,
    CoupontoolsClient,
    CoupontoolsConfig,
    SessionAction,
    UpdateParameters,
    format_money_spent,
)
from .errors import (
    ERROR_CODES,
    CoupontoolsAuthError,
    CoupontoolsError,
    CoupontoolsInvalidCharacter,
    CoupontoolsMissingParameter,
    CoupontoolsRefused,
    CoupontoolsResponseError,
    CoupontoolsSessionNotFound,
    CoupontoolsTimeout,
    CoupontoolsUnavailable,
    RefusalKind,
)
from .models import CouponSession, SessionCampaign, SessionState, UpdateResult
from .operations import OPERATIONS, Operation

__all__ = [
    "COUPONTOOLS",
    "DEFAULT_BASE_URL",
    "ERROR_CODES",
    "NO_RETRY",
    "OPERATIONS",
    "CouponSession",
    "CoupontoolsAuthError",
    "CoupontoolsClient",
    "CoupontoolsConfig",
    "CoupontoolsError",
    "CoupontoolsInvalidCharacter",
    "CoupontoolsMissingParameter",
    "CoupontoolsRefused",
    "CoupontoolsResponseError",
    "CoupontoolsSessionNotFound",
    "CoupontoolsTimeout",
    "CoupontoolsUnavailable",
    "Operation",
    "RefusalKind",
    "RetryPolicy",
    "SessionAction",
    "SessionCampaign",
    "SessionState",
    "Timeouts",
    "UpdateParameters",
    "UpdateResult",
    "format_money_spent",
]
