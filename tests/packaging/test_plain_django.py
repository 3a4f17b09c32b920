"""The core runs in a plain Django project: no django-oscar, no sandbox packages, no Redis.

``plain_django_probe.py`` sets up such a project, runs the system checks and imports every
module of the package but those that need an extra (``contrib/``: [oscar]; ``sandbox/`` and
``openapi/``: [sandbox]). It runs twice: in this environment with the extras' modules blocked
(quick), and in a fresh virtual environment holding the wheel and the core's dependencies only
(slow: the real thing, run under CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .wheels import build_wheel, clean_env, pip

PROBE = Path(__file__).with_name("plain_django_probe.py")
# What the extras bring that the core must not need: [oscar] (and Babel with it), [sandbox],
# and Redis, which [celery] brings.
EXTRAS_ONLY = ("oscar", "babel", "openapi_schema_validator", "jsonschema", "yaml", "redis")
EXTRAS_ONLY += ("rest_framework", "oauth2_provider", "drf_spectacular")
CI = os.environ.get("CI") == "true"


def run_probe(python: Path | str, *blocked: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [str(python), str(PROBE), *blocked],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the plain Django project failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_core_imports_and_checks_in_plain_django_without_the_extras(tmp_path):
    out = run_probe(sys.executable, *EXTRAS_ONLY, cwd=tmp_path, env=clean_env())
    imported = [line.split()[1] for line in out.splitlines() if line.startswith("imported ")]
    assert "checks: ok" in out
    for module in ("django_diller.models", "django_diller.urls", "django_diller.outbox.engine"):
        assert module in imported
    assert not any(name.startswith("django_diller.contrib") for name in imported)


@pytest.mark.slow
@pytest.mark.skipif(
    not CI and not os.environ.get("PACKAGING_VENV"),
    reason="builds a virtual environment from PyPI (runs under CI=true or PACKAGING_VENV=1)",
)
def test_the_wheel_alone_runs_in_plain_django(tmp_path):
    env = clean_env()
    wheel = build_wheel(tmp_path, env)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    python = venv / "bin" / "python"
    # The wheel with the core's dependencies only, none of its extras.
    quiet = ("--no-compile", "--disable-pip-version-check")
    pip("install", *quiet, str(wheel), python=python, env=env)
    out = run_probe(python, cwd=tmp_path, env=env)
    assert "checks: ok" in out
    installed = subprocess.run(  # noqa: S603
        [str(python), "-c", "import importlib.util as u; print([m for m in "
         f"{list(EXTRAS_ONLY)!r} if u.find_spec(m)])"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()  # fmt: skip
    assert installed == "[]", f"an extra's package came with the core: {installed}"
