"""The async client: the same surface as the sync one, awaitable, concurrent."""

import asyncio
import inspect

import pytest

from django_diller.api import (
    AsyncDillerClient,
    DillerClient,
    DillerNotFound,
    DillerRefused,
    DillerTimeout,
    DillerUnavailable,
)
from django_diller.api import models as m
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID


def public_methods(cls):
    return {
        name
        for name, value in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    } - {"close", "aclose"}


def test_both_clients_offer_the_same_operations():
    assert public_methods(DillerClient) == public_methods(AsyncDillerClient)
    assert len(public_methods(DillerClient) - {"for_store", "with_deadline"}) == 37


def test_coupons_and_stamp_cards_in_one_round_trip(async_client, sandbox):
    async def fetch():
        async with async_client:
            return await asyncio.gather(
                async_client.get_member_coupons(SEED_MEMBER_ID),
                async_client.get_member_stamp_cards(SEED_MEMBER_ID),
            )

    coupons, cards = asyncio.run(fetch())
    assert {c.code for c in coupons} >= {"PCT10", "FIXED50"}
    assert {c.id for c in cards} >= {101, 102}
    assert sandbox.token_requests == 1


def test_async_errors_and_retries_match_the_sync_client(async_client, sandbox, monkeypatch):
    waits = []

    async def no_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr("django_diller.api.client.asyncio.sleep", no_sleep)

    async def scenario():
        async with async_client:
            assert (await async_client.get_store()).id == SEED_STORE_ID
            with pytest.raises(DillerNotFound):
                await async_client.get_member("nobody")
            with pytest.raises(DillerRefused):
                await async_client.validate_coupon(SEED_MEMBER_ID, "EXPIRED15")
            with sandbox.inject(error_rate=1.0, max_faults=1, only_operations={"getSegments"}):
                assert await async_client.get_segments()
            with sandbox.inject(error_rate=1.0, only_operations={"getSegments"}):
                with pytest.raises(DillerUnavailable):
                    await async_client.get_segments()
            request = m.CreateTransactionRequest(external_id="A-1", total=1, currency="NOK")
            with sandbox.inject(timeout_rate=1.0, only_operations={"createTransaction"}):
                with pytest.raises(DillerTimeout):
                    await async_client.create_transaction(SEED_MEMBER_ID, request)

    asyncio.run(scenario())
    assert len(sandbox.requests_for("createTransaction")) == 1
    assert len(waits) == 3  # one retry that worked, two before giving up
