"""Each wire model has exactly the fields, types and required flags of its schema."""

import decimal
import typing

import pytest
from pydantic import ValidationError

from django_diller.api import models as m
from django_diller.openapi import load_spec

SCHEMAS = load_spec()["components"]["schemas"]
OBJECT_SCHEMAS = {name: s for name, s in SCHEMAS.items() if "enum" not in s}
ENUM_SCHEMAS = {name: s for name, s in SCHEMAS.items() if "enum" in s}


def _expected_python_type(schema):
    if "$ref" in schema:
        return getattr(m, schema["$ref"].rsplit("/", 1)[-1])
    kind = schema["type"]
    if kind == "string":
        # Every date-time is parsed timezone-aware (naive ones in the store's zone).
        return m.DateTime if schema.get("format") == "date-time" else str
    if kind == "array":
        return list[_expected_python_type(schema["items"])]
    if kind == "object":
        return dict[str, _expected_python_type(schema["additionalProperties"])]
    return {"number": decimal.Decimal, "integer": int, "boolean": bool}[kind]


def _declared_type(field):
    annotation = field.annotation
    if field.metadata:  # a required ``Annotated`` field keeps its validators here
        annotation = typing.Annotated[annotation, *field.metadata]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, type(int | None)) and len(args) == 1:
        return args[0]
    return annotation


def test_every_schema_has_a_model():
    assert set(OBJECT_SCHEMAS) == set(m.ALL_MODELS)
    for name, schema in ENUM_SCHEMAS.items():
        assert [e.value for e in getattr(m, name)] == schema["enum"]


@pytest.mark.parametrize("name", sorted(OBJECT_SCHEMAS))
def test_fields_types_and_required_flags(name):
    schema = OBJECT_SCHEMAS[name]
    model = getattr(m, name)
    fields = model.model_fields
    assert set(fields) == set(schema["properties"])
    for field_name, field_schema in schema["properties"].items():
        assert _declared_type(fields[field_name]) == _expected_python_type(field_schema), field_name
    required = {f for f, info in fields.items() if info.is_required()}
    assert required == set(schema.get("required", []))


def test_unknown_fields_are_tolerated_and_missing_required_ones_named():
    coupon = m.MemberCouponResponse.model_validate(
        {
            "code": "PCT10",
            "title": "10 %",
            "valid_from": "2026-01-01T00:00:00Z",
            "valid_to": "2027-01-01T00:00:00Z",
            "type": "Standard",
            "discount_value": decimal.Decimal("10.5"),
            "a_field_diller_added_later": True,
        }
    )
    assert coupon.discount_value == decimal.Decimal("10.5")
    with pytest.raises(ValidationError) as caught:
        m.MemberCouponResponse.model_validate({"title": "no code"})
    missing = {error["loc"][0] for error in caught.value.errors()}
    assert {"code", "valid_from", "valid_to", "type"} <= missing
