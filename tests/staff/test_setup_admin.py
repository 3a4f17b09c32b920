"""The staff set-up page and ``diller_check``, against the embedded sandbox."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from django_diller.loyalty.connection import current_department_id, current_store_id
from django_diller.models import StoreConfiguration
from django_diller.sandbox.seed import SEED_STORE_ID

pytestmark = pytest.mark.django_db
SETUP_URL = "admin:diller_storeconfiguration_changelist"


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss@example.com", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_the_page_tests_the_credentials_and_lists_stores_and_departments(staff_client):
    page = staff_client.get(reverse(SETUP_URL))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="diller-credentials-ok"' in html
    assert "Kaffebrenneriet Demo" in html
    assert "Nettbutikk" in html and "Oslo sentrum" in html  # the departments of the store
    assert "NOK" in html
    assert "https://example.com/privacy" in html


def test_saving_a_store_and_department_makes_them_current(staff_client):
    response = staff_client.post(
        reverse(SETUP_URL), {"store_id": SEED_STORE_ID, "department_id": "dept-oslo"}
    )
    assert response.status_code == 302
    saved = StoreConfiguration.current()
    assert (saved.store_id, saved.department_id) == (SEED_STORE_ID, "dept-oslo")
    assert saved.store_name == "Kaffebrenneriet Demo" and saved.currency == "NOK"
    assert (current_store_id(), current_department_id()) == (SEED_STORE_ID, "dept-oslo")


def test_a_department_of_no_store_is_refused_with_a_field_error(staff_client):
    response = staff_client.post(
        reverse(SETUP_URL), {"store_id": SEED_STORE_ID, "department_id": "dept-elsewhere"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["department_id"]
    assert StoreConfiguration.current() is None


def test_refused_credentials_are_reported_plainly(staff_client):
    diller = {
        "BASE_URL": "http://127.0.0.1:9",
        "CLIENT_ID": "x",
        "CLIENT_SECRET": "wrong-secret",
        "RETRY_ATTEMPTS": 1,
        "CONNECT_TIMEOUT": 0.5,
    }
    with override_settings(DILLER=diller):
        html = staff_client.get(reverse(SETUP_URL)).content.decode()
    assert 'id="diller-credentials-error"' in html
    assert "could not be reached" in html
    assert "wrong-secret" not in html


def test_customers_cannot_open_the_page(client, django_user_model):
    user = django_user_model.objects.create_user("kari@example.com", "kari@example.com", "pw")
    client.force_login(user)
    assert client.get(reverse(SETUP_URL)).status_code == 302  # to the admin login


def test_diller_check_passes_against_the_sandbox(capsys):
    call_command("diller_check")
    out = capsys.readouterr().out
    for step in ("token: ok", "store: ok", "department: ok", "segments: ok (6, 5 shown"):
        assert step in out


def test_diller_check_fails_with_the_reason_and_exit_code_1():
    diller = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "DEPARTMENT_ID": "dept-nowhere"}
    with override_settings(DILLER=diller), pytest.raises(CommandError) as caught:
        call_command("diller_check")
    assert "department" in str(caught.value)
    assert caught.value.returncode == 1


def test_diller_check_reports_an_unreachable_host():
    diller = {
        "BASE_URL": "http://127.0.0.1:9",
        "CLIENT_ID": "x",
        "CLIENT_SECRET": "y",
        "STORE_ID": "s",
        "RETRY_ATTEMPTS": 1,
    }
    with override_settings(DILLER=diller), pytest.raises(CommandError) as caught:
        call_command("diller_check")
    assert "token" in str(caught.value)
