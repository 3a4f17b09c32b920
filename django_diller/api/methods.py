"""One method per operation of the Diller Retailer API v2.0, shared by both clients.

:class:`DillerOperations` builds each call's path, query and body and hands it to the client's
``_call``, which answers with the operation's typed result: the value itself on
:class:`~django_diller.api.client.DillerClient`, an awaitable of it on
:class:`~django_diller.api.client.AsyncDillerClient`. So ``_call`` answers ``Any`` and each
method's annotation is what the operation answers (mypy's ``warn_return_any`` is off for this
module alone, see pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from . import models as m


class DillerOperations:
    """One method per operation of the Diller Retailer API v2.0."""

    store_id: str | None

    def _call(
        self,
        operation_id: str,
        path: dict[str, Any],
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        raise NotImplementedError

    def _store(self, store_id: str | None) -> dict[str, Any]:
        store = store_id or self.store_id
        if not store:
            raise ValueError("no Diller store id: configure one or pass store_id")
        return {"storeId": store}

    def _member(self, member_id: str, store_id: str | None = None) -> dict[str, Any]:
        if not member_id:
            raise ValueError("member_id is required")
        return {**self._store(store_id), "memberId": member_id}

    # Stores ---------------------------------------------------------------------------------
    def get_stores(self) -> list[m.StoreResponse]:
        """The stores these credentials reach."""
        return self._call("getAll", {})

    def get_store(self, *, store_id: str | None = None) -> m.StoreResponse:
        return self._call("get", self._store(store_id))

    def get_store_coupons(
        self, *, also_inactive: bool | None = None, store_id: str | None = None
    ) -> list[m.StoreCouponResponse]:
        return self._call("getStoreCoupons", self._store(store_id), {"alsoInactive": also_inactive})

    def create_department(
        self, request: m.CreateDepartmentRequest, *, store_id: str | None = None
    ) -> list[m.StoreDepartmentResponse]:
        return self._call("createDepartment", self._store(store_id), body=request)

    def get_departments(self, *, store_id: str | None = None) -> list[m.StoreDepartmentResponse]:
        return self._call("getDepartments", self._store(store_id))

    def get_segments(self, *, store_id: str | None = None) -> list[m.StoreSegmentResponse]:
        return self._call("getSegments", self._store(store_id))

    def get_membership_levels(
        self, *, store_id: str | None = None
    ) -> list[m.StoreMembershipLevelResponse]:
        return self._call("getStoreMembershipLevel", self._store(store_id))

    def get_store_stamp_cards(
        self, *, also_inactive: bool | None = None, store_id: str | None = None
    ) -> list[m.StoreStampCardResponse]:
        return self._call("getStoreStamps", self._store(store_id), {"alsoInactive": also_inactive})

    # Members --------------------------------------------------------------------------------
    def register_member(self, request: m.RegisterMemberRequest) -> m.MemberResponse:
        return self._call("registerMember", self._store(None), body=request)

    def enroll_member(self, request: m.EnrollMemberRequest) -> m.MemberResponse:
        """Counter-style sign-up: Diller texts the person a link to finish registering."""
        return self._call("enrollMember", self._store(None), body=request)

    def search_members(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        identifier_value: str | None = None,
        activation_token: str | None = None,
    ) -> list[m.MemberResponse]:
        """Members matching exactly one key (an empty list when none)."""
        query = {
            "phone": phone,
            "email": email,
            "identifierValue": identifier_value,
            "activationToken": activation_token,
        }
        if sum(value is not None for value in query.values()) != 1:
            raise ValueError("search_members takes exactly one of its keys")
        return self._call("getMemberByFilter", self._store(None), query)

    def get_member(self, member_id: str) -> m.MemberResponse:
        return self._call("getMemberById", self._member(member_id))

    def update_member(self, member_id: str, request: m.UpdateMemberRequest) -> m.MemberResponse:
        return self._call("updateMember", self._member(member_id), body=request)

    def delete_member(self, member_id: str) -> m.ActionResponse:
        return self._call("deleteMember", self._member(member_id))

    def send_login_otp(self, member_id: str) -> m.ActionResponse:
        """Diller texts the member a one-time code."""
        return self._call("loginOTP", self._member(member_id))

    def verify_login_otp(self, member_id: str, otp_code: int) -> m.ActionResponse:
        """Raises ``DillerRefused`` when the code is wrong or expired."""
        body = m.LoginOtpVerificationRequest(otp_code=otp_code)
        return self._call("loginOtpVerification", self._member(member_id), body=body)

    def reset_phone(self, member_id: str, phone: m.Phone) -> m.ActionResponse:
        return self._call("resetPhone", self._member(member_id), body=phone)

    def verify_reset_phone(self, member_id: str, phone: m.Phone, otp_code: int) -> m.ActionResponse:
        body = m.ResetPhoneVerificationRequest(phone=phone, otp_code=otp_code)
        return self._call("resetPhoneVerification", self._member(member_id), body=body)

    def get_widget_profile(self, member_id: str) -> m.MemberProfileWidgetResponse:
        return self._call("getWidgetProfile", self._member(member_id))

    def get_dependents(self, member_id: str) -> list[m.Dependent]:
        return self._call("getDependents", self._member(member_id))

    def update_dependents(self, member_id: str, dependents: list[m.Dependent]) -> None:
        return self._call("updateDependents", self._member(member_id), body=list(dependents))

    def get_referrals(
        self, member_id: str, *, invitation_token: str | None = None
    ) -> list[m.InvitedFriendResponse]:
        query = {"invitationToken": invitation_token}
        return self._call("getReferrals", self._member(member_id), query)

    def get_invited_friends(self, member_id: str) -> list[m.InvitedFriendResponse]:
        return self._call("getInvitedFriends", self._member(member_id))

    # Coupons --------------------------------------------------------------------------------
    def get_member_coupons(self, member_id: str) -> list[m.MemberCouponResponse]:
        return self._call("getMemberCoupons", self._member(member_id))

    def validate_coupon(self, member_id: str, coupon_code: str) -> m.ActionResponse:
        """Raises ``DillerRefused`` (with Diller's reason) when the coupon can't be used."""
        path = {**self._member(member_id), "couponCode": coupon_code}
        return self._call("validateCoupon", path)

    def reserve_coupon(
        self, member_id: str, coupon_code: str, request: m.CouponReservationRequest
    ) -> m.ActionResponse:
        path = {**self._member(member_id), "couponCode": coupon_code}
        return self._call("reserveCoupon", path, body=request)

    def cancel_coupon_reservation(
        self, member_id: str, coupon_code: str, external_transaction_id: str
    ) -> m.ActionResponse:
        path = {**self._member(member_id), "couponCode": coupon_code}
        body = m.CouponCancelReservationRequest(external_transaction_id=external_transaction_id)
        return self._call("cancelCouponReservation", path, body=body)

    # Stamp cards ----------------------------------------------------------------------------
    def get_member_stamp_cards(self, member_id: str) -> list[m.MemberStampCard]:
        return self._call("getMemberStampCards", self._member(member_id))

    def reserve_stamp(
        self, member_id: str, stamp_card_id: int, request: m.StampReservationRequest
    ) -> m.ActionResponse:
        path = {**self._member(member_id), "stampId": stamp_card_id}
        return self._call("reserveStamp", path, body=request)

    def cancel_stamp_reservation(
        self, member_id: str, stamp_card_id: int, external_transaction_id: str
    ) -> m.ActionResponse:
        """Deprecated by Diller; kept because the API still offers it."""
        path = {**self._member(member_id), "stampId": stamp_card_id}
        body = m.CouponCancelReservationRequest(external_transaction_id=external_transaction_id)
        return self._call("cancelStampReservation", path, body=body)

    # Transactions ---------------------------------------------------------------------------
    def create_transaction(
        self, member_id: str, request: m.CreateTransactionRequest
    ) -> m.ActionResponse:
        return self._call("createTransaction", self._member(member_id), body=request)

    def create_refund_transaction(
        self, member_id: str, transaction_id: str, request: m.CreateRefundTransactionRequest
    ) -> m.ActionResponse:
        path = {**self._member(member_id), "transactionId": transaction_id}
        return self._call("createRefundTransaction", path, body=request)

    def cancel_transaction(
        self, external_transaction_id: str, reason: m.CancelationReason
    ) -> m.ActionResponse:
        """Fully reverses a transaction, coupons and stamps included."""
        path = {**self._store(None), "externalTransactionId": external_transaction_id}
        return self._call("cancelTransaction", path, body=reason)

    # Non-eligible products ------------------------------------------------------------------
    def add_non_eligible_products(
        self, items: list[m.AddNonEligibleProductRequest]
    ) -> list[m.NonEligibleProductResponse]:
        """At most 100 items per call."""
        return self._call("addBatchNonEligibleProducts", self._store(None), body=list(items))

    def get_non_eligible_products(
        self, *, offset: int | None = None, limit: int | None = None
    ) -> m.NonEligibleProductResponsePaginatedDataResponse:
        query = {"offset": offset, "limit": limit}
        return self._call("getNonEligibleProducts", self._store(None), query)

    def update_non_eligible_products(
        self, items: list[m.UpdateNonEligibleProductRequest]
    ) -> m.ActionResponse:
        return self._call("updateBatchNonEligibleProducts", self._store(None), body=list(items))

    def delete_non_eligible_product(self, non_eligible_product_id: int) -> m.ActionResponse:
        path = {**self._store(None), "nonEligibleProductId": non_eligible_product_id}
        return self._call("deleteNonEligibleProduct", path)
