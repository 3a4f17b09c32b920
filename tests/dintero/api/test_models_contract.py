"""The wire models have the contract's fields, types and required flags, and read its examples."""

from __future__ import annotations

import decimal
import types
import typing
from datetime import date, datetime
from enum import Enum

import pytest
from pydantic import BaseModel, ValidationError

from django_diller.dintero.api import models as m
from django_diller.dintero.api import wire
from django_diller.dintero.openapi import load_spec

from .conftest import example

SPEC = load_spec()
SCHEMAS = SPEC["components"]["schemas"]

# Models that declare only part of their schema and keep the rest as sent (extra fields).
PARTIAL = {m.Requirement, m.Limitation}


def _lookup(ref: str) -> dict:
    node = SPEC
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def merged(schema: dict) -> dict:
    """A schema with its reference followed and its ``allOf`` parts merged."""
    if "$ref" in schema:
        return merged(_lookup(schema["$ref"]))
    result = {k: v for k, v in schema.items() if k != "allOf"}
    result["properties"] = dict(schema.get("properties", {}))
    result["required"] = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        inner = merged(part)
        result["properties"].update(inner["properties"])
        result["required"] += inner["required"]
        result.setdefault("type", inner.get("type"))
    return result


def _strip_optional(annotation):
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def check_model(model: type[BaseModel], schema: dict, where: str, seen: set) -> None:
    """Fields, required flags and types of ``model`` against ``schema``, nested models too."""
    if (model, where) in seen:
        return
    seen.add((model, where))
    schema = merged(schema)
    fields = model.model_fields
    properties = schema["properties"]
    if model in PARTIAL:
        assert set(fields) <= set(properties), where
    else:
        assert set(fields) == set(properties), where
    required = {name for name, info in fields.items() if info.is_required()}
    assert required == set(schema["required"]) & set(fields), where
    for name, info in fields.items():
        if properties[name].get("nullable"):  # a required nullable property takes null
            assert type(None) in typing.get_args(info.annotation), f"{where}.{name}"
        check_type(_strip_optional(info.annotation), properties[name], f"{where}.{name}", seen)


def check_type(annotation, schema: dict, where: str, seen: set) -> None:
    resolved = merged(schema) if ("$ref" in schema or "allOf" in schema) else schema
    kind = resolved.get("type") or ("object" if resolved.get("properties") else None)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        assert kind == "string" and [e.value for e in annotation] == resolved["enum"], where
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        assert kind == "object", where
        check_model(annotation, schema, where, seen)
    elif typing.get_origin(annotation) is list:
        assert kind == "array", where
        [item] = typing.get_args(annotation)
        check_type(item, resolved["items"], f"{where}[]", seen)
    elif typing.get_origin(annotation) is dict:
        assert kind == "object" and not resolved.get("properties"), where
    elif annotation is datetime:
        assert (kind, resolved.get("format")) == ("string", "date-time"), where
    elif annotation is date:
        assert (kind, resolved.get("format")) == ("string", "date"), where
    else:
        expected = {str: "string", int: "integer", decimal.Decimal: "number", bool: "boolean"}
        assert kind == expected[annotation], where


TOP_LEVEL = [
    (m.Receipt, "Receipt"),
    (m.ReceiptMinimal, "ReceiptMinimal"),
    (m.Entity, "Entity"),
    (m.Store, "Store"),
    (m.Address, "Address"),
    (m.ReceiptItem, "ReceiptItem"),
    (m.TaxItem, "TaxItem"),
    (m.DiscountItem, "DiscountItem"),
    (m.BonusItem, "BonusItem"),
    (m.PaymentItem, "PaymentItem"),
    (m.CardInfo, "CardInfo"),
    (m.InfoCodeItem, "InfoCodeItem"),
    (m.ExtraInfo, "ExtraInfo"),
    (m.Dimension, "Dimension"),
    (m.DiscountRefs, "DiscountRefs"),
    (m.Reward, "Reward"),
    (m.Item, "Item"),
    (m.ErrorResponse, "Error"),
    (m.TokenResponse, "AccessToken"),
    (m.ClientCredentialsGrant, "ClientCredentialsGrant"),
]


@pytest.mark.parametrize(("model", "name"), TOP_LEVEL, ids=[n for _, n in TOP_LEVEL])
def test_fields_types_and_required_flags(model, name):
    check_model(model, {"$ref": f"#/components/schemas/{name}"}, name, set())


def _media_schema(path: str, method: str, *, request: bool = False) -> dict:
    operation = SPEC["paths"][path][method]
    holder = operation["requestBody"] if request else operation["responses"]["200"]
    return holder["content"]["application/json"]["schema"]


ANSWERS_AND_BODIES = [
    (m.CreateReceiptsResponse, "/accounts/{aid}/receipts", "post", False),
    (m.ReceiptCollection, "/accounts/{aid}/receipts/search", "get", False),
    (m.CustomerReceipts, "/accounts/{aid}/receipts/customers/{customer_id}", "get", False),
    (m.SegmentResponse, "/accounts/{aid}/receipts/customer_segment", "post", False),
    (m.SegmentRequest, "/accounts/{aid}/receipts/customer_segment", "post", True),
    (m.UpdateReceiptRequest, "/accounts/{aid}/receipts/all/{receipt_id}", "put", True),
    (m.ClaimReceiptRequest, "/accounts/{aid}/receipts/receipt-token", "post", True),
    (
        m.ChangeCustomerIdRequest,
        "/accounts/{aid}/receipts/customers/{customer_id}/{receipt_id}/change_customer_id",
        "post",
        True,
    ),
]


@pytest.mark.parametrize(
    ("model", "path", "method", "request_body"),
    ANSWERS_AND_BODIES,
    ids=[a[0].__name__ for a in ANSWERS_AND_BODIES],
)
def test_answers_and_bodies_match_their_inline_schemas(model, path, method, request_body):
    schema = _media_schema(path, method, request=request_body)
    if model is m.ChangeCustomerIdRequest:
        # The document does not mark the new customer_id required; an empty move means nothing.
        schema = {**schema, "required": ["customer_id"]}
    check_model(model, schema, model.__name__, set())


def test_the_examples_are_read_by_the_models():
    new = m.Receipt.model_validate(example("NewReceipt"))
    assert new.receipt_id == "714118"
    assert new.store.address.postal_place == "Oslo"
    assert new.items[0].quantity == decimal.Decimal(2)
    assert new.items[0].discount_lines[0].discount_type is m.DiscountType.loyalty
    assert new.items[0].discount_lines[0].percentage == decimal.Decimal("30.05")
    assert new.payments[0].card_info.card_amount == 27840
    assert new.purchase_at.tzinfo is not None

    stored = m.Receipt.model_validate(example("Receipt"))
    assert stored.id and stored.created_at

    page = m.CustomerReceipts.model_validate(example("CustomerReceipts"))
    assert page.receipts[0].net_amount == 27840 and page.starting_after

    created = m.CreateReceiptsResponse.model_validate(example("CreatedReceipts"))
    assert (len(created.receipts), created.duplicates) == (1, 0)
    duplicate = m.CreateReceiptsResponse.model_validate(example("DuplicateReceipts"))
    assert (duplicate.receipts, duplicate.duplicates) == ([], 1)

    token = m.TokenResponse.model_validate(example("AccessToken"))
    assert token.expires_in == 86400 and token.access_token not in repr(token)

    error = m.ErrorResponse.model_validate(example("Error"))
    assert error.error.code == "INVALID_REQUEST"


def test_a_receipt_goes_back_on_the_wire_as_it_came_with_unknown_fields_kept():
    data = example("NewReceipt")
    data["a_property_dintero_added_later"] = {"nested": [1, 2]}
    data["items"][0]["another_new_one"] = "x"
    receipt = m.Receipt.model_validate(wire.loads(wire.dumps(data)))
    sent = wire.loads(wire.dumps(receipt))
    assert datetime.fromisoformat(sent.pop("purchase_at")) == datetime.fromisoformat(
        data.pop("purchase_at")
    )
    assert sent == wire.loads(wire.dumps(data))


def test_numbers_are_never_floats():
    receipt = m.Receipt.model_validate(wire.loads(wire.dumps(example("NewReceipt"))))
    percentage = receipt.items[0].discount_lines[0].percentage
    assert isinstance(percentage, decimal.Decimal)
    assert b'"percentage": 30.05' in wire.dumps(receipt)


def test_missing_required_fields_are_named():
    with pytest.raises(ValidationError) as caught:
        m.Receipt.model_validate({"customer_id": "C1"})
    missing = {error["loc"][0] for error in caught.value.errors()}
    assert missing == {"store", "receipt_id", "purchase_at"}
