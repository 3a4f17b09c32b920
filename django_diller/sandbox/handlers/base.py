"""What every handler gets (:class:`Context`) and returns (a payload or a :class:`Reply`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from ..phones import InvalidPhone, PhoneNumber, parse_phone_parts
from ..problems import ApiProblem, field_error, not_found
from ..state import (
    Member,
    MemberOptions,
    MessageKind,
    NonEligibleOptions,
    SandboxState,
    SentMessage,
    Store,
)

# How the sandbox answers a write it already has (a transaction or refund whose external_id
# exists, a cancel of a cancelled transaction): HTTP 200 ``is_ok = false`` with a text, HTTP 409
# problem details, or HTTP 400 problem details naming the id. The contract allows each.
DuplicateAnswer = Literal["200-text", "409", "400-problem"]
DUPLICATE_ANSWERS: tuple[DuplicateAnswer, ...] = get_args(DuplicateAnswer)


# How the sandbox refuses a reservation (a coupon used up or held elsewhere, a card no longer
# usable): HTTP 200 ``is_ok = false`` with a text, or problem details (409, or 400 naming the
# code). The contract allows each.
RefusalAnswer = Literal["200-text", "409", "400-problem"]
REFUSAL_ANSWERS: tuple[RefusalAnswer, ...] = get_args(RefusalAnswer)
# Whether a stamp held for a pending order (``POST …/stamp-cards/{id}/reserve``) shows on the
# member's card before the order's transaction counts it: the guide and the contract do not say.
HeldStamps = Literal["apart", "counted"]
HELD_STAMPS: tuple[HeldStamps, ...] = get_args(HeldStamps)
# What a cancel does to a transaction that has refunds: reverse what is left ("net") or the
# whole purchase again ("whole"), the refunded points a second time. The contract does not say.
CancelAfterRefunds = Literal["net", "whole"]
CANCEL_AFTER_REFUNDS: tuple[CancelAfterRefunds, ...] = get_args(CancelAfterRefunds)


@dataclass(frozen=True)
class Settings:
    """Sandbox-wide settings handlers need."""

    public_url: str
    activation_url: str
    duplicate_answer: DuplicateAnswer = "200-text"
    refusal_answer: RefusalAnswer = "200-text"
    held_stamps: HeldStamps = "apart"
    cancel_after_refunds: CancelAfterRefunds = "net"
    members: MemberOptions = dataclasses.field(default_factory=MemberOptions)
    non_eligible: NonEligibleOptions = dataclasses.field(default_factory=NonEligibleOptions)


@dataclass
class Reply:
    """A non-default answer: another status, or no body at all (``body=None``)."""

    status: int = 200
    body: Any = None


@dataclass
class Context:
    state: SandboxState
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    now: datetime
    settings: Settings
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            store_id = self.path.get("storeId")
            found = self.state.store(store_id) if store_id else None
            if found is None:
                raise not_found(f"Store {store_id!r} not found.")
            self._store = found
        return self._store

    def member(self, member_id: str | None = None) -> Member:
        member_id = member_id or self.path["memberId"]
        found = self.store.live_member(member_id)
        if found is None:
            raise not_found(f"Member {member_id!r} not found.")
        return found

    def json_object(self) -> dict[str, Any]:
        """The body as an object (an absent body is an empty object)."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise field_error("body", "A JSON object is required.")
        return self.body

    def json_list(self) -> list[Any]:
        if self.body is None:
            return []
        if not isinstance(self.body, list):
            raise field_error("body", "A JSON array is required.")
        return self.body

    def send(
        self,
        kind: MessageKind,
        to: str,
        text: str,
        *,
        member_id: str | None,
        code: int | None = None,
        channel: str = "sms",
    ) -> None:
        self.state.send(SentMessage(channel, to, kind, text, code, member_id, self.now))  # type: ignore[arg-type]


Handler = Callable[[Context], Any]


def required_text(data: dict[str, Any], name: str, label: str | None = None) -> str:
    """A string field that must be present and non-blank (400 naming it otherwise)."""
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise field_error(label or name, "This field is required.")
    return value.strip()


def phone_from_body(value: Any, field: str = "phone") -> PhoneNumber:
    """The contract's ``Phone`` object, normalised; 400 naming the field when impossible."""
    if not isinstance(value, dict):
        raise field_error(field, "This field is required.")
    try:
        parsed = parse_phone_parts(str(value.get("country_code", "")), str(value.get("number", "")))
    except InvalidPhone as exc:
        raise field_error(f"{field}.number", str(exc)) from exc
    if parsed is None:
        raise field_error(f"{field}.number", "Not a valid phone number for that country.")
    return parsed


def external_transaction_id(ctx: Context) -> str:
    """The body's ``external_transaction_id`` (reservations are keyed by it); 400 if missing."""
    value = ctx.json_object().get("external_transaction_id")
    if not isinstance(value, str) or not value.strip():
        raise field_error("external_transaction_id", "This field is required.")
    return value.strip()


def check_department(store: Store, department_id: str | None, field: str) -> None:
    if department_id is not None and store.department(department_id) is None:
        raise field_error(field, f"Unknown department {department_id!r}.")


__all__ = [
    "DUPLICATE_ANSWERS",
    "ApiProblem",
    "Context",
    "DuplicateAnswer",
    "Handler",
    "Reply",
    "Settings",
    "check_department",
    "external_transaction_id",
    "phone_from_body",
    "required_text",
]


def answer_no(style: str, field: str, detail: str) -> dict[str, Any]:
    """A "no" in one of the shapes the contract allows: ``"409"`` a 409 problem,
    ``"400-problem"`` a validation problem on ``field`` (its wire name), else HTTP 200
    ``{"is_ok": false, "details": detail}``."""
    from .. import render

    if style == "409":
        raise ApiProblem(409, detail)
    if style == "400-problem":
        raise field_error(field, detail)
    return render.action(False, detail)


def refuse(ctx: Context, field: str, detail: str) -> dict[str, Any]:
    """A refused reservation, in the configured ``refusal_answer`` style; ``field`` is the wire
    name of what is refused (``couponCode``, ``stampId``)."""
    return answer_no(ctx.settings.refusal_answer, field, detail)
