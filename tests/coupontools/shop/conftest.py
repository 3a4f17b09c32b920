"""Coupontools on the shop's side: the settings, the embedded sandbox and the admin pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from django_diller.coupontools import connection


@pytest.fixture
def coupontools():
    """The embedded sandbox the shop talks to (the test settings turn it on), freshly seeded."""
    return connection.embedded_sandbox()


@pytest.fixture
def redeemer(db, django_user_model):
    """A member of staff who may redeem vouchers and do nothing else."""
    user = django_user_model.objects.create_user(
        "till@example.com", "till@example.com", "pw", is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(
            codename="redeem_voucher", content_type__app_label="diller_coupontools"
        )
    )
    return user


@pytest.fixture
def redeemer_client(client, redeemer):
    client.force_login(redeemer)
    return client
