"""Date-times in Diller's answers are always parsed timezone-aware.

The contract's ``format: date-time`` wants an offset, but Diller sends some dates without one
(a naive ``valid_to``). Those are read in the store's time zone (``ClientConfig.time_zone``), so
comparing them with the current time never raises ``TypeError``.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from django_diller.api import AsyncDillerClient, DillerClient, DillerResponseError
from django_diller.sandbox import AsyncSandboxTransport, SandboxTransport
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID

from .conftest import make_config

OSLO = ZoneInfo("Europe/Oslo")
COUPON = {"code": "X", "title": "A coupon", "type": "Standard"}


@pytest.fixture
def oslo_client(sandbox):
    config = make_config(time_zone=OSLO)
    with DillerClient(config, transport=SandboxTransport(sandbox)) as diller:
        yield diller


def store(sandbox):
    return sandbox.state.stores[SEED_STORE_ID]


def has_offset(text: str) -> bool:
    return text.endswith("Z") or text[-6] in "+-"


# The sandbox's naive_dates setting ----------------------------------------------------------


def test_the_sandbox_can_answer_dates_without_an_offset_in_the_stores_zone(client, sandbox):
    sandbox.naive_dates = True
    client.get_member_coupons(SEED_MEMBER_ID)
    (answer,) = sandbox.requests_for("getMemberCoupons")
    sent = {c["code"]: c["valid_to"] for c in answer.response_json}
    assert sent and not any(has_offset(text) for text in sent.values())
    coupon = store(sandbox).coupons["PCT10"]
    wall_clock = coupon.valid_to.astimezone(OSLO).replace(tzinfo=None)  # the store's zone
    assert sent["PCT10"] == wall_clock.isoformat(timespec="seconds")


def test_by_default_the_sandbox_sends_offsets_and_the_setting_survives_a_reset(client, sandbox):
    client.get_member_coupons(SEED_MEMBER_ID)
    (answer,) = sandbox.requests_for("getMemberCoupons")
    assert all(has_offset(c["valid_to"]) for c in answer.response_json)
    sandbox.naive_dates = True
    sandbox.reset()
    assert sandbox.naive_dates is True


# Reading them -------------------------------------------------------------------------------


def test_naive_dates_are_read_in_the_stores_time_zone(oslo_client, sandbox):
    sandbox.naive_dates = True
    coupons = {c.code: c for c in oslo_client.get_member_coupons(SEED_MEMBER_ID)}
    state = store(sandbox).coupons["PCT10"]
    parsed = coupons["PCT10"]
    assert parsed.valid_to.tzinfo == OSLO
    assert parsed.valid_to == state.valid_to.replace(microsecond=0)  # the same instant
    assert parsed.valid_from < datetime.now(UTC) < parsed.valid_to  # comparable: no TypeError


def test_every_kind_of_answer_gets_aware_dates(oslo_client, sandbox):
    sandbox.naive_dates = True
    cards = oslo_client.get_member_stamp_cards(SEED_MEMBER_ID)
    store_cards = oslo_client.get_store_stamp_cards()
    store_coupons = oslo_client.get_store_coupons()
    member = oslo_client.get_member(SEED_MEMBER_ID)
    dates = [
        *(d for card in [*cards, *store_cards] for d in (card.valid_from, card.valid_to)),
        *(d for coupon in store_coupons for d in (coupon.valid_from, coupon.valid_to)),
        member.birth_date,
    ]
    assert dates and all(d is not None and d.utcoffset() is not None for d in dates)
    assert member.birth_date.date().isoformat() == "1970-01-01"  # a date stays that date


def test_a_naive_summer_date_gets_summer_time(oslo_client, sandbox):
    sandbox.override_response(
        "getMemberCoupons",
        200,
        [{**COUPON, "valid_from": "2026-07-01T00:00:00", "valid_to": "2026-12-31T23:59:59"}],
    )
    (coupon,) = oslo_client.get_member_coupons(SEED_MEMBER_ID)
    assert coupon.valid_from.utcoffset() == timedelta(hours=2)
    assert coupon.valid_to.utcoffset() == timedelta(hours=1)
    assert coupon.valid_to == datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)


def test_a_date_with_an_offset_is_kept_as_sent(oslo_client, sandbox):
    sandbox.override_response(
        "getMemberCoupons",
        200,
        [{**COUPON, "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2026-01-31T12:00:00+05:00"}],
    )
    (coupon,) = oslo_client.get_member_coupons(SEED_MEMBER_ID)
    assert coupon.valid_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert coupon.valid_to.utcoffset() == timedelta(hours=5)


def test_dotnet_precision_and_bare_dates_are_read_in_the_stores_zone_too(oslo_client, sandbox):
    sandbox.override_response(
        "getMemberCoupons",
        200,
        [{**COUPON, "valid_from": "2026-01-01", "valid_to": "2026-01-31T23:59:59.9999999"}],
    )
    (coupon,) = oslo_client.get_member_coupons(SEED_MEMBER_ID)
    assert coupon.valid_from == datetime(2026, 1, 1, tzinfo=OSLO)
    assert coupon.valid_to == datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=OSLO)


def test_without_a_configured_zone_naive_dates_are_utc(client, sandbox):
    sandbox.override_response(
        "getMemberCoupons",
        200,
        [{**COUPON, "valid_from": "2026-01-01T00:00:00", "valid_to": "2026-01-31T00:00:00"}],
    )
    (coupon,) = client.get_member_coupons(SEED_MEMBER_ID)
    assert coupon.valid_from == datetime(2026, 1, 1, tzinfo=UTC)


def test_the_async_client_reads_naive_dates_in_the_stores_zone_too(sandbox):
    sandbox.naive_dates = True
    client = AsyncDillerClient(
        make_config(time_zone=OSLO), transport=AsyncSandboxTransport(sandbox)
    )

    async def coupons():
        async with client:
            return await client.get_member_coupons(SEED_MEMBER_ID)

    parsed = {c.code: c for c in asyncio.run(coupons())}
    assert parsed["PCT10"].valid_to.tzinfo == OSLO
    assert parsed["PCT10"].valid_to == store(sandbox).coupons["PCT10"].valid_to.replace(
        microsecond=0
    )


@pytest.mark.parametrize("value", ["31.12.2026", "2026-13-01T00:00:00", "", "soon"])
def test_a_malformed_date_is_a_response_error_naming_the_field(oslo_client, sandbox, value):
    sandbox.override_response(
        "getMemberCoupons",
        200,
        [{**COUPON, "valid_from": "2026-01-01T00:00:00", "valid_to": value}],
    )
    with pytest.raises(DillerResponseError) as caught:
        oslo_client.get_member_coupons(SEED_MEMBER_ID)
    assert caught.value.field == "[0].valid_to"
