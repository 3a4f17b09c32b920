"""Every operation of the Diller Retailer API v2.0: method, path, idempotency, answer type.

``tests/api/test_operations_contract.py`` checks this table against ``diller-openapi.yaml``.

An operation is *idempotent* when sending it twice has the same effect as sending it once, so
the client may retry it after a timeout or a 5xx. The others (creating members, transactions,
refunds, sending SMS codes, checking a one-time code) are retried only when the request
certainly never reached Diller (no connection, or a 429 that refused it unprocessed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import models as m

STORE = "/api/v2.0/stores/{storeId}"
MEMBER = STORE + "/members/{memberId}"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    idempotent: bool
    response: Any  # a WireModel class, ``list[Model]``, or None for an empty answer

    @property
    def is_action(self) -> bool:
        """Answers ``ActionResponse``: ``is_ok = false`` is a refusal."""
        return self.response is m.ActionResponse


def _op(
    operation_id: str, method: str, path: str, response: Any, *, idempotent: bool | None = None
) -> Operation:
    if idempotent is None:
        idempotent = method in {"GET", "PUT", "DELETE"}
    return Operation(operation_id, method, path, idempotent, response)


OPERATIONS: dict[str, Operation] = {
    op.operation_id: op
    for op in (
        # Stores and their set-up data
        _op("getAll", "GET", "/api/v2.0/stores", list[m.StoreResponse]),
        _op("get", "GET", STORE, m.StoreResponse),
        _op("getStoreCoupons", "GET", STORE + "/coupons", list[m.StoreCouponResponse]),
        _op("createDepartment", "POST", STORE + "/departments", list[m.StoreDepartmentResponse]),
        _op("getDepartments", "GET", STORE + "/departments", list[m.StoreDepartmentResponse]),
        _op("getSegments", "GET", STORE + "/segments", list[m.StoreSegmentResponse]),
        _op(
            "getStoreMembershipLevel",
            "GET",
            STORE + "/membership-level",
            list[m.StoreMembershipLevelResponse],
        ),
        _op("getStoreStamps", "GET", STORE + "/stamp-cards", list[m.StoreStampCardResponse]),
        # Members
        _op("registerMember", "POST", STORE + "/members", m.MemberResponse),
        _op("enrollMember", "POST", STORE + "/members/enroll", m.MemberResponse),
        _op("getMemberByFilter", "GET", STORE + "/members/search", list[m.MemberResponse]),
        _op("deleteMember", "DELETE", MEMBER, m.ActionResponse),
        _op("getMemberById", "GET", MEMBER, m.MemberResponse),
        _op("updateMember", "PUT", MEMBER, m.MemberResponse),
        _op("loginOTP", "POST", MEMBER + "/login-otp", m.ActionResponse),
        _op("loginOtpVerification", "POST", MEMBER + "/login-otp-verification", m.ActionResponse),
        _op("resetPhone", "POST", MEMBER + "/reset-phone", m.ActionResponse),
        _op(
            "resetPhoneVerification", "POST", MEMBER + "/reset-phone-verification", m.ActionResponse
        ),
        _op("getWidgetProfile", "GET", MEMBER + "/widgets/profile", m.MemberProfileWidgetResponse),
        _op("getDependents", "GET", MEMBER + "/dependents", list[m.Dependent]),
        # Replaces the whole list of dependents: sending it twice changes nothing more.
        _op("updateDependents", "POST", MEMBER + "/dependents", None, idempotent=True),
        _op("getReferrals", "GET", MEMBER + "/invited-friend", list[m.InvitedFriendResponse]),
        _op("getInvitedFriends", "GET", MEMBER + "/invited-friends", list[m.InvitedFriendResponse]),
        # Coupons: a reservation is keyed by the order's external transaction id, so reserving
        # or releasing again for the same order is harmless.
        _op("getMemberCoupons", "GET", MEMBER + "/coupons", list[m.MemberCouponResponse]),
        _op("validateCoupon", "GET", MEMBER + "/coupons/{couponCode}/validate", m.ActionResponse),
        _op(
            "reserveCoupon",
            "POST",
            MEMBER + "/coupons/{couponCode}/reserve",
            m.ActionResponse,
            idempotent=True,
        ),
        _op(
            "cancelCouponReservation",
            "POST",
            MEMBER + "/coupons/{couponCode}/cancel-reservation",
            m.ActionResponse,
            idempotent=True,
        ),
        # Stamp cards
        _op("getMemberStampCards", "GET", MEMBER + "/stamp-cards", list[m.MemberStampCard]),
        _op(
            "reserveStamp",
            "POST",
            MEMBER + "/stamp-cards/{stampId}/reserve",
            m.ActionResponse,
            idempotent=True,
        ),
        _op(
            "cancelStampReservation",
            "POST",
            MEMBER + "/stamp-cards/{stampId}/cancel-reservation",
            m.ActionResponse,
            idempotent=True,
        ),
        # Transactions
        _op("createTransaction", "POST", MEMBER + "/transactions", m.ActionResponse),
        _op(
            "createRefundTransaction",
            "POST",
            MEMBER + "/transactions/{transactionId}/refund",
            m.ActionResponse,
        ),
        _op(
            "cancelTransaction",
            "POST",
            STORE + "/transactions/{externalTransactionId}/cancel",
            m.ActionResponse,
        ),
        # Products that earn no points
        _op(
            "addBatchNonEligibleProducts",
            "POST",
            STORE + "/non-eligible-products",
            list[m.NonEligibleProductResponse],
        ),
        _op(
            "getNonEligibleProducts",
            "GET",
            STORE + "/non-eligible-products",
            m.NonEligibleProductResponsePaginatedDataResponse,
        ),
        _op(
            "updateBatchNonEligibleProducts",
            "PUT",
            STORE + "/non-eligible-products",
            m.ActionResponse,
        ),
        _op(
            "deleteNonEligibleProduct",
            "DELETE",
            STORE + "/non-eligible-products/{nonEligibleProductId}",
            m.ActionResponse,
        ),
    )
}
