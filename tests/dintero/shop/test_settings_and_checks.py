"""The DINTERO settings (read lazily, with environment fallbacks; receipts off until an account
is configured), the shared client, and the system checks, each problem with its own id."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_diller.dintero import checks, connection
from django_diller.dintero.api import DINTERO_API, DinteroClient
from django_diller.dintero.conf import DEFAULTS, dintero_settings, enabled
from django_diller.dintero.sandbox import (
    SANDBOX_ACCOUNT_ID,
    SANDBOX_PUBLIC_URL,
    DinteroSandboxTransport,
)
from django_diller.token_cache import DjangoCacheTokenStore

REAL = {
    "ACCOUNT_ID": "P12345678",
    "CLIENT_ID": "shop-client",
    "CLIENT_SECRET": "s3cr3t",
}
ENVIRONMENT = (
    "DINTERO_BASE_URL",
    "DINTERO_ACCOUNT_ID",
    "DINTERO_CLIENT_ID",
    "DINTERO_CLIENT_SECRET",
)


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def ids(deploy: bool = False, **dintero) -> list[str]:
    with override_settings(DINTERO=dintero):
        found = checks.check_dintero_settings()
        if deploy:
            found += checks.check_dintero_deployment()
    return sorted(message.id for message in found)


# Settings --------------------------------------------------------------------------------------


def test_settings_are_read_lazily_so_overrides_apply():
    assert dintero_settings.STORE_ID == "webshop"
    with override_settings(DINTERO={"STORE_ID": "oslo"}):
        assert dintero_settings.STORE_ID == "oslo"


def test_the_base_url_defaults_to_dinteros_api_with_its_base_path():
    assert DEFAULTS["BASE_URL"] == DINTERO_API == "https://api.dintero.com/v1"
    with override_settings(DINTERO={}):
        assert dintero_settings.BASE_URL == DINTERO_API


def test_connection_values_fall_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("DINTERO_BASE_URL", "https://proxy.example.com/v1")
    monkeypatch.setenv("DINTERO_ACCOUNT_ID", "T87654321")
    monkeypatch.setenv("DINTERO_CLIENT_ID", "from-env")
    monkeypatch.setenv("DINTERO_CLIENT_SECRET", "env-secret")
    with override_settings(DINTERO={"CLIENT_ID": "from-settings"}):
        assert dintero_settings.BASE_URL == "https://proxy.example.com/v1"
        assert dintero_settings.ACCOUNT_ID == "T87654321"
        assert dintero_settings.CLIENT_ID == "from-settings"  # the dict wins
        assert enabled()
        conn = connection.connection()
    assert (conn.base_url, conn.account_id, conn.client_secret) == (
        "https://proxy.example.com/v1",
        "T87654321",
        "env-secret",
    )
    assert "env-secret" not in repr(conn) and "env-secret" not in str(conn.key)


def test_unknown_setting_names_fail_loudly():
    with pytest.raises(AttributeError):
        dintero_settings.ACOUNT_ID  # noqa: B018


def test_receipts_are_off_until_an_account_is_configured():
    with override_settings(DINTERO={}):
        assert not enabled()
        with pytest.raises(connection.NotConfigured):
            connection.get_client()
    with override_settings(DINTERO={"ACCOUNT_ID": "T12345678"}):
        assert enabled()
    with override_settings(DINTERO={"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}):
        assert enabled()
    with override_settings(DINTERO={"SANDBOX": True}, DEBUG=False):
        assert not enabled()  # never an in-memory Dintero behind a production shop


# The client ------------------------------------------------------------------------------------


def test_the_sandbox_client_is_shared_and_talks_to_one_embedded_sandbox(dintero):
    client = connection.get_client()
    assert connection.get_client() is client
    assert client.account_id == SANDBOX_ACCOUNT_ID
    assert client.config.base_url == f"{SANDBOX_PUBLIC_URL}/v1"
    assert isinstance(client.tokens.store, DjangoCacheTokenStore)
    assert connection.embedded_sandbox() is dintero
    client.get_customer_receipts("demo-customer")
    assert dintero.requests[-1].operation_id == "aid_receipts_customers_cid_get"


def test_a_deadline_gives_a_bounded_copy_of_the_shared_client(dintero):
    bounded = connection.get_client(deadline=2.0)
    assert bounded.deadline == 2.0 and connection.get_client().deadline is None


def test_tokens_are_shared_between_processes_through_the_cache(dintero):
    connection.get_client().get_customer_receipts("demo-customer")
    conn = connection.connection()
    other_process = DinteroClient(
        connection.client_config(conn),
        token_store=DjangoCacheTokenStore("default"),
        transport=DinteroSandboxTransport(dintero),
    )
    other_process.get_customer_receipts("demo-customer")
    assert dintero.token_requests == 1 and other_process.tokens.fetch_count == 0


def test_a_settings_change_forgets_the_clients(dintero):
    client = connection.get_client()
    with override_settings(
        DINTERO={"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "READ_TIMEOUT": 5.0}
    ):
        assert connection.get_client() is not client


# Checks ----------------------------------------------------------------------------------------


def test_a_shop_without_dintero_passes():
    assert ids() == []


def test_a_complete_real_configuration_passes():
    assert ids(**REAL) == []
    assert ids(deploy=True, **REAL) == []


def test_the_sandbox_needs_no_account():
    assert ids(SANDBOX=True, SANDBOX_WITHOUT_DEBUG=True) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"ACCOUNT_ID": "12345678"}, "dintero.E001"),
        ({"ACCOUNT_ID": "X12345678"}, "dintero.E001"),
        ({"ACCOUNT_ID": "T1234567"}, "dintero.E001"),
        ({"CLIENT_ID": ""}, "dintero.E002"),
        ({"CLIENT_SECRET": None}, "dintero.E002"),
        ({"BASE_URL": "http://api.dintero.com/v1"}, "dintero.E003"),
        ({"CUSTOMER_ID": "email"}, "dintero.E005"),
        ({"READ_TIMEOUT": 0}, "dintero.E006"),
        ({"CONNECT_TIMEOUT": True}, "dintero.E006"),
        ({"RETRY_ATTEMPTS": 0}, "dintero.E006"),
        ({"RECEIPTS_CACHE_SECONDS": -1}, "dintero.E006"),
        ({"TOKEN_EXPIRE_DAYS": 0}, "dintero.E006"),
        ({"TOKEN_EXPIRE_DAYS": 1.5}, "dintero.E006"),
        ({"TOKEN_CACHE": "nowhere"}, "dintero.E010"),
        ({"STORE_ID": "  "}, "dintero.E011"),
        ({"STORE_ID": "x" * 101}, "dintero.E011"),
        ({"ACOUNT_ID": "T12345678"}, "dintero.W001"),
    ],
)
def test_each_problem_has_its_own_check_id(change, expected):
    assert ids(**{**REAL, **change}) == [expected]


def test_plain_http_is_accepted_for_a_local_sandbox():
    assert ids(**REAL, BASE_URL="http://127.0.0.1:8766/v1") == []


def test_missing_credentials_are_named_one_by_one():
    assert ids(ACCOUNT_ID="T12345678") == ["dintero.E002", "dintero.E002"]


def test_the_sandbox_with_debug_off_is_an_error():
    with override_settings(DEBUG=False):
        assert ids(SANDBOX=True) == ["dintero.E007"]


def test_the_sandbox_without_its_extra_is_an_error(monkeypatch):
    from django_diller import settings_checks

    real = settings_checks.find_spec
    monkeypatch.setattr(
        settings_checks, "find_spec", lambda name: None if name == "yaml" else real(name)
    )
    assert ids(SANDBOX=True, SANDBOX_WITHOUT_DEBUG=True) == ["dintero.E008"]


def test_check_deploy_fails_whenever_the_sandbox_is_on():
    assert "dintero.E009" in ids(deploy=True, SANDBOX=True, SANDBOX_WITHOUT_DEBUG=True)


def test_the_setting_must_be_a_dict():
    with override_settings(DINTERO=["ACCOUNT_ID"]):
        assert [m.id for m in checks.check_dintero_settings()] == ["dintero.E004"]
        assert checks.check_dintero_deployment() == []


def test_registered_checks_run_with_djangos():
    from django.core.checks import run_checks

    checks.register_checks()
    checks.register_checks()  # harmless
    with override_settings(DINTERO={"ACCOUNT_ID": "bad"}):
        found = [m.id for m in run_checks(tags=["dintero"])]
    assert found.count("dintero.E001") == 1
