"""The sandbox's in-memory data: what a Diller store holds.

Plain dataclasses, no behaviour beyond small queries. Every read and write from a handler happens
under :attr:`SandboxState.lock` (an ``RLock``; the HTTP server answers on many threads), taken
once per request by the app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from .phones import PhoneNumber

MEMBER_PURGE_AFTER = timedelta(days=10)
OTP_LIFETIME = timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5

MessageKind = Literal["welcome", "enroll_link", "login_otp", "reset_phone_otp"]


@dataclass
class PointsSystem:
    enabled: bool = True
    friend_referral_points: int = 0
    follower_signup_points: int = 0
    currency_points_ratio: Decimal = Decimal("1.0")


@dataclass
class Department:
    id: str
    name: str


@dataclass
class SegmentOption:
    id: int
    text: str


@dataclass
class Segment:
    id: int
    text: str
    type: str  # Text | DateTime | Radio | Checkbox | Dropdown
    is_required: bool = False
    is_visible_to_follower: bool = True
    options: list[SegmentOption] = field(default_factory=list)

    @property
    def has_options(self) -> bool:
        return self.type in ("Radio", "Checkbox", "Dropdown")

    def option_ids(self) -> set[int]:
        return {option.id for option in self.options}


@dataclass
class MembershipLevel:
    id: int
    name: str
    points: int  # threshold


@dataclass
class Consent:
    gdpr_accepted: bool = False
    save_order_history: bool = False
    receive_sms: bool = False
    receive_email: bool = False


@dataclass
class ConsentChange:
    """An audit line: which consents a request set, and when."""

    at: datetime
    consent: Consent
    origin: dict[str, Any] | None


@dataclass
class SegmentAnswer:
    value: str | None = None
    selected_options: list[int] = field(default_factory=list)


@dataclass
class Dependent:
    id: int
    name: str | None = None
    birthdate: str | None = None
    gender: str | None = None


@dataclass
class InvitedFriend:
    first_name: str
    last_name: str
    email: str
    created_at: datetime
    is_accepted: bool
    points: int
    invitation_token: str


@dataclass
class Member:
    id: str
    phone: PhoneNumber
    created_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    birth_date: datetime | None = None
    gender: str = "NotShared"
    address: dict[str, Any] | None = None
    additional_identifiers: list[str] = field(default_factory=list)
    remarks: str | None = None
    consent: Consent = field(default_factory=Consent)
    consent_history: list[ConsentChange] = field(default_factory=list)
    department_ids: list[str] = field(default_factory=list)
    origin: dict[str, Any] | None = None
    segments: dict[int, SegmentAnswer] = field(default_factory=dict)
    points: int = 0
    signup_points_awarded: bool = False
    level_id: int | None = None
    level_reached_at: datetime | None = None
    activation_token: str | None = None
    deleted_at: datetime | None = None
    dependents: list[Dependent] = field(default_factory=list)
    invited_friends: list[InvitedFriend] = field(default_factory=list)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass
class Reservation:
    """A hold on a coupon or stamp card for one pending order (``external_transaction_id``)."""

    external_transaction_id: str
    at: datetime
    channel: str | None = None
    external_product_id: str | None = None


@dataclass
class Coupon:
    id: int
    code: str
    title: str
    type: str  # CouponType
    discount_type: str  # CouponDiscountType
    discount_value: Decimal
    valid_from: datetime
    valid_to: datetime
    description: str | None = None
    max_redemptions: int | None = None  # per member; None = unlimited
    product_ids: list[str] = field(default_factory=list)
    image_url: str | None = None
    article_number: str | None = None
    # Members who hold the coupon; None = every member (a Public coupon).
    member_ids: set[str] | None = field(default_factory=set)
    redemptions: dict[str, int] = field(default_factory=dict)  # member id -> times redeemed
    reservations: dict[str, Reservation] = field(default_factory=dict)  # member id -> hold

    def belongs_to(self, member_id: str) -> bool:
        return self.member_ids is None or member_id in self.member_ids

    def times_redeemed(self, member_id: str) -> int:
        return self.redemptions.get(member_id, 0)

    def is_used_up(self, member_id: str) -> bool:
        return (
            self.max_redemptions is not None
            and self.times_redeemed(member_id) >= self.max_redemptions
        )

    def is_active(self, now: datetime) -> bool:
        return self.valid_from <= now <= self.valid_to


@dataclass
class StampCard:
    id: int
    title: str
    required_stamps: int
    is_restartable: bool
    valid_from: datetime
    valid_to: datetime
    card_type: str = "standard"  # standard | threshold
    threshold_amount: Decimal | None = None
    product_ids: list[str] = field(default_factory=list)
    description: str | None = None
    last_stamp_text: str | None = None
    image_url: str | None = None
    external_id: str | None = None
    article_number: str | None = None
    stamps: dict[str, int] = field(default_factory=dict)  # member id -> stamps collected
    used_up: set[str] = field(default_factory=set)  # members who completed a non-restartable card
    reservations: dict[str, Reservation] = field(default_factory=dict)  # member id -> hold

    @property
    def is_threshold(self) -> bool:
        return self.card_type == "threshold"

    def stamps_of(self, member_id: str) -> int:
        return self.stamps.get(member_id, 0)

    def is_active(self, now: datetime) -> bool:
        return self.valid_from <= now <= self.valid_to


@dataclass
class StampChange:
    """What one transaction did to one member's stamp card, so a cancel can undo exactly that."""

    card_id: int
    delta: int
    marked_used_up: bool = False


@dataclass
class Refund:
    transaction_external_id: str
    member_id: str
    total: Decimal
    points_delta: int
    at: datetime
    external_id: str | None
    request: dict[str, Any]


@dataclass
class Transaction:
    external_id: str
    member_id: str
    total: Decimal
    created_at: datetime
    received_at: datetime
    request: dict[str, Any]
    points_delta: int = 0  # as applied (after clamping at zero)
    coupon_codes: list[str] = field(default_factory=list)  # codes redeemed
    stamp_changes: list[StampChange] = field(default_factory=list)
    cancelled_at: datetime | None = None
    cancel_request: dict[str, Any] | None = None
    refunds: list[Refund] = field(default_factory=list)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def refunded_total(self) -> Decimal:
        return sum((refund.total for refund in self.refunds), Decimal(0))

    @property
    def refunded_points(self) -> int:
        return -sum(refund.points_delta for refund in self.refunds)


@dataclass
class NonEligibleProduct:
    id: int
    product_id: str | None = None
    product_id_prefix: str | None = None
    product_category_id: int | None = None
    description: str | None = None
    subsystem: str | None = None
    expires_at: str | None = None


@dataclass
class SentMessage:
    channel: Literal["sms", "email"]
    to: str  # E.164 phone or e-mail address
    kind: MessageKind
    text: str
    code: int | None
    member_id: str | None
    at: datetime


@dataclass
class OtpCode:
    member_id: str
    purpose: Literal["login", "reset_phone"]
    code: int
    expires_at: datetime
    phone: PhoneNumber | None = None  # the new phone, for reset_phone
    failed_attempts: int = 0


MemberUpdates = Literal["merge", "replace"]
OTP_DIGITS_RANGE = range(4, 10)  # the contract's otp_code is an int32: at most 9 digits


@dataclass
class MemberOptions:
    """Member answers the contract leaves open: set one to test a client against each.

    * ``updates``: what ``PUT /members/{id}`` does with what it was not sent. ``"merge"``
      changes only the fields, consent flags and segment answers in the body; ``"replace"``
      (a PUT is a replace) makes the member what was sent: absent fields are cleared, absent
      consent flags are false, absent segment answers are dropped (the phone, points and
      remarks, which the request cannot carry, stay).
    * ``duplicate_phone_status``: registering a phone a live member holds is refused with a
      409 (default) or a 400 problem, both naming ``phone``.
    * ``otp_digits``: the length of the one-time codes texted (6 by default).
    * ``enroll_existing``: enrolling a phone a member of the club holds answers that member
      (``"return"``, default; nothing is texted) or refuses it like a registration
      (``"refuse"``: ``duplicate_phone_status``, naming ``phone``).
    * ``tokens_after_joining``: an activation token still finds its member once they joined
      (``"kept"``, default) or finds nobody (``"cleared"``).
    * ``wrong_code_answer``: a wrong or expired one-time code is refused with ``is_ok`` false
      (``"action"``, default) or with a 400 problem naming ``otp_code`` (``"problem"``).

    Part of the sandbox's settings: :meth:`Sandbox.reset` keeps them.
    """

    updates: MemberUpdates = "merge"
    duplicate_phone_status: int = 409
    otp_digits: int = 6
    enroll_existing: Literal["return", "refuse"] = "return"
    tokens_after_joining: Literal["kept", "cleared"] = "kept"
    wrong_code_answer: Literal["action", "problem"] = "action"

    def __setattr__(self, name: str, value: object) -> None:
        allowed: dict[str, object] = {
            "updates": ("merge", "replace"),
            "duplicate_phone_status": (400, 409),
            "otp_digits": OTP_DIGITS_RANGE,
            "enroll_existing": ("return", "refuse"),
            "tokens_after_joining": ("kept", "cleared"),
            "wrong_code_answer": ("action", "problem"),
        }
        if name in allowed and value not in allowed[name]:  # type: ignore[operator]
            raise ValueError(f"{name} cannot be {value!r}")
        super().__setattr__(name, value)


@dataclass
class NonEligibleOptions:
    """Non-eligible product answers the contract leaves open: set one to test a client.

    * ``duplicate_status``: adding an entry the list already has is refused with a 409
      (default) or a 400 problem naming the item.
    * ``add_answer``: the add batch answers with the ``"created"`` entries, ids included
      (default), or with an ``"empty"`` list (the contract does not promise them).
    * ``update_unknown``: an update naming an id the list lacks is ``"refused"`` (HTTP 200,
      ``is_ok = false``; default) or ``"not_found"`` (404 problem details).
    * ``delete_unknown``: deleting an id the list lacks is ``"not_found"`` (default) or
      ``"refused"``.

    Part of the sandbox's settings: :meth:`Sandbox.reset` keeps them.
    """

    duplicate_status: int = 409
    add_answer: str = "created"
    update_unknown: str = "refused"
    delete_unknown: str = "not_found"

    def __setattr__(self, name: str, value: object) -> None:
        allowed: dict[str, tuple[object, ...]] = {
            "duplicate_status": (400, 409),
            "add_answer": ("created", "empty"),
            "update_unknown": ("refused", "not_found"),
            "delete_unknown": ("not_found", "refused"),
        }
        if name in allowed and value not in allowed[name]:
            raise ValueError(f"{name} cannot be {value!r}")
        super().__setattr__(name, value)


@dataclass
class Store:
    id: str
    store_name: str
    currency: str | None  # None: left out of the answer (the contract does not require it)
    time_zone: str
    culture: str
    phone: PhoneNumber
    privacy_policy_url: str | None = None
    email: str | None = None
    tax_number: str | None = None
    external_id: str | None = None
    address: dict[str, Any] | None = None
    stamps_enabled: bool = True
    friend_referral_enabled: bool = False
    points_system: PointsSystem = field(default_factory=PointsSystem)
    member_identifier_type: str | None = None
    member_identifier_unique_per_country: bool = False
    departments: list[Department] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    levels: list[MembershipLevel] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    coupons: dict[str, Coupon] = field(default_factory=dict)  # upper-cased code -> coupon
    stamp_cards: dict[int, StampCard] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)  # by external_id
    refunds: list[Refund] = field(default_factory=list)
    non_eligible: dict[int, NonEligibleProduct] = field(default_factory=dict)
    otp_codes: dict[tuple[str, str], OtpCode] = field(default_factory=dict)  # (member, purpose)
    next_non_eligible_id: int = 1

    @property
    def country_code(self) -> str:
        return self.phone.country_code

    def department(self, department_id: str) -> Department | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def segment(self, segment_id: int) -> Segment | None:
        return next((s for s in self.segments if s.id == segment_id), None)

    def coupon(self, code: str) -> Coupon | None:
        return self.coupons.get(code.strip().upper())

    def live_members(self) -> list[Member]:
        return [m for m in self.members.values() if not m.is_deleted]

    def live_member(self, member_id: str) -> Member | None:
        member = self.members.get(member_id)
        return None if member is None or member.is_deleted else member

    def member_by_phone(self, phone: PhoneNumber) -> Member | None:
        return next((m for m in self.live_members() if m.phone.e164 == phone.e164), None)

    def member_by_email(self, email: str) -> Member | None:
        wanted = email.strip().casefold()
        return next(
            (m for m in self.live_members() if m.email and m.email.casefold() == wanted), None
        )

    def purge_deleted(self, now: datetime) -> None:
        """Forget members deleted more than ten days ago (Diller's purge)."""
        for member_id in [
            m.id
            for m in self.members.values()
            if m.deleted_at is not None and now - m.deleted_at >= MEMBER_PURGE_AFTER
        ]:
            del self.members[member_id]


@dataclass
class SandboxState:
    stores: dict[str, Store] = field(default_factory=dict)
    messages: list[SentMessage] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def store(self, store_id: str) -> Store | None:
        return self.stores.get(store_id)

    def send(self, message: SentMessage) -> None:
        self.messages.append(message)
