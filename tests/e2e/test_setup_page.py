"""The Diller set-up page, as staff use it in a real browser."""

import re

from playwright.sync_api import expect

from django_diller.models import StoreConfiguration

from .conftest import STAFF, log_in, screenshot


def test_staff_choose_the_web_shop_department_on_the_setup_page(page, shop):
    log_in(page, shop, *STAFF, staff=True)
    page.goto(f"{shop}/admin/diller/storeconfiguration/")

    expect(page.locator("#diller-credentials-ok")).to_contain_text("The credentials work")
    expect(page.locator("#diller-stores")).to_contain_text("Kaffebrenneriet Demo")
    details = page.locator("#diller-store-details")
    expect(details.get_by_role("row", name=re.compile(r"^Currency"))).to_contain_text("NOK")
    expect(details.get_by_role("link", name="https://example.com/privacy")).to_be_visible()

    page.get_by_label("Oslo sentrum").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messagelist .success", has_text="Saved")).to_contain_text("Oslo sentrum")
    expect(page.get_by_label("Oslo sentrum")).to_be_checked()
    saved = StoreConfiguration.current()
    assert (saved.store_name, saved.department_name) == ("Kaffebrenneriet Demo", "Oslo sentrum")

    path = screenshot(page, "setup-page")
    assert path.stat().st_size < 300_000


def test_the_setup_page_is_for_staff_only(page, shop):
    page.goto(f"{shop}/admin/diller/storeconfiguration/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
