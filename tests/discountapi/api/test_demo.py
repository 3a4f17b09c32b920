"""The demo shop's part of the Discount API: its back-office client gets a token with the
README's call and creates a discount; the demo's rules are loaded, checked and idempotent."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import Application

from django_diller.discountapi.models import Discount
from example_shop.demo_discounts import (
    DEMO_BACKOFFICE_CLIENT_ID,
    DEMO_BACKOFFICE_SECRET,
    DEMO_DISCOUNTS,
    DEMO_DIST_CHAIN,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    out = StringIO()
    call_command("load_demo_shop", stdout=out)
    return out.getvalue()


def test_the_back_office_client_follows_the_readme(demo):
    # curl -u demo-backoffice:demo-backoffice-secret -d grant_type=client_credentials \
    #      -d "scope=discounts:read discounts:write" http://127.0.0.1:8000/o/token/
    pair = base64.b64encode(f"{DEMO_BACKOFFICE_CLIENT_ID}:{DEMO_BACKOFFICE_SECRET}".encode())
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "discounts:read discounts:write"},
        headers={"Authorization": f"Basic {pair.decode()}"},
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    response = Client().post(
        "/api/discounts",
        {"discountId": "d1", "name": "Example discount", "rate": 500, "type": "RELATIVE"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert response.json()["apiResponseStatus"]["responseCode"] == "I04001"
    assert "demo-backoffice / demo-backoffice-secret" in demo


def test_the_client_secret_is_stored_hashed_and_reloading_keeps_it_working(demo):
    call_command("load_demo_shop", stdout=StringIO())
    [client] = Application.objects.filter(client_id=DEMO_BACKOFFICE_CLIENT_ID)
    assert client.client_secret != DEMO_BACKOFFICE_SECRET
    assert check_password(DEMO_BACKOFFICE_SECRET, client.client_secret)
    assert client.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
    assert client.client_type == Application.CLIENT_CONFIDENTIAL


def test_the_demo_rules_are_loaded_as_documents_once(demo):
    call_command("load_demo_shop", stdout=StringIO())
    stored = {d.discount_id: d.to_document() for d in Discount.objects.all()}
    assert stored == {document["discountId"]: document for document in DEMO_DISCOUNTS}
    happy_hour = stored["happy-hour"]
    assert happy_hour["properties"]["automatic"] is True
    assert happy_hour["temporalValidity"]["dayOfWeekList"][-1] == "FRIDAY"
    assert stored["employee"]["properties"]["employee"] is True
    assert stored["coffee-club"]["properties"]["combinableWith"] == ["coffee-bonus"]
    assert stored["coffee-bonus"]["properties"]["combinableWith"] == ["coffee-club"]
    assert all(d["locationValidity"]["distChains"] == [DEMO_DIST_CHAIN] for d in stored.values())


def test_the_demo_staff_user_is_an_employee(demo):
    staff = get_user_model().objects.get(email="staff@example.com")
    assert staff.groups.filter(name="Employees").exists()
