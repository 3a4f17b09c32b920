"""Run in a fresh interpreter: set up a plain Django project (no Oscar, no extras) with
``django_diller`` installed, run the system checks and import every core module.

``python plain_django_probe.py [blocked module ...]``: the named top-level modules cannot be
imported (as if they were not installed), so the repository's own environment, which holds
every extra, can prove what a shop without them gets. Prints one line per imported module and
exits non-zero with the reason on the first failure.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from pathlib import Path

# Modules that legitimately need an extra: the Oscar integration ([oscar]), the emulators and
# their contracts ([sandbox]) and the command that serves the emulator.
NEEDS_AN_EXTRA = (
    "django_diller.contrib",
    "django_diller.sandbox",
    "django_diller.openapi",
    "django_diller.dintero.sandbox",
    "django_diller.dintero.openapi",
    "django_diller.coupontools.sandbox",
    "django_diller.coupontools.openapi",
    "django_diller.discountapi.api",
    "django_diller.management.commands.diller_sandbox",
)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses the named top-level modules, as if they were not installed."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r} (blocked)", name=fullname)
        return None


def configure() -> None:
    from django.conf import settings

    settings.configure(
        DEBUG=True,
        SECRET_KEY="plain-django-probe",
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django_diller",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        ROOT_URLCONF="plain_django_probe",  # this file, imported by name: its urlpatterns
        USE_TZ=True,
        DILLER={
            "BASE_URL": "https://diller.example.invalid",
            "CLIENT_ID": "probe",
            "CLIENT_SECRET": "probe",
            "STORE_ID": "1",
            "DEPARTMENT_ID": "1",
        },
    )


def urlpatterns_of_the_app() -> list:
    from django.contrib import admin
    from django.urls import include, path

    return [path("admin/", admin.site.urls), path("loyalty/", include("django_diller.urls"))]


def core_modules() -> list[str]:
    import django_diller

    root = Path(django_diller.__file__).parent
    names = []
    for file in sorted(root.rglob("*.py")):
        parts = file.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not any(name == skip or name.startswith(skip + ".") for skip in NEEDS_AN_EXTRA):
            names.append(name)
    return names


def main(blocked: Sequence[str]) -> None:
    sys.meta_path.insert(0, Blocker(blocked))
    configure()
    import django

    django.setup()
    from django.core import checks

    problems = [p for p in checks.run_checks() if p.level >= checks.WARNING]
    if problems:
        sys.exit("system checks failed:\n" + "\n".join(str(p) for p in problems))
    say("checks: ok")
    from django.urls import reverse

    say(f"urls: {reverse('diller:join')} {reverse('admin:index')}")
    for name in core_modules():
        try:
            importlib.import_module(name)
        except ImportError as exc:
            sys.exit(f"{name} does not import without the extras: {exc}")
        say(f"imported {name}")
    leaked = sorted({name.partition(".")[0] for name in sys.modules} & set(blocked))
    if leaked:
        sys.exit(f"imported anyway: {leaked}")


if __name__ == "__main__":
    main(sys.argv[1:])
else:
    urlpatterns = urlpatterns_of_the_app()
