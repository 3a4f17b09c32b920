"""The wheel a shop installs: every file of the package inside, and a shop runs on it.

The wheel is built from a copy of the package's files, installed with its dependencies into a
fresh virtual environment outside the repository, and the example shop (copied without the
package) is checked against that installed copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import django_diller

from .wheels import PACKAGE, REPO, build_wheel, clean_env, package_files, pip

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    venv: Path
    shop: Path
    env: dict[str, str]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        """Run the venv's Python in the copied shop's folder; fail with its output."""
        done = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
            [str(self.python), *args],
            cwd=self.shop,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    env = clean_env()
    wheel = build_wheel(work, env)

    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)  # noqa: S603
    python = venv / "bin" / "python"
    # With its dependencies and the extras the example shop uses, as a shop installs it; no
    # bytecode compiling (a third of the time).
    extras = f"{wheel}[oscar,celery,sandbox,api]"
    pip("--python", str(python), "install", "--no-compile", extras, env=env)

    shop = work / "shop"
    shutil.copytree(
        REPO / "example_shop",
        shop / "example_shop",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy2(REPO / "manage.py", shop / "manage.py")
    return Installed(wheel=wheel, python=python, venv=venv, shop=shop, env=env)


def test_the_wheel_holds_every_file_of_the_package(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
        recorded = {line.split(",")[0] for line in wheel.read(record).decode().splitlines()}
    expected = package_files()
    assert any(not name.endswith(".py") for name in expected)
    assert sorted(expected - recorded) == []


def test_the_wheel_carries_the_license_and_the_packages_version(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = wheel.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        headers = wheel.read(metadata).decode().partition("\n\n")[0].splitlines()
        (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert wheel.read(license_file) == (REPO / "LICENSE").read_bytes()
    assert f"Version: {django_diller.__version__}" in headers
    assert "License-Expression: MIT" in headers


def test_the_installed_metadata_gives_the_packages_version(installed):
    done = installed.run(
        "-c",
        f"import importlib.metadata as m, {PACKAGE}; "
        f"print(m.version('django-diller'), {PACKAGE}.__version__)",
    )
    installed_version, package_version = done.stdout.split()
    assert installed_version == package_version == django_diller.__version__


def test_the_shop_imports_the_installed_copy_not_the_repository(installed):
    path = installed.run("-c", f"import {PACKAGE}; print({PACKAGE}.__file__)").stdout.strip()
    assert Path(path).resolve().is_relative_to(installed.venv.resolve())
    site_packages = Path(path).parent.parent
    missing = [n for n in package_files() if not (site_packages / n).is_file()]
    assert missing == []


def test_the_example_shops_checks_pass_against_the_installed_copy(installed):
    done = installed.run("manage.py", "check", DJANGO_SETTINGS_MODULE="example_shop.settings.dev")
    assert "no issues" in done.stdout


LOAD_EVERY_TEMPLATE = f"""
from pathlib import Path
import django
django.setup()
from django.template.loader import get_template
import {PACKAGE}

root = Path({PACKAGE}.__file__).parent
names = sorted(
    str(path.relative_to(folder))
    for folder in root.rglob("templates")
    for path in folder.rglob("*")
    if path.is_file()
)
for name in names:
    origin = Path(get_template(name).origin.name)
    assert origin.is_relative_to(root), (name, origin)
print(len(names), *names, sep="\\n")
"""


def test_every_template_loads_from_the_installed_copy(installed):
    done = installed.run(
        "-c", LOAD_EVERY_TEMPLATE, DJANGO_SETTINGS_MODULE="example_shop.settings.dev"
    )
    count, *names = done.stdout.split()
    assert "django_diller/oscar/coupon_step.html" in names
    assert int(count) == sum("/templates/" in n for n in package_files())
