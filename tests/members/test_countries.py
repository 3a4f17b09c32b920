"""The country list's names, and what building it costs a process."""

import subprocess
import sys
from pathlib import Path

from django_diller import countries

ROOT = Path(__file__).resolve().parents[2]


def test_without_babel_the_names_come_from_phonenumbers(monkeypatch):
    monkeypatch.setattr(countries, "_babel_names", lambda language: {})
    countries._choices.cache_clear()
    try:
        names = dict(countries._choices("sv"))
        assert names["NO"] == "Norge" and names["SE"] == "Sverige"
        assert dict(countries._choices("en"))["SE"] == "Sweden"
    finally:
        countries._choices.cache_clear()


def test_every_code_on_the_list_is_a_two_letter_country():
    codes = countries.country_codes()
    assert len(codes) > 200
    assert all(len(code) == 2 and code.isupper() for code in codes)
    assert not codes & countries.NOT_COUNTRIES


def test_the_shops_checks_and_forms_leave_phonenumbers_geocoding_table_unloaded():
    """Its table is some 150 MiB in every process: each web and worker process would carry it."""
    script = (
        "import sys, django\n"
        "django.setup()\n"
        "from django.core.checks import run_checks\n"
        "run_checks()\n"
        "from django_diller.countries import country_choices\n"
        "assert country_choices()\n"
        "print('phonenumbers.geodata' in sys.modules)\n"
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "example_shop.settings.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"
