"""Building the package's wheel from a copy of its files, and running things beside it in a
fresh virtual environment outside the repository (tests/packaging's slow tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "django_diller"
# Environment variables that could make a subprocess find the repository or another set-up.
LEAKY_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")
LEAKY_PREFIXES = ("DILLER_", "DJANGO_", "REDIS_", "CELERY_")


def package_files() -> set[str]:
    """Every file of the package the repository has (tracked, or new and not ignored)."""
    listed = subprocess.run(  # noqa: S603
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", PACKAGE],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name for name in listed.split("\0") if name and (REPO / name).is_file()}


def clean_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in LEAKY_ENV and not key.startswith(LEAKY_PREFIXES)
    }
    return {**env, "PYTHONNOUSERSITE": "1"}


def pip(*args: str, env: dict[str, str], python: Path | str = sys.executable) -> None:
    """``python -m pip --quiet *args``; fails with pip's output."""
    done = subprocess.run(  # noqa: S603
        [str(python), "-m", "pip", "--quiet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"pip {args[0]} failed:\n{done.stdout}\n{done.stderr}"


def build_wheel(work: Path, env: dict[str, str]) -> Path:
    """The package's wheel, built from a copy so that the build leaves nothing in the
    repository."""
    source = work / "source"
    for name in [*package_files(), "pyproject.toml", "README.md", "LICENSE"]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    pip("wheel", "--no-deps", "--wheel-dir", str(work / "dist"), str(source), env=env)
    (wheel,) = (work / "dist").glob("*.whl")
    return wheel
