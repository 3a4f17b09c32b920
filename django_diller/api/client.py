"""The Diller clients: :class:`DillerClient` (sync) and :class:`AsyncDillerClient` (asyncio).

Both expose the same methods, one per API operation (:class:`DillerOperations`); on the async
client each returns an awaitable. Store-scoped operations use the configured store unless a
``store_id`` is passed, which the set-up screen needs before a store is chosen.

Every method returns typed wire models or raises a :mod:`~django_diller.api.errors` error. An
``ActionResponse`` with ``is_ok = false`` raises :class:`~django_diller.api.errors.DillerRefused`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any

import httpx2

from .. import __version__
from . import logs
from . import models as m
from .auth import (
    AsyncTokenProvider,
    MemoryTokenStore,
    RunSync,
    TokenProvider,
    TokenSettings,
    TokenStore,
    TokenUnavailable,
)
from .breaker import CircuitBreaker
from .calls import Attempts, PreparedCall, interpret, prepare
from .deadline import TokensWithin, limit_request, too_late
from .errors import DillerAuthError, DillerError, DillerUnavailable
from .operations import OPERATIONS
from .retry import Deadline, DeadlinePassed, RetryPolicy


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.0
    read: float = 10.0

    def for_httpx(self) -> httpx2.Timeout:
        return httpx2.Timeout(connect=self.connect, read=self.read, write=self.read, pool=self.read)


@dataclass(frozen=True)
class ClientConfig:
    """How to reach Diller. ``time_zone``: the store's, in which date-times Diller sends
    without an offset are read (every date-time the client returns is aware)."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    store_id: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token_refresh_margin: float = 60.0
    time_zone: tzinfo = UTC

    def token_settings(self) -> TokenSettings:
        one_fetch = self.timeouts.connect + self.timeouts.read + 5.0
        return TokenSettings(
            base_url=self.base_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            refresh_margin=self.token_refresh_margin,
            lock_ttl=one_fetch,
            lock_wait=one_fetch,
        )


USER_AGENT = f"django-diller/{__version__}"

logs.install()


class DillerOperations:
    """One method per operation of the Diller Retailer API v2.0."""

    store_id: str | None

    def _call(self, operation_id: str, path: dict[str, Any], query=None, body=None) -> Any:
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


def _http_kwargs(config: ClientConfig) -> dict[str, Any]:
    return {
        "base_url": config.base_url.rstrip("/"),
        "timeout": config.timeouts.for_httpx(),
        "headers": {"User-Agent": USER_AGENT},
        "follow_redirects": False,
    }


class DillerClient(DillerOperations):
    """Synchronous Diller client, for views, tasks and commands. Thread-safe.

    ``breaker``: see :meth:`with_deadline`; every answer from Diller is reported to it.
    """

    deadline: float | None = None

    def __init__(
        self,
        config: ClientConfig,
        *,
        token_store: TokenStore | None = None,
        transport: httpx2.BaseTransport | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        self.config = config
        self.breaker = breaker
        self.store_id = config.store_id
        self._http = httpx2.Client(transport=transport, **_http_kwargs(config))
        self.tokens = TokenProvider(
            config.token_settings(),
            token_store or MemoryTokenStore(),
            config.timeouts.for_httpx(),
            transport=transport,
        )

    def for_store(self, store_id: str) -> DillerClient:
        """The same connection and tokens, addressing another store."""
        other = object.__new__(DillerClient)
        other.__dict__.update(self.__dict__)
        other.store_id = store_id
        return other

    def with_deadline(self, seconds: float | None) -> DillerClient:
        """The same client for calls someone waits for (None: calls nobody waits for).

        Each call then takes at most ``seconds`` in all, retries and the token fetch
        included, and raises ``DillerTimeout`` or ``DillerUnavailable`` when they are up; the
        circuit breaker, when open, refuses it at once (``CircuitOpen``), and its failures
        count towards opening it.
        """
        other = object.__new__(DillerClient)
        other.__dict__.update(self.__dict__)
        other.deadline = seconds
        return other

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DillerClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self, call: PreparedCall, token: str, deadline: Deadline | None):
        request = call.build_request(self._http, token)
        if deadline is not None:
            deadline.check()
            limit_request(request, self._http.timeout, deadline)
        return request

    def _send_once(self, call: PreparedCall, deadline: Deadline | None = None) -> httpx2.Response:
        tokens = self.tokens if deadline is None else TokensWithin(self.tokens, deadline)
        token = tokens.get()
        response = self._http.send(self._request(call, token, deadline))
        if response.status_code != 401:
            return response
        # The token expired early or was revoked: fetch a new one once, then give up.
        token = tokens.get(stale=token)
        response = self._http.send(self._request(call, token, deadline))
        if response.status_code == 401:
            raise DillerAuthError(
                "Diller refused a freshly fetched token",
                operation=call.operation.operation_id,
                status=401,
            )
        return response

    def _call(self, operation_id: str, path: dict[str, Any], query=None, body=None) -> Any:
        call = prepare(OPERATIONS[operation_id], path, query, body)
        deadline = None if self.deadline is None else Deadline(self.deadline)
        guard = self.breaker if deadline is not None else None
        probe = guard.admit(operation_id) if guard is not None else False
        try:
            result = self._attempts(call, deadline)
        except DillerUnavailable:
            if guard is not None:
                guard.failed(probe=probe)
            raise
        except DillerError:  # Diller answered, if not as hoped
            if self.breaker is not None:
                self.breaker.succeeded()
            raise
        if self.breaker is not None:
            self.breaker.succeeded()
        return result

    def _attempts(self, call: PreparedCall, deadline: Deadline | None) -> Any:
        policy = self.config.retry if deadline is None else deadline.bound(self.config.retry)
        attempts = Attempts(call.operation, policy)
        while True:
            attempts.begin()
            try:
                response = self._send_once(call, deadline)
            except TokenUnavailable as exc:
                delay = attempts.after_token_failure(exc)
            except httpx2.TransportError as exc:
                delay = attempts.after_error(exc)
            except DeadlinePassed:
                operation_id = call.operation.operation_id
                raise too_late(operation_id, deadline, lost_answer=attempts.lost_answer) from None
            else:
                delay = attempts.after_response(response)
                if delay is None:
                    return interpret(
                        call.operation,
                        response,
                        retried=attempts.lost_answer,
                        time_zone=self.config.time_zone,
                    )
            time.sleep(delay)


class AsyncDillerClient(DillerOperations):
    """Asyncio Diller client with the same methods as :class:`DillerClient` (awaitable)."""

    deadline: float | None = None

    def __init__(
        self,
        config: ClientConfig,
        *,
        token_store: TokenStore | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        run_sync: RunSync | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        """``run_sync`` runs the (synchronous) token store and breaker off the event loop; see
        :class:`~django_diller.api.auth.AsyncTokenProvider`. ``breaker``: see
        :meth:`DillerClient.with_deadline`.

        An async client belongs to the event loop it is first used in (its connection pool
        does): create one per loop.
        """
        self.config = config
        self.breaker = breaker
        self.store_id = config.store_id
        self._http = httpx2.AsyncClient(transport=transport, **_http_kwargs(config))
        provider_kwargs = {"run_sync": run_sync} if run_sync else {}
        self.tokens = AsyncTokenProvider(
            config.token_settings(),
            token_store or MemoryTokenStore(),
            config.timeouts.for_httpx(),
            transport=transport,
            **provider_kwargs,
        )

    def for_store(self, store_id: str) -> AsyncDillerClient:
        other = object.__new__(AsyncDillerClient)
        other.__dict__.update(self.__dict__)
        other.store_id = store_id
        return other

    def with_deadline(self, seconds: float | None) -> AsyncDillerClient:
        """As :meth:`DillerClient.with_deadline`."""
        other = object.__new__(AsyncDillerClient)
        other.__dict__.update(self.__dict__)
        other.deadline = seconds
        return other

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncDillerClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _request(self, call: PreparedCall, token: str, deadline: Deadline | None):
        request = call.build_request(self._http, token)
        if deadline is not None:
            deadline.check()
            limit_request(request, self._http.timeout, deadline, asynchronous=True)
        return request

    async def _token(self, deadline: Deadline | None, stale: str | None = None) -> str:
        if deadline is None:
            return await self.tokens.get(stale)
        try:
            async with asyncio.timeout(deadline.check()):
                return await self.tokens.get(stale)
        except TimeoutError:
            raise DeadlinePassed from None

    async def _send_once(
        self, call: PreparedCall, deadline: Deadline | None = None
    ) -> httpx2.Response:
        token = await self._token(deadline)
        response = await self._http.send(self._request(call, token, deadline))
        if response.status_code != 401:
            return response
        token = await self._token(deadline, stale=token)
        response = await self._http.send(self._request(call, token, deadline))
        if response.status_code == 401:
            raise DillerAuthError(
                "Diller refused a freshly fetched token",
                operation=call.operation.operation_id,
                status=401,
            )
        return response

    async def _call(self, operation_id: str, path: dict[str, Any], query=None, body=None) -> Any:
        call = prepare(OPERATIONS[operation_id], path, query, body)
        deadline = None if self.deadline is None else Deadline(self.deadline)
        guard = self.breaker if deadline is not None else None
        run_sync = self.tokens.run_sync
        probe = await run_sync(guard.admit, operation_id) if guard is not None else False
        try:
            result = await self._attempts(call, deadline)
        except DillerUnavailable:
            if guard is not None:
                await run_sync(functools.partial(guard.failed, probe=probe))
            raise
        except DillerError:  # Diller answered, if not as hoped
            if self.breaker is not None:
                await run_sync(self.breaker.succeeded)
            raise
        if self.breaker is not None:
            await run_sync(self.breaker.succeeded)
        return result

    async def _attempts(self, call: PreparedCall, deadline: Deadline | None) -> Any:
        policy = self.config.retry if deadline is None else deadline.bound(self.config.retry)
        attempts = Attempts(call.operation, policy)
        while True:
            attempts.begin()
            try:
                response = await self._send_once(call, deadline)
            except TokenUnavailable as exc:
                delay = attempts.after_token_failure(exc)
            except httpx2.TransportError as exc:
                delay = attempts.after_error(exc)
            except DeadlinePassed:
                operation_id = call.operation.operation_id
                raise too_late(operation_id, deadline, lost_answer=attempts.lost_answer) from None
            else:
                delay = attempts.after_response(response)
                if delay is None:
                    return interpret(
                        call.operation,
                        response,
                        retried=attempts.lost_answer,
                        time_zone=self.config.time_zone,
                    )
            await asyncio.sleep(delay)
