"""Staff see the joins waiting for a phone's owner, read-only, with the phone masked."""

import pytest
from django.urls import reverse
from django.utils import timezone

from django_diller.models import JoinInvitation

pytestmark = pytest.mark.django_db
LIST = "admin:diller_joininvitation_changelist"


@pytest.fixture
def staff_client(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(boss)
    return client


@pytest.fixture
def guest_join():
    return JoinInvitation.objects.create(
        store_id="demo-store",
        phone="+4791234567",
        order_number="100042",
        profile={"first_name": "Kari"},
        state=JoinInvitation.State.INVITED,
        invited_at=timezone.now(),
    )


def test_staff_see_what_became_of_a_guests_join_without_the_number(staff_client, guest_join):
    page = staff_client.get(reverse(LIST))
    html = page.content.decode()
    assert page.status_code == 200
    assert "100042" in html and "waiting for the phone" in html
    assert "••• 67" in html
    assert "91234567" not in html and "Kari" not in html

    detail = staff_client.get(reverse("admin:diller_joininvitation_change", args=[guest_join.pk]))
    assert detail.status_code == 200
    assert "91234567" not in detail.content.decode()


def test_nobody_adds_changes_or_deletes_them_from_the_admin(staff_client, guest_join):
    assert staff_client.get(reverse("admin:diller_joininvitation_add")).status_code == 403
    staff_client.post(
        reverse("admin:diller_joininvitation_change", args=[guest_join.pk]),
        {"state": JoinInvitation.State.JOINED},
    )
    staff_client.post(
        reverse("admin:diller_joininvitation_delete", args=[guest_join.pk]), {"post": "yes"}
    )
    guest_join.refresh_from_db()
    assert guest_join.state == JoinInvitation.State.INVITED
