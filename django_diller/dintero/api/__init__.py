"""The Dintero Receipts API client: no Django, no Oscar.

>>> config = DinteroConfig(account_id="T12345678", client_id=..., client_secret=...)
>>> with DinteroClient(config) as dintero:
...     result = dintero.create_receipts([receipt])
...     result.already_received
"""

from django_diller.api.auth import AccessToken, MemoryTokenStore, TokenStore
from django_diller.api.retry import NO_RETRY, RetryPolicy
from django_diller.api.sending import Timeouts

from .auth import DINTERO_API, default_audience
from .client import CreateReceiptsResult, DinteroClient, DinteroConfig
from .errors import (
    DinteroAuthError,
    DinteroConflict,
    DinteroError,
    DinteroNotFound,
    DinteroRefused,
    DinteroResponseError,
    DinteroTimeout,
    DinteroTokenUnavailable,
    DinteroUnavailable,
)
from .operations import OPERATIONS, Operation

__all__ = [
    "DINTERO_API",
    "NO_RETRY",
    "OPERATIONS",
    "AccessToken",
    "CreateReceiptsResult",
    "DinteroAuthError",
    "DinteroClient",
    "DinteroConfig",
    "DinteroConflict",
    "DinteroError",
    "DinteroNotFound",
    "DinteroRefused",
    "DinteroResponseError",
    "DinteroTimeout",
    "DinteroTokenUnavailable",
    "DinteroUnavailable",
    "MemoryTokenStore",
    "Operation",
    "RetryPolicy",
    "Timeouts",
    "TokenStore",
    "default_audience",
]
