"""The COUPONTOOLS settings (read lazily, with environment fallbacks; vouchers off until an API
client is configured), and the system checks, each problem with its own id."""

from __future__ import annotations

import ast
import re

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from django_diller.coupontools import checks, conf
from django_diller.coupontools.conf import DEFAULTS, coupontools_settings, enabled

REAL = {"CLIENT_ID": "shop-client", "CLIENT_SECRET": "s3cr3t"}
ENVIRONMENT = ("COUPONTOOLS_BASE_URL", "COUPONTOOLS_CLIENT_ID", "COUPONTOOLS_CLIENT_SECRET")


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def ids(deploy: bool = False, **coupontools) -> list[str]:
    with override_settings(COUPONTOOLS=coupontools):
        found = checks.check_coupontools_settings()
        if deploy:
            found += checks.check_coupontools_deployment()
    return sorted(message.id for message in found)


# Settings --------------------------------------------------------------------------------------


def test_settings_are_read_lazily_so_overrides_apply():
    assert coupontools_settings.LOCK_MINUTES == 30
    with override_settings(COUPONTOOLS={"LOCK_MINUTES": 5}):
        assert coupontools_settings.LOCK_MINUTES == 5


def test_every_default():
    with override_settings(COUPONTOOLS={}):
        read = {key: getattr(coupontools_settings, key) for key in DEFAULTS}
    assert read == {
        "SANDBOX": False,
        "SANDBOX_WITHOUT_DEBUG": False,
        "BASE_URL": "https://api.coupontools.com",
        "CLIENT_ID": None,
        "CLIENT_SECRET": None,
        "BODY": "form",
        "SESSION_PARAMETER": "couponsession",
        "UPDATE_PARAMETERS": {},
        "VALUE_FIELD": None,
        "EXPIRATION_TIME_ZONE": None,
        "LOCK_MINUTES": 30,
        "CONNECT_TIMEOUT": 3.0,
        "READ_TIMEOUT": 10.0,
        "REQUEST_DEADLINE": 4.0,
        "RETRY_ATTEMPTS": 3,
        "COMBINABLE_WITH_DILLER": True,
    }


def test_the_docstring_names_every_key_with_its_default():
    """``KEY`` [default] in conf.py's docstring, as the settings reference reads it: each key
    starts a line of the "Keys" part (several may share one)."""
    keys_part = conf.__doc__.split("Keys (defaults in brackets):", 1)[1]
    headings = "\n".join(line for line in keys_part.splitlines() if line.startswith("``"))
    stated: dict[str, str] = {}
    for key, default in re.findall(r"``([A-Z][A-Z0-9_]*)``(?: \[([^\]]*)\])?", headings):
        if default:
            stated[key] = default.partition(": ")[0]
        else:
            stated.setdefault(key, "")
    assert set(stated) == set(DEFAULTS)
    for key, default in stated.items():
        if key in ("CLIENT_ID", "CLIENT_SECRET"):
            assert default == ""  # an environment fallback, no default
        else:
            assert ast.literal_eval(default) == DEFAULTS[key], key


def test_connection_values_fall_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("COUPONTOOLS_BASE_URL", "https://proxy.example.com")
    monkeypatch.setenv("COUPONTOOLS_CLIENT_ID", "from-env")
    monkeypatch.setenv("COUPONTOOLS_CLIENT_SECRET", "env-secret")
    with override_settings(COUPONTOOLS={"CLIENT_ID": "from-settings", "CLIENT_SECRET": ""}):
        assert coupontools_settings.BASE_URL == "https://proxy.example.com"
        assert coupontools_settings.CLIENT_ID == "from-settings"  # the dict wins
        assert coupontools_settings.CLIENT_SECRET == "env-secret"  # empty falls back
        assert enabled()


def test_unknown_setting_names_fail_loudly():
    with pytest.raises(AttributeError):
        coupontools_settings.CLIENT  # noqa: B018


def test_vouchers_are_off_until_a_client_is_configured():
    with override_settings(COUPONTOOLS={}):
        assert not enabled()
    with override_settings(COUPONTOOLS={"CLIENT_ID": "shop-client"}):
        assert enabled()
    with override_settings(COUPONTOOLS={"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}):
        assert enabled()
    with override_settings(COUPONTOOLS={"SANDBOX": True}, DEBUG=False):
        assert not enabled()  # never an in-memory Coupontools behind a production shop
    with override_settings(COUPONTOOLS={"SANDBOX": True}, DEBUG=True):
        assert enabled()


def test_a_setting_that_is_not_a_dict_reads_as_defaults():
    with override_settings(COUPONTOOLS=["SANDBOX"]):
        assert coupontools_settings.SANDBOX is False
        assert not enabled()


# Checks ----------------------------------------------------------------------------------------


def test_a_complete_configuration_passes():
    assert ids(**REAL) == []
    assert ids(deploy=True, **REAL) == []


def test_the_test_settings_pass_and_the_checks_are_registered():
    found = {m.id for m in run_checks() if m.id and m.id.startswith("coupontools.")}
    assert found == set()
    with override_settings(COUPONTOOLS={}):
        found = {m.id for m in run_checks() if m.id and m.id.startswith("coupontools.")}
    assert found == {"coupontools.E001"}


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, ["coupontools.E001", "coupontools.E001"]),
        ({"CLIENT_ID": "shop-client"}, ["coupontools.E001"]),
        ({**REAL, "CLIENT_SECRET": "line\nbreak"}, ["coupontools.E001"]),
        ({**REAL, "BASE_URL": "http://api.coupontools.com"}, ["coupontools.E002"]),
        ({**REAL, "BASE_URL": "ftp://api.coupontools.com"}, ["coupontools.E002"]),
        ({**REAL, "BASE_URL": "http://127.0.0.1:8767"}, []),
        ({**REAL, "BASE_URL": "http://localhost:8767"}, []),
        ({"SANDBOX": True}, ["coupontools.E003"]),
        ({"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}, []),
        ({**REAL, "CONNECT_TIMEOUT": 0}, ["coupontools.E005"]),
        ({**REAL, "READ_TIMEOUT": "10"}, ["coupontools.E005"]),
        ({**REAL, "REQUEST_DEADLINE": -1.0}, ["coupontools.E005"]),
        ({**REAL, "RETRY_ATTEMPTS": 0}, ["coupontools.E005"]),
        ({**REAL, "RETRY_ATTEMPTS": 2.5}, ["coupontools.E005"]),
        ({**REAL, "LOCK_MINUTES": True}, ["coupontools.E005"]),
        ({**REAL, "BODY": "xml"}, ["coupontools.E006"]),
        ({**REAL, "BODY": "json"}, []),
        ({**REAL, "UPDATE_PARAMETERS": {"comand": "x"}}, ["coupontools.E007"]),
        ({**REAL, "UPDATE_PARAMETERS": {"validate": "lock"}}, ["coupontools.E007"]),
        ({**REAL, "UPDATE_PARAMETERS": {"action": ""}}, ["coupontools.E007"]),
        ({**REAL, "UPDATE_PARAMETERS": ["action"]}, ["coupontools.E007"]),
        ({**REAL, "UPDATE_PARAMETERS": {"action": "command", "validate": "use"}}, []),
        ({**REAL, "EXPIRATION_TIME_ZONE": "Europe/Atlantis"}, ["coupontools.E009"]),
        ({**REAL, "EXPIRATION_TIME_ZONE": "Europe/Oslo"}, []),
        ({**REAL, "SESSION_PARAMETER": ""}, ["coupontools.E010"]),
        ({**REAL, "VALUE_FIELD": 1}, ["coupontools.E010"]),
        ({**REAL, "VALUE_FIELD": "custom1"}, []),
        ({**REAL, "COMBINABLE_WITH_DILLER": "no"}, ["coupontools.E010"]),
        ({**REAL, "CLIENT": "x"}, ["coupontools.W001"]),
    ],
)
def test_each_problem_has_its_id(settings, expected):
    assert ids(**settings) == expected


def test_a_setting_that_is_not_a_dict_is_an_error():
    with override_settings(COUPONTOOLS="sandbox"):
        found = checks.check_coupontools_settings()
    assert [m.id for m in found] == ["coupontools.E008"]


def test_the_sandbox_without_its_packages_is_an_error(monkeypatch):
    from django_diller import settings_checks

    real_find_spec = settings_checks.find_spec
    monkeypatch.setattr(
        settings_checks, "find_spec", lambda name: None if name == "yaml" else real_find_spec(name)
    )
    assert ids(SANDBOX=True, SANDBOX_WITHOUT_DEBUG=True) == ["coupontools.E004"]


def test_a_deployment_never_runs_the_sandbox():
    assert ids(deploy=True, SANDBOX=True, SANDBOX_WITHOUT_DEBUG=True) == ["coupontools.E011"]


def test_no_message_quotes_a_secret():
    with override_settings(COUPONTOOLS={"CLIENT_ID": "shop-client", "CLIENT_SECRET": "s3cr\x00t"}):
        found = checks.check_coupontools_settings()
    assert found and all("s3cr" not in f"{m.msg} {m.hint}" for m in found)
