"""The sandbox's in-memory data: API clients, campaigns and their coupon sessions, and the
session's state machine.

A session is *claimed* when it is handed to a customer (every seeded one is). From there:

* ``lock`` (claimed → locked, held by the API client that locked it) and ``unlock``
  (locked → claimed; unlocking a session nobody holds changes nothing);
* ``validate`` (claimed, or locked by the same client → validated, with the date and the
  optional money spent): final, a second validate is refused;
* ``void`` (claimed, expired, or locked by the same client → voided): final as well.

A session whose ``expiration_date`` has passed (by the sandbox clock) is *expired*: it can be
looked up, unlocked and voided, not locked or validated. A refused step raises
:class:`~django_diller.coupontools.sandbox.errors.Refused` naming the state that refused it.
With ``held=False`` a lock is only a flag: anyone may lock, unlock, validate or void.

Plain dataclasses: every read and write from a handler happens under
:attr:`SandboxState.lock` (an ``RLock``; the HTTP server answers on many threads), taken once
per request by the app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from .errors import Refused

SessionState = Literal["claimed", "locked", "validated", "voided", "expired"]


@dataclass
class ApiClient:
    """A pair of credentials (``X-Client-Id`` and ``X-Client-Secret``): the web shop, a till."""

    client_id: str
    client_secret: str
    label: str = ""


@dataclass
class Campaign:
    """A coupon or voucher campaign: ``ID`` (``cam_...``) and the short ``code`` in its URLs."""

    id: str
    code: str
    title: str
    status: str = "live"  # Coupontools' campaign status ("live", "test", ...)


@dataclass
class CouponSession:
    """One coupon or voucher handed to one customer: a campaign's session."""

    session: str  # the session id, also what its barcode holds
    campaign: Campaign
    sequenceid: str
    created: datetime
    claimed: datetime | None
    value: str = ""  # as Coupontools keeps it: "50", "10%", "" (then maybe a custom field)
    custom: dict[str, str] = field(default_factory=dict)  # the user's custom1..custom7
    customid: str = ""
    own_validation_code: str = ""
    expiration: datetime | None = None
    validated: datetime | None = None
    money_spent: Decimal | None = None
    voided: datetime | None = None
    locked: datetime | None = None
    locked_by: str | None = None  # the client id that holds the lock
    unlocked: datetime | None = None
    note: str = ""  # what the demo page says of it

    def state(self, now: datetime) -> SessionState:
        """Where the session is in its life, at ``now``; the final states win."""
        if self.validated is not None:
            return "validated"
        if self.voided is not None:
            return "voided"
        if self.expiration is not None and self.expiration <= now:
            return "expired"
        if self.locked is not None:
            return "locked"
        return "claimed"

    def url(self, base: str) -> str:
        """``https://digicpn.com/p/{campaign code}/{session}``."""
        return f"{base.rstrip('/')}/{self.campaign.code}/{self.session}"

    # the state machine ----------------------------------------------------------------------
    # ``held``: a lock belongs to the client that made it (otherwise it is only a flag).

    def _others_lock(self, client_id: str, held: bool) -> bool:
        return held and self.locked is not None and self.locked_by != client_id

    def _usable(self, client_id: str, now: datetime, held: bool) -> None:
        """Refuse a final or expired session, and one another client holds."""
        state = self.state(now)
        if state in ("validated", "voided", "expired"):
            raise Refused(state)
        if self._others_lock(client_id, held):
            raise Refused("locked")

    def lock(
        self, client_id: str, now: datetime, *, held: bool = True, relock: bool = False
    ) -> None:
        """Hold the session for ``client_id``; ``relock``: the holder may lock it again."""
        self._usable(client_id, now, held)
        if self.locked is not None and held and not relock:
            raise Refused("locked")
        if self.locked is None:
            self.locked = now
            self.locked_by = client_id

    def unlock(self, client_id: str, now: datetime, *, held: bool = True) -> None:
        """Release the lock; unlocking a session nobody holds changes nothing."""
        state = self.state(now)
        if state in ("validated", "voided"):
            raise Refused(state)
        if self.locked is None:
            return
        if self._others_lock(client_id, held):
            raise Refused("locked")
        self.locked = None
        self.locked_by = None
        self.unlocked = now

    def validate(
        self, client_id: str, now: datetime, money_spent: Decimal | None, *, held: bool = True
    ) -> None:
        """Use the session up (a lock ends with it)."""
        self._usable(client_id, now, held)
        self.validated = now
        self.money_spent = money_spent
        self.locked = None
        self.locked_by = None

    def void(self, client_id: str, now: datetime, *, held: bool = True) -> None:
        """Cancel the session for good; an expired one may be voided too."""
        state = self.state(now)
        if state in ("validated", "voided"):
            raise Refused(state)
        if self._others_lock(client_id, held):
            raise Refused("locked")
        self.voided = now
        self.locked = None
        self.locked_by = None


@dataclass
class SandboxState:
    company: str = ""
    clients: dict[str, ApiClient] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)  # by code
    sessions: dict[str, CouponSession] = field(default_factory=dict)  # by session id
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def find(self, session: str, *, exact_case: bool = True) -> CouponSession | None:
        """The session with this id; without ``exact_case``, a unique match ignoring case."""
        found = self.sessions.get(session)
        if found is not None or exact_case:
            return found
        folded = [s for key, s in self.sessions.items() if key.casefold() == session.casefold()]
        return folded[0] if len(folded) == 1 else None

    def add(self, session: CouponSession) -> CouponSession:
        if session.session in self.sessions:
            raise ValueError("a session with this id exists")
        self.campaigns.setdefault(session.campaign.code, session.campaign)
        self.sessions[session.session] = session
        return session


__all__ = [
    "ApiClient",
    "Campaign",
    "CouponSession",
    "Refused",
    "SandboxState",
    "SessionState",
]
