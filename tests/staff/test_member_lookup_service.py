"""The look-up service's masking, store details and error paths (no admin)."""

import pytest

from django_diller.api import DillerValidationError
from django_diller.api import models as wire
from django_diller.phones import PhoneNumber
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from django_diller.staff import member_lookup as lookup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        (PhoneNumber("+47", "91234567"), "+47 ••• •• 567"),
        (wire.Phone(country_code="+46", number="701234567"), "+46 ••• ••• 567"),
        (PhoneNumber("+47", "12345"), "+47 ••• ••"),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert lookup.mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [("demo.member@example.com", "d•••@example.com"), ("x", "•••"), ("", ""), (None, "")],
)
def test_mask_email(email, masked):
    assert lookup.mask_email(email) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("01017012345", "••••••••345"), ("AB12", "••••"), ("", ""), (None, "")],
)
def test_mask_identifier(value, masked):
    assert lookup.mask_identifier(value) == masked


def test_store_info_reads_the_store_once():
    from django_diller.loyalty.connection import embedded_sandbox

    info = lookup.store_info()
    assert (info.store_id, info.country, info.identifier_type, info.currency) == (
        SEED_STORE_ID,
        "NO",
        "SSN",
        "NOK",
    )
    lookup.store_info()
    assert len(embedded_sandbox().requests_for("get")) == 1


def test_fetch_details_by_id_reads_coupons_and_stamp_cards():
    details = lookup.fetch_details(SEED_MEMBER_ID)
    assert details.name == "Kari Nordmann"
    assert details.coupons and details.stamp_cards
    assert details.link is None
    assert details.consents[0][1] is True


def test_a_validation_error_is_shown_as_a_message(client, django_user_model, monkeypatch):
    from django.urls import reverse

    class Refusing:
        def enroll_member(self, request):
            raise DillerValidationError(
                "phone: not a mobile number", operation="enrollMember", status=400
            )

        def get_store(self):
            from django_diller.loyalty.connection import get_client

            return get_client().get_store()

    monkeypatch.setattr(lookup, "get_client", lambda *a: Refusing())
    user = django_user_model.objects.create_superuser("boss@example.com", "boss@example.com", "pw")
    client.force_login(user)
    response = client.post(
        reverse("admin:diller_member_enroll"), {"phone": "40000128"}, follow=True
    )
    assert response.status_code == 200
    assert "not a mobile number" in response.content.decode()
