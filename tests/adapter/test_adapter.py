"""The adapter: a neutral default for a plain Django shop, the Oscar one picked when the Oscar
integration is installed, and the hooks the member pages and their limits ask."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Engine
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from django_diller import adapter as adapter_module
from django_diller.adapter import DefaultAdapter, adapter_path, get_adapter
from django_diller.contrib.oscar.adapter import OscarAdapter
from django_diller.members.forms import MemberProfileForm
from django_diller.members.limits import client_ip
from tests.system_checks import REAL, diller_ids

ROOT = Path(__file__).resolve().parents[2]
CORE_TEMPLATES = ROOT / "django_diller" / "templates"


def path_of(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class CountryAdapter(DefaultAdapter):
    """A plain shop that keeps the shopper's country on the user."""

    def default_country(self, user):
        return getattr(user, "country_code", None)


class ProxyAdapter(DefaultAdapter):
    """A shop whose own middleware has already found the client's address."""

    def client_ip(self, request):
        return request.META["HTTP_X_CLIENT"]


class PlainCssAdapter(DefaultAdapter):
    def widget_css_class(self, widget):
        return "input"


# which adapter --------------------------------------------------------------------------------


def test_unset_the_oscar_adapter_is_picked_when_the_oscar_integration_is_installed():
    with override_settings(DILLER={}):
        assert adapter_path() == path_of(OscarAdapter)
        assert type(get_adapter()) is OscarAdapter


def test_unset_without_the_oscar_integration_the_default_adapter_is_picked(monkeypatch):
    installed = adapter_module.apps.is_installed
    monkeypatch.setattr(
        adapter_module.apps,
        "is_installed",
        lambda name: name != "django_diller.contrib.oscar" and installed(name),
    )
    with override_settings(DILLER={}):
        assert type(get_adapter()) is DefaultAdapter


def test_a_named_adapter_wins():
    with override_settings(DILLER={"ADAPTER": path_of(CountryAdapter)}):
        assert type(get_adapter()) is CountryAdapter


def test_the_core_adapter_imports_without_oscar():
    probe = "import sys, django_diller.adapter; print('oscar' in sys.modules)"
    found = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "False"


# the default adapter on plain objects ---------------------------------------------------------


def test_the_default_adapter_names_a_product_by_its_upc_else_its_pk():
    adapter = DefaultAdapter()
    assert adapter.product_external_id(SimpleNamespace(upc="7040000000017", pk=3)) == (
        "7040000000017"
    )
    assert adapter.product_external_id(SimpleNamespace(upc="", pk=3)) == "3"
    assert adapter.product_external_id(SimpleNamespace(pk=4)) == "4"


def test_the_default_adapter_knows_no_category_brand_payment_nor_mark():
    adapter = DefaultAdapter()
    product = SimpleNamespace(upc="A1", pk=1)
    assert adapter.product_category(product) is None
    assert adapter.product_brand(product) is None
    assert adapter.payment_methods(SimpleNamespace(total=Decimal("100"))) == []
    assert adapter.product_marked_non_eligible(product) is False
    assert adapter.default_country(SimpleNamespace(is_authenticated=True)) is None


def test_the_default_adapter_reads_a_lines_sku_from_plain_attributes():
    adapter = DefaultAdapter()
    assert adapter.line_sku(SimpleNamespace(partner_sku="SKU-1")) == "SKU-1"
    assert adapter.line_sku(SimpleNamespace(sku="SKU-2")) == "SKU-2"
    assert adapter.line_sku(SimpleNamespace()) is None


class FakeList:
    """Diller's non-eligible list naming one id."""

    names_categories = False

    def __init__(self, listed: str):
        self.listed = listed

    def __bool__(self) -> bool:
        return True

    def matches(self, ids, category, now) -> bool:
        return self.listed in ids


def test_a_plain_line_is_eligible_unless_dillers_list_names_it(monkeypatch):
    from django_diller.loyalty import non_eligible

    monkeypatch.setattr(non_eligible, "current_list", lambda: FakeList("GIFT"))
    adapter = DefaultAdapter()
    card = SimpleNamespace(product=SimpleNamespace(upc="GIFT", pk=1), partner_sku=None)
    mug = SimpleNamespace(product=SimpleNamespace(upc="MUG", pk=2), partner_sku=None)
    by_sku = SimpleNamespace(product=SimpleNamespace(upc="", pk=3), partner_sku="GIFT")
    assert adapter.line_is_eligible(card) is False
    assert adapter.line_is_eligible(mug) is True
    assert adapter.line_is_eligible(by_sku) is False
    assert adapter.line_is_eligible(SimpleNamespace(product=None)) is True


def test_adjusting_the_transaction_payload_changes_nothing_by_default():
    payload = {"external_id": "100042"}
    assert DefaultAdapter().adjust_transaction_payload(payload, None, "purchase") is payload


# the Oscar adapter ----------------------------------------------------------------------------


def test_the_oscar_adapter_names_a_variant_by_its_parents_upc():
    parent = SimpleNamespace(upc="P-1", pk=1, parent=None)
    variant = SimpleNamespace(upc="", pk=2, parent=parent)
    assert OscarAdapter().product_external_id(variant) == "P-1"
    assert DefaultAdapter().product_external_id(variant) == "2"


def test_the_oscar_adapter_reads_a_basket_lines_sku_from_its_stock_record():
    line = SimpleNamespace(stockrecord=SimpleNamespace(partner_sku="STOCK-1"))
    assert OscarAdapter().line_sku(line) == "STOCK-1"


@pytest.mark.django_db
def test_the_oscar_adapter_offers_the_country_of_the_default_shipping_address(
    django_user_model,
):
    from oscar.apps.address.models import Country, UserAddress

    sweden = Country.objects.create(iso_3166_1_a2="SE", name="Sweden")
    norway = Country.objects.create(iso_3166_1_a2="NO", name="Norway")
    user = django_user_model.objects.create_user("shopper", "shopper@example.com", "pw")
    address = {"first_name": "A", "last_name": "B", "postcode": "11122"}
    UserAddress.objects.create(
        user=user, country=sweden, line1="Gata 1", is_default_for_shipping=True, **address
    )
    UserAddress.objects.create(user=user, country=norway, line1="Gate 2", **address)
    assert OscarAdapter().default_country(user) == "SE"
    assert OscarAdapter().default_country(AnonymousUser()) is None


# the hooks the member pages ask ---------------------------------------------------------------


def test_the_limits_count_per_the_adapters_client_address():
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_CLIENT="203.0.113.9")
    assert client_ip(request) == "10.9.9.9"
    with override_settings(DILLER={"ADAPTER": path_of(ProxyAdapter)}):
        assert client_ip(request) == "203.0.113.9"


def test_the_join_form_reads_a_national_number_in_the_adapters_country():
    user = SimpleNamespace(is_authenticated=True, country_code="SE", first_name="", last_name="")
    with override_settings(DILLER={"ADAPTER": path_of(CountryAdapter)}):
        form = MemberProfileForm(data={"phone": "070 123 45 67"}, user=user)
        assert form.phone_countries() == ["SE"]


def test_the_member_forms_widget_classes_come_from_the_adapter():
    form = MemberProfileForm()
    assert form.fields["first_name"].widget.attrs["class"] == "form-control"
    assert form.fields["gdpr_accepted"].widget.attrs["class"] == "form-check-input"
    with override_settings(DILLER={"ADAPTER": path_of(PlainCssAdapter)}):
        form = MemberProfileForm()
    assert form.fields["first_name"].widget.attrs["class"] == "input"
    assert isinstance(form.fields["gender"].widget, forms.Select)


# checks and templates -------------------------------------------------------------------------


def test_an_oscar_shop_is_warned_when_its_adapter_is_not_an_oscar_adapter():
    assert "diller.W011" in diller_ids(**{**REAL, "ADAPTER": path_of(CountryAdapter)})
    assert "diller.W011" not in diller_ids(**REAL)


def test_an_oscar_shop_without_atomic_requests_is_warned():
    databases = {"default": {**settings.DATABASES["default"], "ATOMIC_REQUESTS": False}}
    with override_settings(DATABASES=databases):
        assert "diller.W012" in diller_ids(**REAL)
    assert "diller.W012" not in diller_ids(**REAL)


def test_an_oscar_shop_with_tax_exclusive_offers_is_stopped():
    with override_settings(OSCAR_OFFERS_INCL_TAX=False):
        assert "diller.E015" in diller_ids(**REAL)
    assert "diller.E015" not in diller_ids(**REAL)


def test_the_neutral_layout_is_a_whole_page_with_the_loyalty_blocks():
    engine = Engine(dirs=[str(CORE_TEMPLATES)], libraries={"i18n": "django.templatetags.i18n"})
    with translation.override("en"):
        page = engine.get_template("django_diller/base.html").render(
            Context({"problem": "Diller is not answering."})
        )
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Loyalty club</title>" in page
    assert "<h1>Loyalty club</h1>" in page
    assert 'class="alert alert-warning diller-problem"' in page


def test_the_oscar_shop_shows_the_loyalty_pages_in_oscars_layout(client, db):
    page = client.get(reverse("diller:club"))
    used = [t.name for t in page.templates]
    assert "django_diller/oscar/layout.html" in used and "oscar/layout.html" in used
    assert "django_diller/layout.html" not in used


def test_a_plain_shop_shows_them_in_the_neutral_layout_whatever_the_app_order(client, db):
    with override_settings(DILLER={**settings.DILLER, "ADAPTER": path_of(CountryAdapter)}):
        page = client.get(reverse("diller:club"))
    used = [t.name for t in page.templates]
    assert "django_diller/layout.html" in used and "oscar/layout.html" not in used
