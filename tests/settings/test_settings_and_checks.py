"""The DILLER settings dict: lazy reads, environment fallbacks and system checks."""

from io import StringIO

import pytest
from django.core.checks import ERROR, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.core.management.utils import get_random_secret_key
from django.test import override_settings

from django_diller.conf import app_settings
from django_diller.contrib.oscar.adapter import OscarAdapter
from example_shop.settings import base as example_base
from tests.system_checks import CACHES, REAL, diller_ids


class ShopAdapter(OscarAdapter):
    """A shop's own adapter, as DILLER['ADAPTER'] may name it."""


def test_settings_are_read_lazily_so_overrides_apply():
    with override_settings(DILLER={"READ_TIMEOUT": 2.5}):
        assert app_settings.READ_TIMEOUT == 2.5
    with override_settings(DILLER={}):
        assert app_settings.READ_TIMEOUT == 10.0


def test_connection_values_fall_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("DILLER_CLIENT_SECRET", "from-env")
    monkeypatch.setenv("DILLER_STORE_ID", "env-store")
    with override_settings(DILLER={"STORE_ID": "explicit"}):
        assert app_settings.CLIENT_SECRET == "from-env"
        assert app_settings.STORE_ID == "explicit"


def test_unknown_setting_names_fail_loudly():
    with pytest.raises(AttributeError):
        app_settings.CLIENT_SECRETS  # noqa: B018


def test_a_complete_real_configuration_passes():
    assert diller_ids(**REAL) == []


def test_the_sandbox_needs_no_connection_settings():
    with override_settings(DEBUG=True):
        assert diller_ids(SANDBOX=True) == []


def test_the_sandbox_with_debug_off_is_an_error():
    with override_settings(DEBUG=False):
        assert diller_ids(SANDBOX=True) == ["diller.E009"]
        assert diller_ids(**REAL) == []


def test_the_sandbox_without_its_extra_is_an_error(monkeypatch):
    from django_diller import settings_checks

    monkeypatch.setattr(
        settings_checks, "find_spec", lambda name: None if name == "yaml" else object()
    )
    with override_settings(DEBUG=True):
        assert diller_ids(SANDBOX=True) == ["diller.E013"]
        assert diller_ids(**REAL) == []


def test_test_settings_may_run_the_sandbox_with_debug_off():
    with override_settings(DEBUG=False):
        assert diller_ids(SANDBOX=True, SANDBOX_WITHOUT_DEBUG=True) == []


@pytest.mark.parametrize("debug", [True, False])
def test_check_deploy_fails_whenever_the_sandbox_is_on(debug):
    with override_settings(DEBUG=debug):
        assert "diller.E010" in diller_ids(deploy=True, SANDBOX=True, SANDBOX_WITHOUT_DEBUG=True)
        assert "diller.E010" not in diller_ids(deploy=True, **REAL)


def test_a_shops_own_adapter_passes():
    path = f"{ShopAdapter.__module__}.{ShopAdapter.__qualname__}"
    assert diller_ids(**{**REAL, "ADAPTER": path}) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"BASE_URL": None}, "diller.E002"),
        ({"BASE_URL": "http://api.diller.app"}, "diller.E003"),
        ({"CLIENT_SECRET": ""}, "diller.E004"),
        ({"TOKEN_CACHE": "nowhere"}, "diller.E005"),
        ({"READ_TIMEOUT": -1}, "diller.E006"),
        ({"RETRY_ATTEMPTS": 0}, "diller.E006"),
        ({"RELEASE_UNPAID_AFTER_MINUTES": 0}, "diller.E006"),
        ({"RELEASE_UNPAID_AFTER_MINUTES": "60"}, "diller.E006"),
        ({"STORE_ID": None}, "diller.W001"),
        ({"DEPARTMENT_ID": None}, "diller.W002"),
        ({"CLIENT_SECERT": "typo"}, "diller.W004"),
        ({"ADAPTER": "shop.adapters.LoyaltyAdapter"}, "diller.E008"),
        ({"ADAPTER": "django_diller.adapter.NoSuchAdapter"}, "diller.E008"),
        ({"ADAPTER": "django_diller.conf.DillerSettings"}, "diller.E008"),
        ({"ADAPTER": "django_diller.adapter.get_adapter"}, "diller.E008"),
        ({"COUPON_CHOICE": "basket"}, "diller.E014"),
    ],
)
def test_each_problem_has_its_own_check_id(change, expected, monkeypatch):
    for name in ("BASE_URL", "CLIENT_ID", "CLIENT_SECRET", "STORE_ID", "DEPARTMENT_ID"):
        monkeypatch.delenv(f"DILLER_{name}", raising=False)
    assert expected in diller_ids(**{**REAL, **change})


@pytest.mark.parametrize("minutes", [None, 15, 90.5])
def test_unpaid_reservations_may_be_kept_or_released_after_any_time(minutes):
    assert diller_ids(**{**REAL, "RELEASE_UNPAID_AFTER_MINUTES": minutes}) == []


@pytest.mark.parametrize("choice", ["payment-details", "step"])
def test_both_places_to_choose_coupons_pass(choice):
    assert diller_ids(**{**REAL, "COUPON_CHOICE": choice}) == []


def test_plain_http_is_accepted_for_a_local_sandbox():
    assert diller_ids(**{**REAL, "BASE_URL": "http://127.0.0.1:8765"}) == []


def test_a_process_local_token_cache_is_flagged_in_production():
    with override_settings(DEBUG=False):
        assert "diller.W003" in diller_ids(**{**REAL, "TOKEN_CACHE": "default"})


def test_the_setting_must_be_a_dict():
    with override_settings(DILLER=["not", "a", "dict"]):
        assert "diller.E001" in {m.id for m in run_checks()}


def test_the_example_shop_selects_the_sandbox_only_with_debug_on(monkeypatch):
    monkeypatch.delenv("DILLER_BASE_URL", raising=False)
    assert example_base.DEBUG is False
    assert example_base.DILLER["SANDBOX"] is False
    assert example_base.diller_settings(sandbox_by_default=False)["SANDBOX"] is False
    assert example_base.diller_settings(sandbox_by_default=True)["SANDBOX"] is True
    monkeypatch.setenv("DILLER_BASE_URL", "https://api.prerelease.dillerapp.com")
    chosen = example_base.diller_settings(sandbox_by_default=True)
    assert (chosen["SANDBOX"], chosen["BASE_URL"]) == (
        False,
        "https://api.prerelease.dillerapp.com",
    )


# A deployed shop's Coupontools account (the test settings run its sandbox).
COUPONTOOLS_REAL = {"CLIENT_ID": "shop-client", "CLIENT_SECRET": "shop-secret"}


def deploy_check(secret_key: str) -> None:
    with override_settings(
        DILLER=REAL,
        COUPONTOOLS=COUPONTOOLS_REAL,
        CACHES=CACHES,
        DEBUG=False,
        SECRET_KEY=secret_key,
    ):
        call_command("check", deploy=True, stdout=StringIO(), stderr=StringIO())


def test_the_example_shops_default_secret_key_fails_check_deploy():
    with pytest.raises(SystemCheckError, match=r"demo_shop\.E001"):
        deploy_check(example_base.DEMO_SECRET_KEY)
    deploy_check(get_random_secret_key())  # the key was the only error


def test_the_demo_secret_key_check_is_an_error_only_in_deploy_checks():
    with override_settings(SECRET_KEY=example_base.DEMO_SECRET_KEY):
        assert "demo_shop.E001" not in {m.id for m in run_checks()}
        deploy = [m for m in run_checks(include_deployment_checks=True) if m.id == "demo_shop.E001"]
    assert [m.level for m in deploy] == [ERROR]


def test_a_sandbox_switched_on_without_debug_is_never_used(settings):
    """gunicorn runs no system checks: the connection itself refuses the in-memory Diller."""
    from django_diller.loyalty import connection

    settings.DEBUG = False
    settings.DILLER = {**settings.DILLER, "SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": False}
    with pytest.raises(connection.NotConfigured, match="DEBUG is off"):
        connection.connection()
    settings.DEBUG = True
    assert connection.connection().sandbox
