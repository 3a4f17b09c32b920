"""The Diller Retailer API v2.0 client: no Django ORM, no Oscar.

>>> config = ClientConfig(base_url=..., client_id=..., client_secret=..., store_id=...)
>>> client = DillerClient(config)
>>> client.get_member_coupons(member_id)
"""

from .auth import AccessToken, MemoryTokenStore, TokenStore
from .client import AsyncDillerClient, ClientConfig, DillerClient
from .errors import (
    DillerAuthError,
    DillerError,
    DillerNotFound,
    DillerRefused,
    DillerResponseError,
    DillerTimeout,
    DillerUnavailable,
    DillerValidationError,
    ProblemDetailsError,
)
from .methods import DillerOperations
from .operations import OPERATIONS, Operation
from .retry import NO_RETRY, RetryPolicy
from .sending import Timeouts

__all__ = [
    "NO_RETRY",
    "OPERATIONS",
    "AccessToken",
    "AsyncDillerClient",
    "ClientConfig",
    "DillerAuthError",
    "DillerClient",
    "DillerError",
    "DillerNotFound",
    "DillerOperations",
    "DillerRefused",
    "DillerResponseError",
    "DillerTimeout",
    "DillerUnavailable",
    "DillerValidationError",
    "MemoryTokenStore",
    "Operation",
    "ProblemDetailsError",
    "RetryPolicy",
    "Timeouts",
    "TokenStore",
]
