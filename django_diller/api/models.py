"""Typed wire models for every schema of the Diller Retailer API v2.0.

One class per schema in ``diller-openapi.yaml`` (``tests/api/test_models_contract.py`` keeps them
in step with it). Attribute names are the wire names: Diller's JSON bodies are snake_case.
Unknown fields in a response are ignored, so Diller may add fields without breaking a shop; a
missing required field or a value of the wrong type is rejected, and the client turns that into a
:class:`~django_diller.api.errors.DillerResponseError` naming the field. Amounts are ``Decimal``.

Date-times are always aware: Diller sends some without an offset (a naive ``valid_to``), and
those are read in the store's time zone, which the client passes in the validation context
under :data:`TIME_ZONE_CONTEXT` (UTC when none is given).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

#: The validation-context key of the zone for date-times sent without an offset.
TIME_ZONE_CONTEXT = "time_zone"


def _aware(value: datetime, info: ValidationInfo) -> datetime:
    """A date-time as sent when it has an offset; without one, the store's wall-clock time."""
    if value.utcoffset() is not None:
        return value
    zone = (info.context or {}).get(TIME_ZONE_CONTEXT) or UTC
    return value.replace(tzinfo=zone)


#: A ``format: date-time`` value: always timezone-aware once parsed.
DateTime = Annotated[datetime, AfterValidator(_aware)]


class WireModel(BaseModel):
    """Base of all wire models: tolerant of unknown fields, strict about declared ones."""

    model_config = ConfigDict(extra="ignore", frozen=False, validate_assignment=False)


class StampCardAction(StrEnum):
    """``StampCard.action`` values (a plain string in the contract)."""

    collected = "collected"
    deducted = "deducted"


class StampCardType(StrEnum):
    """``card_type`` values of stamp cards (a plain string in the contract)."""

    standard = "standard"
    threshold = "threshold"


class CouponDiscountType(StrEnum):
    NotDefined = "NotDefined"
    Percentage = "Percentage"
    Fixed = "Fixed"
    FreeShipping = "FreeShipping"


class CouponType(StrEnum):
    Standard = "Standard"
    Welcome = "Welcome"
    Campaign = "Campaign"
    Public = "Public"
    Recurring = "Recurring"
    Birthday = "Birthday"
    ChildBirthday = "ChildBirthday"
    Automation = "Automation"


class Gender(StrEnum):
    Male = "Male"
    Female = "Female"
    NotShared = "NotShared"
    NonBinary = "NonBinary"


class GtinType(StrEnum):
    Isbn = "Isbn"
    UpcGtin12 = "UpcGtin12"
    EanGtin13 = "EanGtin13"


class PlatformType(StrEnum):
    ExtendaGo = "ExtendaGo"
    Woocomerce = "Woocomerce"
    Magento = "Magento"
    Shopify = "Shopify"
    LinkPos = "LinkPos"
    Pck = "Pck"


class SegmentType(StrEnum):
    Text = "Text"
    DateTime = "DateTime"
    Radio = "Radio"
    Checkbox = "Checkbox"
    Dropdown = "Dropdown"


class ActionResponse(WireModel):
    is_ok: bool | None = None
    details: str | None = None


class AddNonEligibleBatchError(WireModel):
    product_id: str | None = None
    product_id_prefix: str | None = None
    errors: list[str] = Field(default_factory=list)


class AddNonEligibleProductRequest(WireModel):
    product_id: str | None = None
    product_id_prefix: str | None = None
    product_category_id: int | None = None
    description: str | None = None
    subsystem: str | None = None
    expires_at: str | None = None


class Address(WireModel):
    street: str | None = None
    city: str | None = None
    zip_code: str | None = None
    state: str | None = None
    country_code: str | None = None


class ApiError(WireModel):
    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None
    errors: dict[str, list[str]] = Field(default_factory=dict)


class CancelationReason(WireModel):
    reason: str | None = None
    origin: Origin | None = None


class Consent(WireModel):
    gdpr_accepted: bool | None = None
    save_order_history: bool | None = None
    receive_sms: bool | None = None
    receive_email: bool | None = None


class CouponCancelReservationRequest(WireModel):
    external_transaction_id: str | None = None


class CouponReservationRequest(WireModel):
    channel: str | None = None
    external_product_id: str | None = None
    external_transaction_id: str | None = None


class CouponTarget(WireModel):
    required_points: int | None = None
    membership_level: int | None = None
    list_id: int | None = None


class CreateDepartmentRequest(WireModel):
    id: str | None = None
    name: str | None = None
    origin: Origin | None = None


class CreateRefundTransactionRequest(WireModel):
    reason: str | None = None
    external_id: str | None = None
    external_receipt_id: str | None = None
    created_at: DateTime | None = None
    payment_details: list[PaymentDetails] = Field(default_factory=list)
    eft_pos: str | None = None
    total: Decimal | None = None
    total_tax: Decimal | None = None
    total_discount: Decimal | None = None
    currency: str | None = None
    round_off_amount: Decimal | None = None
    origin: Origin | None = None
    details: list[RefundDetailRequest] = Field(default_factory=list)
    department_id: str | None = None


class CreateTransactionRequest(WireModel):
    external_id: str | None = None
    external_receipt_id: str | None = None
    created_at: DateTime | None = None
    payment_details: list[PaymentDetails] = Field(default_factory=list)
    eft_pos: str | None = None
    send_email_receipt: bool | None = None
    total: Decimal | None = None
    total_tax: Decimal | None = None
    total_discount: Decimal | None = None
    currency: str | None = None
    round_off_amount: Decimal | None = None
    origin: Origin | None = None
    coupon_codes: list[str] = Field(default_factory=list)
    stamp_card_ids: list[int] = Field(default_factory=list)
    stamp_cards: list[StampCard] = Field(default_factory=list)
    details: list[TransactionDetailRequest] = Field(default_factory=list)
    department_id: str | None = None


class Dependent(WireModel):
    id: int | None = None
    name: str | None = None
    birthdate: str | None = None
    gender: Gender | None = None


class EnrollMemberRequest(WireModel):
    phone: Phone
    department_id: str
    origin: Origin | None = None
    additional_info: MemberAdditionalInfo | None = None


class ExternalCouponIdentifier(WireModel):
    platform: str | None = None
    external_id: str | None = None


class GlobalProductIdentifier(WireModel):
    type: GtinType | None = None
    code: str | None = None


class InvitedFriendResponse(WireModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    created_at: DateTime | None = None
    is_accepted: bool | None = None
    points: int | None = None


class LoginOtpVerificationRequest(WireModel):
    otp_code: int | None = None


class MemberAdditionalInfo(WireModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    address: Address | None = None
    additional_identifiers: list[str] = Field(default_factory=list)


class MemberConsent(WireModel):
    gdpr_accepted: bool | None = None
    save_order_history: bool | None = None
    receive_sms: bool | None = None
    receive_email: bool | None = None


class MemberCouponResponse(WireModel):
    id: int | None = None
    external_ids: list[ExternalCouponIdentifier] = Field(default_factory=list)
    code: str
    title: str
    description: str | None = None
    article_number: str | None = None
    valid_from: DateTime
    valid_to: DateTime
    type: CouponType
    discount_type: CouponDiscountType | None = None
    discount_value: Decimal | None = None
    max_redemptions: int | None = None
    image_url: str | None = None
    product_ids: list[str] = Field(default_factory=list)
    times_redeemed: int | None = None


class MemberIdentifier(WireModel):
    type: str | None = None
    is_unique_per_country: bool | None = None


class MemberMembershipDetail(WireModel):
    points: Decimal | None = None
    remaining_points: Decimal | None = None
    level_title: str | None = None
    next_level_title: str | None = None
    next_level_points: Decimal | None = None
    level_expire_date: DateTime | None = None


class MemberProfileWidgetResponse(WireModel):
    details_url: str | None = None


class MemberResponse(WireModel):
    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    additional_identifiers: list[str] = Field(default_factory=list)
    remarks: str | None = None
    phone: Phone | None = None
    birth_date: DateTime | None = None
    address: Address | None = None
    gender: Gender
    consent: MemberConsent | None = None
    membership_detail: MemberMembershipDetail | None = None
    department_ids: list[str] = Field(default_factory=list)
    segments: list[MemberSegmentResponse] = Field(default_factory=list)


class MemberSegmentResponse(WireModel):
    id: int | None = None
    text: str | None = None
    type: SegmentType
    is_visible_to_follower: bool | None = None
    is_required: bool | None = None
    value: str | None = None
    selected_options: list[int] = Field(default_factory=list)


class MemberStampCard(WireModel):
    id: int | None = None
    external_id: str | None = None
    article_number: str | None = None
    title: str | None = None
    description: str | None = None
    required_points: int | None = None
    is_restartable: bool | None = None
    required_stamps: int | None = None
    image_url: str | None = None
    last_stamp_text: str | None = None
    product_ids: list[str] = Field(default_factory=list)
    card_type: str | None = None
    threshold_amount: Decimal | None = None
    valid_from: DateTime | None = None
    valid_to: DateTime | None = None
    stamps_collected: int | None = None


class NonEligibleProductResponse(WireModel):
    id: int | None = None
    description: str | None = None
    product_id: str | None = None
    product_id_prefix: str | None = None
    product_category_id: int | None = None
    subsystem: str | None = None
    expires_at: str | None = None


class NonEligibleProductResponsePaginatedDataResponse(WireModel):
    data: list[NonEligibleProductResponse] = Field(default_factory=list)
    total_records: int | None = None
    offset: int | None = None
    limit: int | None = None


class Origin(WireModel):
    system_id: str | None = None
    employee_id: str | None = None
    department_id: str | None = None
    channel: str | None = None


class PaymentDetails(WireModel):
    payment_method: str | None = None
    sub_total: Decimal | None = None


class Phone(WireModel):
    country_code: str
    number: str


class PointsSystem(WireModel):
    enabled: bool | None = None
    friend_referral_points: int | None = None
    follower_signup_points: int | None = None
    currency_points_ratio: Decimal | None = None


class ProductCategory(WireModel):
    name: str | None = None
    external_id: str | None = None


class ProductDetail(WireModel):
    external_id: str | None = None
    sku: str | None = None
    name: str | None = None
    brand: str | None = None
    category: ProductCategory | None = None
    gtin: GlobalProductIdentifier | None = None


class RefundDetailRequest(WireModel):
    product: ProductDetail | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    unit_measure: str | None = None
    tax_percentage: Decimal | None = None
    discount: Decimal | None = None
    total_price: Decimal | None = None


class RegisterMemberRequest(WireModel):
    phone: Phone
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    additional_identifiers: list[str] = Field(default_factory=list)
    birth_date: DateTime | None = None
    gender: Gender | None = None
    address: Address | None = None
    consent: Consent | None = None
    department_ids: list[str] = Field(default_factory=list)
    origin: Origin | None = None
    segments: list[SegmentValue] = Field(default_factory=list)


class ResetPhoneVerificationRequest(WireModel):
    phone: Phone | None = None
    otp_code: int | None = None


class SegmentOption(WireModel):
    id: int | None = None
    text: str | None = None


class SegmentValue(WireModel):
    segment_id: int | None = None
    value: str | None = None
    selected_options: list[int] = Field(default_factory=list)


class StampCard(WireModel):
    stamp_card_id: int | None = None
    action: str | None = None
    count: int | None = None


class StampReservationRequest(WireModel):
    channel: str | None = None
    external_product_id: str | None = None
    external_transaction_id: str | None = None


class StoreCouponResponse(WireModel):
    id: int | None = None
    external_ids: list[ExternalCouponIdentifier] = Field(default_factory=list)
    code: str
    title: str
    description: str | None = None
    article_number: str | None = None
    valid_from: DateTime
    valid_to: DateTime
    type: CouponType
    discount_type: CouponDiscountType | None = None
    discount_value: Decimal | None = None
    max_redemptions: int | None = None
    image_url: str | None = None
    product_ids: list[str] = Field(default_factory=list)
    target: CouponTarget | None = None
    usage_extension_in_days: int | None = None


class StoreDepartmentResponse(WireModel):
    id: str | None = None
    name: str | None = None


class StoreMembershipLevelResponse(WireModel):
    id: int | None = None
    name: str | None = None
    points: int | None = None


class StoreResponse(WireModel):
    id: str | None = None
    tax_number: str | None = None
    external_id: str | None = None
    store_name: str | None = None
    phone: Phone | None = None
    email: str | None = None
    address: Address | None = None
    currency: str | None = None
    time_zone: str | None = None
    culture: str | None = None
    stamps_enabled: bool | None = None
    friend_referral_enabled: bool | None = None
    points_system: PointsSystem | None = None
    member_identifier: MemberIdentifier | None = None
    privacy_policy_url: str | None = None


class StoreSegmentResponse(WireModel):
    id: int | None = None
    text: str | None = None
    type: SegmentType
    is_visible_to_follower: bool | None = None
    is_required: bool | None = None
    options: list[SegmentOption] = Field(default_factory=list)


class StoreStampCardResponse(WireModel):
    id: int | None = None
    external_id: str | None = None
    article_number: str | None = None
    title: str | None = None
    description: str | None = None
    required_points: int | None = None
    is_restartable: bool | None = None
    required_stamps: int | None = None
    image_url: str | None = None
    last_stamp_text: str | None = None
    product_ids: list[str] = Field(default_factory=list)
    card_type: str | None = None
    threshold_amount: Decimal | None = None
    valid_from: DateTime | None = None
    valid_to: DateTime | None = None


class TransactionDetailRequest(WireModel):
    product: ProductDetail | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    unit_measure: str | None = None
    tax_percentage: Decimal | None = None
    discount: Decimal | None = None
    total_price: Decimal | None = None
    stamp_card_ids: list[int] = Field(default_factory=list)
    stamp_cards: list[StampCard] = Field(default_factory=list)
    coupon_codes: list[str] = Field(default_factory=list)


class UpdateBatchStatus(WireModel):
    id: int | None = None
    status: bool | None = None
    errors: list[str] = Field(default_factory=list)


class UpdateMemberRequest(WireModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    birth_date: DateTime | None = None
    additional_identifiers: list[str] = Field(default_factory=list)
    gender: Gender | None = None
    address: Address | None = None
    consent: MemberConsent | None = None
    department_ids: list[str] = Field(default_factory=list)
    origin: Origin | None = None
    segments: list[SegmentValue] = Field(default_factory=list)


class UpdateNonEligibleProductRequest(WireModel):
    id: int | None = None
    product_id: str | None = None
    product_id_prefix: str | None = None
    product_category_id: int | None = None
    description: str | None = None
    subsystem: str | None = None
    expires_at: str | None = None


ALL_MODELS: dict[str, type[WireModel]] = {
    name: value
    for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, WireModel) and value is not WireModel
}
for _model in ALL_MODELS.values():
    _model.model_rebuild()
