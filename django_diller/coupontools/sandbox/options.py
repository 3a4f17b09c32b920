"""The answers the guide leaves open, as settings of the sandbox: set one to test a client
against each. Part of the sandbox's settings: :meth:`CoupontoolsSandbox.reset` keeps them.

* ``error_http_status``: an error answer goes with HTTP ``"200"`` (default: only
  ``status.status`` tells) or a ``"mapped"`` status (400 for 200/300/301, 401 for 1000, 404 for
  513, 409 for a refused update). The contract allows both.
* ``locks``: ``"held"`` (default): a lock belongs to the API client that made it; another
  client's lock, unlock, validate or void is refused with the ``locked`` code. ``"flag"``:
  ``locked`` is only a flag the look-up shows; any client may lock (again), unlock, validate or
  void. The guide's advice to check the lock at look-up suggests the API may work so.
* ``relock``: with ``"held"`` locks, the holder's second lock is ``"refused"`` (default: one
  lock per session, whoever asks) or ``"accepted"`` (a harmless repeat).
* ``session_case``: session ids are matched ``"exact"`` (default; the contract says upper and
  lower case are distinct) or ``"insensitive"`` (a unique match ignoring case).
* ``refusal_codes``: the ``error_code`` of an update refused because the session is
  ``validated``, ``voided``, ``expired`` or ``locked`` (not in the guide; see
  :data:`~django_diller.coupontools.sandbox.errors.REFUSAL_CODES`).
* ``names``: the parameter names and action values the account takes (:class:`WireNames`);
  the sandbox reads them, then checks the request against the contract's default names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

from .errors import REFUSAL_CODES

ACTIONS = ("lock", "unlock", "validate", "void")


@dataclass(frozen=True)
class WireNames:
    """The names an account's update takes, for the contract's defaults."""

    couponsession: str = "couponsession"
    action: str = "action"
    money_spent: str = "money_spent"
    lock: str = "lock"
    unlock: str = "unlock"
    validate: str = "validate"
    void: str = "void"

    def __post_init__(self) -> None:
        for item in fields(self):
            if not getattr(self, item.name):
                raise ValueError(f"{item.name} needs a name")
        values = [getattr(self, action) for action in ACTIONS]
        if len(set(values)) != len(values):
            raise ValueError("the four actions need four different values")

    def to_contract(self, params: dict[str, str]) -> dict[str, str]:
        """The account's parameters under the contract's names (others dropped)."""
        out: dict[str, str] = {}
        for name in ("couponsession", "action", "money_spent"):
            wire = getattr(self, name)
            if wire in params:
                out[name] = params[wire]
        action = out.get("action")
        if action is not None:
            out["action"] = next((a for a in ACTIONS if getattr(self, a) == action), action)
        return out

    def wire_action(self, action: str) -> str:
        """The value the account uses for one of :data:`ACTIONS`."""
        return str(getattr(self, action))


ErrorHttpStatus = Literal["200", "mapped"]
Locks = Literal["held", "flag"]
Relock = Literal["refused", "accepted"]
SessionCase = Literal["exact", "insensitive"]

_ALLOWED: dict[str, tuple[object, ...]] = {
    "error_http_status": ("200", "mapped"),
    "locks": ("held", "flag"),
    "relock": ("refused", "accepted"),
    "session_case": ("exact", "insensitive"),
}


@dataclass
class SessionOptions:
    error_http_status: ErrorHttpStatus = "200"
    locks: Locks = "held"
    relock: Relock = "refused"
    session_case: SessionCase = "exact"
    refusal_codes: dict[str, int] = field(
        default_factory=lambda: {state: code for state, (code, _) in REFUSAL_CODES.items()}
    )
    names: WireNames = field(default_factory=WireNames)

    def __setattr__(self, name: str, value: object) -> None:
        if name in _ALLOWED and value not in _ALLOWED[name]:
            raise ValueError(f"{name} cannot be {value!r}")
        if name == "refusal_codes":
            if not isinstance(value, dict) or set(value) != set(REFUSAL_CODES):
                raise ValueError(f"refusal_codes names {', '.join(REFUSAL_CODES)}")
            value = dict(value)
        if name == "names" and not isinstance(value, WireNames):
            raise ValueError("names is a WireNames")
        super().__setattr__(name, value)


__all__ = ["ACTIONS", "SessionOptions", "WireNames"]
