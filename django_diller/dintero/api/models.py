"""What goes over the wire to and from Dintero's Receipts API, as pydantic models.

The names are the contract's (``dintero-receipts.yaml``): one model per schema the client
sends or reads, one field per property. Money is integer minor units (``amount``, ``net_amount``,
...) as the document has it; the ``*_dwh`` strings carry a finer resolution and stay text, and
every other ``number`` is a :class:`~decimal.Decimal`, never a float.

Every model keeps the fields it does not know (``extra="allow"``): Dintero adds properties
over time (its changelog shows it), and a receipt read and sent back must not lose them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """Base of every wire model: unknown fields kept, numbers never read as float."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- Shared ------------------------------------------------------------------------------------


class Entity(WireModel):
    id: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    deleted_by: str | None = None
    deleted_at: datetime | None = None


class Address(WireModel):
    address_line: str
    address_line_2: str | None = None
    postal_code: str | None = None
    postal_place: str
    country: str


class Store(WireModel):
    id: str
    name: str | None = None
    business_name: str | None = None
    address: Address | None = None
    chain: str | None = None
    email: str | None = None
    gln: str | None = None
    organization_number: str | None = None
    phone_number: str | None = None
    mcc: str | None = None
    bax: str | None = None
    terminal_id: str | None = None


# --- Lines of a receipt ------------------------------------------------------------------------


class InfoCodeItem(WireModel):
    line_id: int | None = None
    amount: int | None = None
    amount_dwh: str | None = None
    infocode_id: str | None = None
    sub_infocode_id: str | None = None
    information: str | None = None
    input_type: int | None = None
    withdrawal_from_stock: bool | None = None


class TaxItem(WireModel):
    """A tax line: of an item, or of the receipt (its breakdown by tax group)."""

    amount: int | None = None
    amount_dwh: str | None = None
    exempt: bool | None = None
    included_in_price: bool | None = None
    percentage: Decimal | None = None
    tax_basis: int | None = None
    tax_basis_dwh: str | None = None
    tax_code: str | None = None
    tax_group: str | None = None


class Dimension(WireModel):
    color: str | None = None
    size: str | None = None
    style: str | None = None
    config: str | None = None
    variant: str | None = None


class DiscountType(StrEnum):
    customer = "customer"
    periodic = "periodic"
    manual = "manual"
    loyalty = "loyalty"
    total = "total"
    employee = "employee"
    external = "external"


class DiscountItem(WireModel):
    """A discount line of an item."""

    amount: int | None = None
    percentage: Decimal | None = None
    discount_type: DiscountType | None = None
    discount_id: str | None = None
    description: str | None = None
    line_id: int | None = None


class BonusItem(WireModel):
    """A bonus line of an item."""

    bonus: int | None = None
    percentage: Decimal | None = None
    discount_type: DiscountType | None = None
    discount_id: str | None = None
    description: str | None = None
    line_id: int | None = None


class ExtraInfoValueType(StrEnum):
    string = "string"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    datetime = "datetime"


class ExtraInfo(WireModel):
    key: str | None = None
    value: str | None = None
    value_type: ExtraInfoValueType | None = None


class ItemGroup(WireModel):
    id: str
    name: str | None = None


class ReceiptItem(WireModel):
    id: str | None = None
    groups: list[ItemGroup] | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    description: str | None = None
    description_alias: str | None = None
    net_amount: int | None = None
    net_amount_dwh: str | None = None
    gross_amount: int | None = None
    gross_amount_dwh: str | None = None
    unit_gross_price: int | None = None
    tax_percent: Decimal | None = None
    line_id: int | None = None
    barcode: str | None = None
    cost_price: int | None = None
    voided: bool | None = None
    scale_item: bool | None = None
    eligible_for_discount: bool | None = None
    included_in_total_discount: bool | None = None
    price_has_been_keyedIn: bool | None = None
    discount_has_been_keyedIn: bool | None = None
    is_return_item: bool | None = None
    is_linked_item: bool | None = None
    is_virtual_product: bool | None = None
    is_changed: bool | None = None
    salesperson_id: str | None = None
    salesperson_name: str | None = None
    serial_id: str | None = None
    comment: str | None = None
    infocode_lines: list[InfoCodeItem] | None = None
    tax_lines: list[TaxItem] | None = None
    dimension: Dimension | None = None
    discount_lines: list[DiscountItem] | None = None
    bonus_lines: list[BonusItem] | None = None
    extra_info: list[ExtraInfo] | None = None


class CardInfo(WireModel):
    balance_amount: int | None = None
    card_amount: int | None = None
    issuer_id: int | None = None
    issuer_name: str | None = None
    session_id: str | None = None
    terminal_id: str | None = None
    card_number: str | None = None
    card_type: str | None = None
    receipt: str | None = None


class PaymentItem(WireModel):
    line_id: int | None = None
    amount: int | None = None
    type_id: str | None = None
    token_id: str | None = None
    token_type: str | None = None
    description: str | None = None
    voided: bool | None = None
    card_info: CardInfo | None = None
    reference_id: str | None = None
    infocode_lines: list[InfoCodeItem] | None = None


# --- Discounts referenced by a receipt ---------------------------------------------------------


class Item(WireModel):
    id: str | None = None
    group_id: str | None = None


class RewardType(StrEnum):
    discount_amount = "discount_amount"
    discount_percent = "discount_percent"
    discount_item_new_price = "discount_item_new_price"
    discount_item_quantity = "discount_item_quantity"
    discount_item_percent = "discount_item_percent"
    discount_mix_new_price = "discount_mix_new_price"
    discount_debit = "discount_debit"


class RewardValue(WireModel):
    items: list[Item]
    value: Decimal


class Reward(WireModel):
    type: RewardType
    value: Decimal
    values: list[RewardValue] | None = None
    base: str | None = None
    effect: str | None = None


class Requirement(WireModel):
    """A discount's requirement: the purchase period, and the rest of ``BaseRequirement``
    (customer, item, store, amounts, codes) kept as sent."""

    purchase_from: datetime
    purchase_to: datetime


class Limitation(WireModel):
    """A discount's limits; the nested ones (activation, hours, blacklist) kept as sent."""

    discount_reward_usage: int | None = None
    discount_combination: int | None = None
    discount_eligible: str | None = None
    discount_repeat_usage: int | None = None
    stamp_expire_days: int | None = None


class Link(WireModel):
    href: str
    rel: str | None = None
    type: str | None = None


class DiscountRefStatistics(WireModel):
    amount: int | None = None
    bonus: int | None = None
    debit_balance: int | None = None
    stamp: int | None = None
    usage: int | None = None


class DiscountRefItem(WireModel):
    line_id: int | None = None
    bonus: int | None = None
    amount: int | None = None


class DiscountRef(WireModel):
    """One instance of a discount used on the receipt (a customer may hold several)."""

    id: str | None = None
    stamp: int | None = None
    amount: int | None = None
    bonus: int | None = None
    statistics: DiscountRefStatistics | None = None
    items: list[DiscountRefItem] | None = None
    usage: int | None = None


class DiscountRefs(WireModel):
    """A discount rule referenced by the receipt's discount lines, with the instances used."""

    id: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    deleted_by: str | None = None
    deleted_at: datetime | None = None
    campaign_id: str | None = None
    active: bool | None = None
    private: bool | None = None
    updated_by: str | None = None
    type: str | None = None
    name: str | None = None
    receipt_text: str | None = None
    visible_from: datetime | None = None
    description: str | None = None
    limitation: Limitation | None = None
    requirement: Requirement
    reward: Reward
    metadata: dict[str, Any] | None = None
    links: list[Link] | None = None
    refs: list[DiscountRef] | None = None


# --- The customer and the delivery -------------------------------------------------------------


class Delivery(WireModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    address: Address | None = None


class CustomerAddress(Address):
    type: str | None = None
    custom_type: str | None = None


class EnrolledBy(WireModel):
    type: str | None = None
    value: str | None


class Company(WireModel):
    organization_number: str | None = None
    bussiness_name: str  # sic: the contract's spelling
    department: str | None = None
    industry: str | None = None
    website: str | None = None
    number_of_employees: str | None = None


class Consent(WireModel):
    consent: bool | None = None
    updated_at: datetime | None = None


class MarketingConsent(WireModel):
    sms: Consent | None = None
    email: Consent | None = None


class Term(WireModel):
    id: str | None = None
    type: str | None = None


class CustomerToken(WireModel):
    token_id: str | None = None
    value: str | None = None
    type: str | None = None


class CustomerType(StrEnum):
    customer = "customer"
    company = "company"
    contact = "contact"
    employee = "employee"
    other = "other"


class Customer(WireModel):
    gender: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    metadata: dict[str, Any] | None = None
    phone_number: str | None = None
    addresses: list[CustomerAddress] | None = None
    pays_tax: bool | None = None
    date_of_birth: date | None = None
    enrolled_by: EnrolledBy | None = None
    favorite_store: str | None = None
    company: Company | None = None
    marketing_consent: MarketingConsent | None = None
    status: str | None = None
    term: Term | None = None
    type: CustomerType | None = None
    token: CustomerToken | None = None


# --- Receipts ----------------------------------------------------------------------------------


class EntryStatus(StrEnum):
    None_ = "None"
    Voided = "Voided"
    Posted = "Posted"
    Concluded = "Concluded"
    Cancelled = "Cancelled"
    OnHold = "OnHold"
    Training = "Training"


class Receipt(Entity):
    """A receipt. ``store``, ``receipt_id`` (the POS's id) and ``purchase_at`` are required."""

    discounts: list[DiscountRefs] | None = None
    store: Store
    items: list[ReceiptItem] | None = None
    receipt_id: str
    delivery: Delivery | None = None
    customer_id: str | None = None
    customer: Customer | None = None
    gross_amount: int | None = None
    gross_amount_dwh: str | None = None
    net_amount: int | None = None
    net_amount_dwh: str | None = None
    round_off_to_coin: int | None = None
    currency: str | None = None
    purchase_at: datetime
    order_number: str | None = None
    transaction_date: datetime | None = None
    amount_due: int | None = None
    amount_due_dwh: str | None = None
    no_of_items: Decimal | None = None
    is_changed: bool | None = None
    transaction_id: str | None = None
    total_discount: int | None = None
    total_manual_discount_amount: int | None = None
    total_manual_percentage_discount: int | None = None
    operator_id: str | None = None
    operator_name: str | None = None
    salesperson_id: str | None = None
    salesperson_name: str | None = None
    entry_status: EntryStatus | None = None
    comment: str | None = None
    tax_lines: list[TaxItem] | None = None
    payments: list[PaymentItem] | None = None
    infocode_items: list[InfoCodeItem] | None = None
    receipt_text: str | None = None
    discount_code: list[str] | None = None
    extra_info: list[ExtraInfo] | None = None


class ReceiptMinimal(Entity):
    """A receipt in a customer's list: the summary fields only."""

    store: Store | None = None
    items: list[ReceiptItem] | None = None
    gross_amount: int | None = None
    net_amount: int | None = None
    currency: str | None = None
    purchase_at: datetime | None = None


# --- Answers -----------------------------------------------------------------------------------


class CreateReceiptsResponse(WireModel):
    """``aid_receipts_post``'s answer: the receipts created, and how many were duplicates."""

    receipts: list[Entity] | None = None
    duplicates: int | None = None


class ReceiptCollection(WireModel):
    """``aid_receipts_rid_get``'s answer: the receipts with a POS receipt id."""

    receipts: list[Receipt] | None = None
    starting_after: str | None = None


class CustomerReceipts(WireModel):
    """``aid_receipts_customers_cid_get``'s answer: one page of a customer's receipts."""

    receipts: list[ReceiptMinimal] | None = None
    starting_after: str | None = None


class SegmentCustomer(WireModel):
    customer_id: str | None = None
    purchases: int | None = None


class SegmentResponse(WireModel):
    customers: list[SegmentCustomer] | None = None


class TokenResponse(WireModel):
    """The token endpoint's answer."""

    access_token: str
    token_type: str
    expires_in: int

    def __repr__(self) -> str:  # never show the token
        return f"TokenResponse(token_type={self.token_type!r}, expires_in={self.expires_in})"


class ErrorDetail(WireModel):
    code: str | None = None
    errors: list[dict[str, Any]] | None = None
    message: str


class ErrorResponse(WireModel):
    """The shape of every error answer (``Error``)."""

    error: ErrorDetail


# --- Requests ----------------------------------------------------------------------------------


class ClientCredentialsGrant(WireModel):
    grant_type: str
    audience: str


class UpdateReceiptRequest(WireModel):
    """``aid_receipts_update_put``: attach a customer (and discounts) to an anonymous receipt."""

    customer_id: str
    discounts: list[DiscountRefs] | None = None


class ChangeCustomerIdRequest(WireModel):
    customer_id: str


class ClaimReceiptRequest(WireModel):
    customer_id: str


class SegmentItem(WireModel):
    id: str | None = None
    group: str | None = None


class SegmentRequest(WireModel):
    purchase_from: datetime | None = None
    purchase_to: datetime | None = None
    store_ids: list[str] | None = None
    items: list[SegmentItem] | None = None
