"""The request and response bodies of the Discount API, in the document's shape.

The request serializers read the document's nested shape into the model's field names (the
nested parts use ``source="*"``, so ``properties.manualRate`` becomes ``manual_rate``) and check
each value's type and range; the rules that span fields or apply to stored values too (a
relative rate at most 100 %, dates in order, HHMM minutes, no repeated ids) are
:mod:`django_diller.discountapi.validation`'s, which admin shares, and run in
:mod:`.changes` on the discount as it would be stored.

A key the document does not know is refused (400, naming it), so that a misspelt
``validFromDate`` is not silently dropped; only ``apiResponseStatus`` is ignored, so that a
back office may send back what it read.

The response serializers only describe the answers for the OpenAPI document: the answers
themselves are :meth:`Discount.to_document` plus ``apiResponseStatus``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..validation import DAYS, MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_RATE, TYPES, id_error

# At least one character that is neither "/" nor a space, and no "/": a path segment.
ID_PATTERN = r"^[^/]*[^/\s][^/]*$"
IGNORED_KEYS = frozenset({"apiResponseStatus"})


# JSON's types as the document writes them: no "500" for 500, no 1 for true, no 9999 for "9999"
# (REST framework's fields would convert them), so that what is accepted is what the OpenAPI
# document describes.
class JsonString(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonInteger(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBoolean(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class JsonChoice(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class JsonDate(serializers.DateField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH, "pattern": ID_PATTERN}
)
class IdField(JsonString):
    """A discount's, store's or chain's id: kept as sent (no trimming), checked as admin does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_ID_LENGTH, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        error = id_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value


def id_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=IdField(), **kwargs)


# Refuses keys it does not know, naming each. (No docstring: each subclass's own is its
# description in the OpenAPI document.)
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields and key not in IGNORED_KEYS]
            if unknown:
                raise serializers.ValidationError(
                    {str(key): [serializers.ErrorDetail(_unknown(), "unknown")] for key in unknown}
                )
        return super().to_internal_value(data)


def _unknown() -> str:
    return gettext("The Discount API has no such field.")


# --- Requests ----------------------------------------------------------------------------------


class PropertiesSerializer(StrictSerializer):
    """How the discount applies; absent flags are false, an absent list empty."""

    automatic = JsonBoolean(required=False)
    manualRate = JsonBoolean(source="manual_rate", required=False)
    employee = JsonBoolean(required=False)
    calculatedFromBasePrice = JsonBoolean(source="calculated_from_base_price", required=False)
    combinableWith = id_list(source="combinable_with", required=False)


class TemporalValiditySerializer(StrictSerializer):
    """When the discount applies, in the store's local time; absent or null: no limit."""

    validFromDate = JsonDate(
        source="valid_from_date", required=False, allow_null=True, input_formats=["iso-8601"]
    )
    validUntilDate = JsonDate(
        source="valid_until_date", required=False, allow_null=True, input_formats=["iso-8601"]
    )
    validFromTime = JsonInteger(
        source="valid_from_time",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=2359,
        help_text="Local time as HHMM (500 = 05:00); null: from the start of the day.",
    )
    validUntilTime = JsonInteger(
        source="valid_until_time",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=2400,
        help_text="Local time as HHMM (2300 = 23:00, 2400 = the end of the day); "
        "null: to the end of the day. Before validFromTime: the window runs past midnight.",
    )
    dayOfWeekList = serializers.ListField(
        source="days_of_week",
        child=JsonChoice(choices=DAYS),
        required=False,
        help_text="Local days of the week; empty: every day.",
    )


class LocationValiditySerializer(StrictSerializer):
    """Where the discount applies."""

    stores = id_list(required=False, help_text="Store numbers; empty: every store.")
    distChains = id_list(
        source="dist_chains", required=False, help_text="Distribution chains; empty: every chain."
    )


class DiscountSerializer(StrictSerializer):
    """A discount as the back office sends it: whole to create it, in part to change it."""

    discountId = IdField(source="discount_id")
    name = JsonString(min_length=1, max_length=MAX_NAME_LENGTH)
    rate = JsonInteger(
        min_value=0,
        max_value=MAX_RATE,
        help_text="RELATIVE: 1/100 of a percent (500 = 5.00 %, at most 10000); "
        "ABSOLUTE: minor units of the shop's currency (500 = 5.00).",
    )
    type = JsonChoice(choices=TYPES)
    properties = PropertiesSerializer(source="*", required=False)
    temporalValidity = TemporalValiditySerializer(source="*", required=False)
    locationValidity = LocationValiditySerializer(source="*", required=False)


class CombinableWithSerializer(StrictSerializer):
    """Discount ids to add to the discounts this one combines with."""

    combinableWith = id_list(allow_empty=False)


class StoresSerializer(StrictSerializer):
    """Store numbers to add to the stores the discount applies in."""

    stores = id_list(allow_empty=False)


class DistChainsSerializer(StrictSerializer):
    """Distribution chains to add to those the discount applies in."""

    distChains = id_list(allow_empty=False)


# --- Responses (for the OpenAPI document) ------------------------------------------------------


class ApiResponseStatusSerializer(serializers.Serializer):
    responseCode = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)


class PropertiesDocumentSerializer(serializers.Serializer):
    automatic = serializers.BooleanField(read_only=True)
    manualRate = serializers.BooleanField(read_only=True)
    employee = serializers.BooleanField(read_only=True)
    calculatedFromBasePrice = serializers.BooleanField(read_only=True)
    combinableWith = serializers.ListField(child=serializers.CharField(), read_only=True)


class TemporalValidityDocumentSerializer(serializers.Serializer):
    validFromDate = serializers.DateField(read_only=True, allow_null=True)
    validUntilDate = serializers.DateField(read_only=True, allow_null=True)
    validFromTime = serializers.IntegerField(read_only=True, allow_null=True)
    validUntilTime = serializers.IntegerField(read_only=True, allow_null=True)
    dayOfWeekList = serializers.ListField(
        child=serializers.ChoiceField(choices=DAYS), read_only=True
    )


class LocationValidityDocumentSerializer(serializers.Serializer):
    stores = serializers.ListField(child=serializers.CharField(), read_only=True)
    distChains = serializers.ListField(child=serializers.CharField(), read_only=True)


class DiscountDocumentSerializer(serializers.Serializer):
    """A discount as the API answers it, with the answer's status."""

    discountId = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    rate = serializers.IntegerField(read_only=True)
    type = serializers.ChoiceField(choices=TYPES, read_only=True)
    properties = PropertiesDocumentSerializer(read_only=True)
    temporalValidity = TemporalValidityDocumentSerializer(read_only=True)
    locationValidity = LocationValidityDocumentSerializer(read_only=True)
    apiResponseStatus = ApiResponseStatusSerializer(read_only=True)


class DeletedSerializer(serializers.Serializer):
    apiResponseStatus = ApiResponseStatusSerializer(read_only=True)


class DiscountEntrySerializer(serializers.Serializer):
    """A discount in the list: its document without apiResponseStatus."""

    discountId = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    rate = serializers.IntegerField(read_only=True)
    type = serializers.ChoiceField(choices=TYPES, read_only=True)
    properties = PropertiesDocumentSerializer(read_only=True)
    temporalValidity = TemporalValidityDocumentSerializer(read_only=True)
    locationValidity = LocationValidityDocumentSerializer(read_only=True)


class DiscountPageSerializer(serializers.Serializer):
    """One page of the discounts, in discount id order."""

    discounts = DiscountEntrySerializer(many=True, read_only=True)
    page = serializers.IntegerField(read_only=True)
    pageSize = serializers.IntegerField(read_only=True)
    totalElements = serializers.IntegerField(read_only=True)
    totalPages = serializers.IntegerField(read_only=True)
    next = serializers.CharField(read_only=True, allow_null=True)
    previous = serializers.CharField(read_only=True, allow_null=True)
    apiResponseStatus = ApiResponseStatusSerializer(read_only=True)


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(read_only=True, allow_null=True)
    message = serializers.CharField(read_only=True)


class ErrorSerializer(serializers.Serializer):
    """An error answer: our code, a message naming the first field in error, and every field."""

    apiResponseStatus = ApiResponseStatusSerializer(read_only=True)
    errors = FieldErrorSerializer(many=True, read_only=True)
