"""The Discount API's endpoints, with the document's paths (``urls.py``) and answers.

Every view authenticates with a django-oauth-toolkit bearer token only, checks the method's
scope (:mod:`.permissions`), reads and answers JSON only, and answers errors with
:func:`.errors.exception_handler`, whatever the shop's ``REST_FRAMEWORK`` defaults are; only
its throttling (``DEFAULT_THROTTLE_CLASSES``) applies, if it has any.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Discount
from ..validation import MAX_ID_LENGTH
from . import changes, codes, serializers
from .codes import Status
from .errors import ApiError, exception_handler
from .pagination import MAX_PAGE, MAX_PAGE_SIZE, PAGE, PAGE_SIZE, paginate
from .permissions import DiscountScopes, actor

ERROR = serializers.ErrorSerializer
NAMESPACE = "diller_discountapi"
TAGS = ["discounts"]


def answer(status: Status, discount: Discount | None = None) -> Response:
    """A success answer: the discount's document (if any) and the status."""
    data: dict[str, Any] = discount.to_document() if discount is not None else {}
    data["apiResponseStatus"] = status.as_dict()
    return Response(data, status=status.http_status)


def ok(serializer: type, status: Status) -> dict[int, OpenApiResponse]:
    """The OpenAPI response of an operation's success."""
    return {status.http_status: OpenApiResponse(serializer, description=status.code)}


def error_responses(*statuses: Status) -> dict[int, OpenApiResponse]:
    """The OpenAPI responses of the errors an operation may answer, by HTTP status."""
    found: dict[int, list[str]] = {}
    for status in (codes.NOT_AUTHENTICATED, codes.MISSING_SCOPE, *statuses):
        found.setdefault(status.http_status, []).append(status.code)
    return {
        http: OpenApiResponse(ERROR, description=", ".join(sorted(names)))
        for http, names in found.items()
    }


BODY_ERRORS = (codes.INVALID_BODY, codes.MALFORMED_BODY, codes.UNSUPPORTED_MEDIA_TYPE)


def valid(serializer_class: type, request: Request, **kwargs: Any) -> dict[str, Any]:
    """The request body read by ``serializer_class`` (400 naming the fields in error)."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DiscountApiView(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [DiscountScopes]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    versioning_class = None
    metadata_class = None  # no OPTIONS answer outside the document's style

    @property
    def allowed_methods(self) -> list[str]:
        return [method for method in super().allowed_methods if method != "OPTIONS"]

    def get_exception_handler(self) -> Any:
        return exception_handler


class DiscountList(DiscountApiView):
    @extend_schema(
        operation_id="listDiscounts",
        summary="List the discounts, a page at a time",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                PAGE,
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                description="The page, from 1.",
                required=False,
            ),
            OpenApiParameter(
                PAGE_SIZE,
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                description=f"Discounts per page, 1 to {MAX_PAGE_SIZE} (50 by default).",
                required=False,
            ),
        ],
        responses={
            **ok(serializers.DiscountPageSerializer, codes.LISTED),
            **error_responses(codes.INVALID_QUERY),
        },
    )
    def get(self, request: Request) -> Response:
        page = paginate(request, Discount.objects.order_by("discount_id"))
        return Response(
            {
                "discounts": [discount.to_document() for discount in page.items],
                "page": page.number,
                "pageSize": page.size,
                "totalElements": page.total,
                "totalPages": page.total_pages,
                "next": page.next,
                "previous": page.previous,
                "apiResponseStatus": codes.LISTED.as_dict(),
            }
        )

    @extend_schema(
        operation_id="createDiscount",
        summary="Create a discount",
        tags=TAGS,
        request=serializers.DiscountSerializer,
        responses={
            **ok(serializers.DiscountDocumentSerializer, codes.CREATED),
            **error_responses(*BODY_ERRORS, codes.DUPLICATE_ID),
        },
    )
    def post(self, request: Request) -> Response:
        values = valid(serializers.DiscountSerializer, request)
        discount = changes.create(values, actor=actor(request))
        response = answer(codes.CREATED, discount)
        location = reverse(
            f"{NAMESPACE}:discount",
            kwargs={"discountId": discount.discount_id},
            current_app=request.resolver_match.namespace if request.resolver_match else None,
        )
        response["Location"] = request.build_absolute_uri(location)
        return response


ID_SCHEMA = {"type": "string", "pattern": serializers.ID_PATTERN, "maxLength": MAX_ID_LENGTH}
DISCOUNT_ID = OpenApiParameter(
    "discountId", ID_SCHEMA, OpenApiParameter.PATH, description="The discount's id."
)


class DiscountDetail(DiscountApiView):
    @extend_schema(
        operation_id="getDiscount",
        summary="Get a discount",
        tags=TAGS,
        parameters=[DISCOUNT_ID],
        responses={
            **ok(serializers.DiscountDocumentSerializer, codes.RETRIEVED),
            **error_responses(codes.DISCOUNT_NOT_FOUND),
        },
    )
    def get(self, request: Request, discountId: str) -> Response:
        return answer(codes.RETRIEVED, changes.found(discountId))

    @extend_schema(
        operation_id="updateDiscount",
        summary="Change some of a discount's attributes",
        description=(
            "Every attribute but `discountId` (which may be sent, unchanged). A list sent "
            "replaces the discount's list; the `combinableWith`, `stores` and `distchains` "
            "endpoints add to one."
        ),
        tags=TAGS,
        parameters=[DISCOUNT_ID],
        request=serializers.DiscountSerializer,
        responses={
            **ok(serializers.DiscountDocumentSerializer, codes.UPDATED),
            **error_responses(*BODY_ERRORS, codes.DISCOUNT_NOT_FOUND),
        },
    )
    def patch(self, request: Request, discountId: str) -> Response:
        values = valid(serializers.DiscountSerializer, request, partial=True)
        if values.pop("discount_id", discountId) != discountId:
            message = gettext("The discount id cannot be changed.")
            raise ApiError(codes.INVALID_BODY, errors=[("discountId", message)])
        discount = changes.update(discountId, values, actor=actor(request))
        return answer(codes.UPDATED, discount)

    @extend_schema(
        operation_id="deleteDiscount",
        summary="Delete a discount",
        tags=TAGS,
        parameters=[DISCOUNT_ID],
        responses={
            **ok(serializers.DeletedSerializer, codes.DELETED),
            **error_responses(codes.DISCOUNT_NOT_FOUND),
        },
    )
    def delete(self, request: Request, discountId: str) -> Response:
        changes.delete(discountId, actor=actor(request))
        return answer(codes.DELETED)


class ListAdd(DiscountApiView):
    """``POST /discounts/{discountId}/<list>``: add ids to one of the discount's lists."""

    field = ""  # the model's field
    key = ""  # the body's key

    def post(self, request: Request, discountId: str) -> Response:
        serializer_class = BODIES[self.key]
        ids = valid(serializer_class, request)[self.key]
        discount = changes.add(discountId, self.field, ids, body_key=self.key, actor=actor(request))
        return answer(codes.UPDATED, discount)


class ListRemove(DiscountApiView):
    """``DELETE /discounts/{discountId}/<list>/{id}``: remove one id from one of its lists."""

    field = ""  # the model's field
    item = ""  # the path's name of the id to remove

    def delete(self, request: Request, discountId: str, **kwargs: str) -> Response:
        discount = changes.remove(discountId, self.field, kwargs[self.item], actor=actor(request))
        return answer(codes.UPDATED, discount)


BODIES: dict[str, type] = {
    "combinableWith": serializers.CombinableWithSerializer,
    "stores": serializers.StoresSerializer,
    "distChains": serializers.DistChainsSerializer,
}


def list_views(field: str, key: str, item: str, what: str, one: str) -> tuple[Any, Any]:
    """The add and remove views of one list, each with its own OpenAPI operation."""
    add_schema = extend_schema(
        operation_id=f"add{key[0].upper()}{key[1:]}",
        summary=f"Add {what} to a discount",
        description=f"Adds {what} after those the discount holds; ids it holds already are "
        "not repeated.",
        tags=TAGS,
        parameters=[DISCOUNT_ID],
        request=BODIES[key],
        responses={
            **ok(serializers.DiscountDocumentSerializer, codes.UPDATED),
            **error_responses(*BODY_ERRORS, codes.DISCOUNT_NOT_FOUND),
        },
    )
    remove_schema = extend_schema(
        operation_id=f"remove{key[0].upper()}{key[1:]}",
        summary=f"Remove one of {what} from a discount",
        description=f"404 ({codes.ENTRY_NOT_FOUND.code}) if the discount does not hold it.",
        tags=TAGS,
        parameters=[
            DISCOUNT_ID,
            OpenApiParameter(item, ID_SCHEMA, OpenApiParameter.PATH, description=one),
        ],
        responses={
            **ok(serializers.DiscountDocumentSerializer, codes.UPDATED),
            **error_responses(codes.DISCOUNT_NOT_FOUND, codes.ENTRY_NOT_FOUND),
        },
    )

    # A function of its own per view: extend_schema marks the function it decorates.
    def post(self: ListAdd, request: Request, discountId: str) -> Response:
        return ListAdd.post(self, request, discountId)

    def delete(self: ListRemove, request: Request, discountId: str, **kwargs: str) -> Response:
        return ListRemove.delete(self, request, discountId, **kwargs)

    adder = type(
        f"Add{key[0].upper()}{key[1:]}",
        (ListAdd,),
        {"field": field, "key": key, "post": add_schema(post)},
    )
    remover = type(
        f"Remove{key[0].upper()}{key[1:]}",
        (ListRemove,),
        {"field": field, "item": item, "delete": remove_schema(delete)},
    )
    return adder, remover


AddCombinableWith, RemoveCombinableWith = list_views(
    "combinable_with",
    "combinableWith",
    "otherId",
    "discounts it combines with",
    "The id of a discount it combines with.",
)
AddStores, RemoveStores = list_views("stores", "stores", "storeId", "stores", "A store number.")
AddDistChains, RemoveDistChains = list_views(
    "dist_chains", "distChains", "distChain", "distribution chains", "A distribution chain."
)
