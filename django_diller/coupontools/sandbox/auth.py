"""The API client's credentials: the ``X-Client-Id`` and ``X-Client-Secret`` headers.

Coupontools has no tokens; :class:`ClientAuth` stands in BaseSandbox's token issuer's place
(``granted`` counts the calls that authenticated; ``revoke_all`` refuses every client until
the sandbox is reset, as if the account's secrets were changed).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Mapping

from .errors import CoupontoolsError, unauthorized
from .state import SandboxState

CLIENT_ID_HEADER = "x-client-id"
CLIENT_SECRET_HEADER = "x-client-secret"  # noqa: S105  (a header name)


class ClientAuth:
    lifetime = 0  # seconds a token lives: there are none

    def __init__(self) -> None:
        self.granted = 0
        self.revoked = False
        self._lock = threading.Lock()

    def authenticate(self, state: SandboxState, headers: Mapping[str, str]) -> str:
        """The client id behind the (lower-cased) headers; error 1000 otherwise."""
        client_id = headers.get(CLIENT_ID_HEADER, "")
        secret = headers.get(CLIENT_SECRET_HEADER, "")
        with state.lock:
            client = state.clients.get(client_id)
        known = client is not None and hmac.compare_digest(
            client.client_secret.encode(), secret.encode()
        )
        if not known or self.revoked:
            raise unauthorized()
        with self._lock:
            self.granted += 1
        return client_id

    def revoke_all(self) -> None:
        self.revoked = True

    def restore(self) -> None:
        self.revoked = False


__all__ = ["CLIENT_ID_HEADER", "CLIENT_SECRET_HEADER", "ClientAuth", "CoupontoolsError"]
