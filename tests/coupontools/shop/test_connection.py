"""The shared Coupontools client: the embedded sandbox in tests, the configured host otherwise."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx2
import pytest
from django.test import override_settings

from django_diller.coupontools import connection
from django_diller.coupontools.api import CoupontoolsClient
from django_diller.coupontools.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_PUBLIC_URL,
    SEED_VOUCHER_AMOUNT,
)

REAL = {
    "BASE_URL": "https://coupons.example.com",
    "CLIENT_ID": "shop-client",
    "CLIENT_SECRET": "s3cr3t",
}


def test_the_sandbox_client_is_shared_and_talks_to_one_embedded_sandbox(coupontools):
    client = connection.get_client()
    assert connection.get_client() is client
    assert client.config.base_url == SANDBOX_PUBLIC_URL
    assert client.config.client_id == SANDBOX_CLIENT_ID
    assert connection.embedded_sandbox() is coupontools
    session = client.get_session(SEED_VOUCHER_AMOUNT)
    assert session.campaign_code == "gk50kr"
    assert session.state.value == "50"
    assert coupontools.requests[-1].operation_id == "couponsession_data"


def test_a_deadline_gives_a_bounded_copy_of_the_shared_client(coupontools):
    bounded = connection.get_client(deadline=2.0)
    assert bounded.deadline == 2.0 and connection.get_client().deadline is None


def test_the_settings_reach_the_client():
    settings = {
        **REAL,
        "BODY": "json",
        "SESSION_PARAMETER": "session",
        "UPDATE_PARAMETERS": {"action": "command", "validate": "use"},
        "EXPIRATION_TIME_ZONE": "Europe/Oslo",
        "CONNECT_TIMEOUT": 1.5,
        "READ_TIMEOUT": 7,
        "RETRY_ATTEMPTS": 2,
    }
    with override_settings(COUPONTOOLS=settings):
        config = connection.get_client().config
    assert (config.base_url, config.client_id, config.body) == (
        "https://coupons.example.com",
        "shop-client",
        "json",
    )
    assert config.session_parameter == "session"
    assert (config.update.action, config.update.validate, config.update.lock) == (
        "command",
        "use",
        "lock",
    )
    assert config.expiration_zone == ZoneInfo("Europe/Oslo")
    assert (config.timeouts.connect, config.timeouts.read) == (1.5, 7.0)
    assert config.retry.max_attempts == 2


def test_expiration_dates_are_utc_unless_told():
    with override_settings(COUPONTOOLS=REAL):
        assert connection.get_client().config.expiration_zone == UTC


def test_the_credentials_go_in_the_headers_and_never_in_repr():
    seen = []

    def answer(request):
        seen.append(request)
        return httpx2.Response(
            200, json={"status": {"status": "ERROR", "error_code": 1000, "message": "no"}}
        )

    with override_settings(COUPONTOOLS=REAL):
        conn = connection.connection()
        client = CoupontoolsClient(
            connection.client_config(conn), transport=httpx2.MockTransport(answer)
        )
        with pytest.raises(Exception, match="authentication failed"):
            client.get_session(SEED_VOUCHER_AMOUNT)
    assert seen[0].headers["X-Client-Id"] == "shop-client"
    assert seen[0].headers["X-Client-Secret"] == "s3cr3t"
    assert "s3cr3t" not in repr(conn) and "s3cr3t" not in str(conn.key)
    assert str(seen[0].url) == "https://coupons.example.com/v3/couponsession/data"


def test_without_credentials_there_is_no_client():
    with override_settings(COUPONTOOLS={}), pytest.raises(connection.NotConfigured):
        connection.get_client()
    with override_settings(COUPONTOOLS={"SANDBOX": True}, DEBUG=False):
        with pytest.raises(connection.NotConfigured, match=r"coupontools\.E003"):
            connection.get_client()


def test_wrong_settings_are_not_configured_and_name_no_secret():
    with override_settings(COUPONTOOLS={**REAL, "UPDATE_PARAMETERS": {"comand": "x"}}):
        with pytest.raises(connection.NotConfigured, match="UPDATE_PARAMETERS") as caught:
            connection.get_client()
    assert "s3cr3t" not in str(caught.value)
    with override_settings(COUPONTOOLS={**REAL, "BODY": "xml"}):
        with pytest.raises(connection.NotConfigured):
            connection.get_client()


def test_a_settings_change_forgets_the_client_and_the_sandbox(coupontools):
    client = connection.get_client()
    with override_settings(COUPONTOOLS={"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}):
        assert connection.get_client() is not client
        assert connection.embedded_sandbox() is not coupontools


def test_the_embedded_sandbox_takes_the_configured_update_names():
    names = {"action": "command", "validate": "use", "money_spent": "spent"}
    settings = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "UPDATE_PARAMETERS": names}
    with override_settings(COUPONTOOLS=settings):
        sandbox = connection.embedded_sandbox()
        connection.get_client().validate(SEED_VOUCHER_AMOUNT, Decimal("120"))
        sent = sandbox.requests[-1]
    assert sent.json == {"couponsession": SEED_VOUCHER_AMOUNT, "command": "use", "spent": "120.000"}
    assert sandbox.session(SEED_VOUCHER_AMOUNT).money_spent == Decimal("120.000")
