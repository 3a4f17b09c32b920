"""End-to-end fixtures: the example shop on pytest-django's live server, driven by Chromium.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or ``E2E_CHROMIUM``) driven by
Playwright's Python package; Playwright's own browser downloads are never used. Without the
browser the tests skip, except under ``CI=true``, where they fail.

Playwright's sync API keeps an asyncio loop "running" in the test thread for as long as it is
started, so Django's async-safety check would refuse ORM calls made by the tests, and
``asyncio.run`` in later tests would refuse to start. Both the browser and the
``DJANGO_ALLOW_ASYNC_UNSAFE`` switch are therefore scoped to this package: they are undone
before the rest of the suite runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.support import IN_CI

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machines have no network: without these Chromium keeps dialling Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

STAFF = ("staff@example.com", "staff-demo-pass")
CUSTOMER = ("customer@example.com", "customer-demo-pass")


def pytest_collection_modifyitems(items):
    e2e_dir = Path(__file__).parent
    for item in items:
        if e2e_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def _missing_browser(reason: str):
    if IN_CI:
        pytest.fail(f"end-to-end tests need Chromium in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def _allow_orm_in_playwright_thread():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_allow_orm_in_playwright_thread):
    """Headless Chromium, started once for the end-to-end tests."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing_browser(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            _missing_browser(f"Chromium at {CHROMIUM} did not start: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page for each test."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shop(live_server) -> str:
    """The demo shop loaded into the test database; returns the live server's base URL.

    ``live_server`` makes the test transactional, so the data is visible to the server thread;
    the embedded Diller sandbox and the cache are process-global and shared with it too.
    """
    call_command("load_demo_shop", domain=urlsplit(live_server.url).netloc, stdout=StringIO())
    return live_server.url


def log_in(page, base_url: str, email: str, password: str, *, staff: bool = False) -> None:
    """Log in through the real form: Django's admin login for staff, Oscar's for customers."""
    if staff:
        page.goto(f"{base_url}/admin/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base_url}/admin/")
    else:
        page.goto(f"{base_url}/accounts/login/")
        page.fill("#id_login-username", email)
        page.fill("#id_login-password", password)
        page.click("button[name=login_submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page, name: str) -> Path:
    """A full-page PNG: under docs/screenshots/ with ``E2E_SCREENSHOTS=1`` (``make
    screenshots``), so that the pictures in the docs stay current; otherwise in a temporary
    folder, so that an ordinary test run changes no tracked file."""
    folder = SCREENSHOTS if os.environ.get("E2E_SCREENSHOTS") else Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    tmp = path.with_suffix(".tmp.png")
    page.screenshot(path=str(tmp), full_page=True)
    shutil.move(tmp, path)
    return path
