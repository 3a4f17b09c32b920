"""The DILLER settings dict: lazy reads, environment fallbacks and system checks."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from django_diller.conf import app_settings

REAL = {
    "BASE_URL": "https://api.prerelease.dillerapp.com",
    "CLIENT_ID": "store-uid",
    "CLIENT_SECRET": "api-key",
    "STORE_ID": "store-1",
    "DEPARTMENT_ID": "dept-1",
    "TOKEN_CACHE": "shared",
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/9",
    },
}


def diller_ids(**diller):
    with override_settings(DILLER=diller, CACHES=CACHES):
        return sorted({m.id for m in run_checks() if m.id and m.id.startswith("diller.")})


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
    assert diller_ids(SANDBOX=True) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"BASE_URL": None}, "diller.E002"),
        ({"BASE_URL": "http://api.diller.app"}, "diller.E003"),
        ({"CLIENT_SECRET": ""}, "diller.E004"),
        ({"TOKEN_CACHE": "nowhere"}, "diller.E005"),
        ({"READ_TIMEOUT": -1}, "diller.E006"),
        ({"RETRY_ATTEMPTS": 0}, "diller.E006"),
        ({"STORE_ID": None}, "diller.W001"),
        ({"DEPARTMENT_ID": None}, "diller.W002"),
        ({"CLIENT_SECERT": "typo"}, "diller.W004"),
    ],
)
def test_each_problem_has_its_own_check_id(change, expected, monkeypatch):
    for name in ("BASE_URL", "CLIENT_ID", "CLIENT_SECRET", "STORE_ID", "DEPARTMENT_ID"):
        monkeypatch.delenv(f"DILLER_{name}", raising=False)
    assert expected in diller_ids(**{**REAL, **change})


def test_plain_http_is_accepted_for_a_local_sandbox():
    assert diller_ids(**{**REAL, "BASE_URL": "http://127.0.0.1:8765"}) == []


def test_a_process_local_token_cache_is_flagged_in_production():
    with override_settings(DEBUG=False):
        assert "diller.W003" in diller_ids(**{**REAL, "TOKEN_CACHE": "default"})


def test_the_setting_must_be_a_dict():
    with override_settings(DILLER=["not", "a", "dict"]):
        assert "diller.E001" in {m.id for m in run_checks()}
