import pytest
from django.test import override_settings
from django.urls import reverse

from django_diller.api import models as m
from django_diller.loyalty.connection import NotConfigured, embedded_sandbox, get_client
from django_diller.sandbox.seed import SEED_MEMBER_ID


def test_the_demo_shows_the_one_time_code_the_member_was_sent(client):
    get_client().send_login_otp(SEED_MEMBER_ID)
    code = embedded_sandbox().last_otp(SEED_MEMBER_ID)
    page = client.get(reverse("diller:sandbox-messages"))
    assert page.status_code == 200
    assert str(code) in page.content.decode()


def test_there_is_no_such_page_outside_sandbox_mode(client):
    real = {"BASE_URL": "https://api.diller.app", "CLIENT_ID": "a", "CLIENT_SECRET": "b"}
    with override_settings(DILLER=real):
        assert client.get(reverse("diller:sandbox-messages")).status_code == 404


@pytest.mark.parametrize(
    ("debug", "diller", "status"),
    [
        (True, {"SANDBOX": True}, 200),
        (False, {"SANDBOX": True}, 404),
        (False, {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}, 200),  # test settings
        (True, {"SANDBOX": False, "SANDBOX_WITHOUT_DEBUG": True}, 404),
    ],
)
def test_codes_and_phone_numbers_are_shown_only_with_debug_on(client, debug, diller, status):
    with override_settings(DEBUG=debug, DILLER=diller):
        if diller["SANDBOX"] and status == 200:
            get_client().send_login_otp(SEED_MEMBER_ID)
            code = str(embedded_sandbox().last_otp(SEED_MEMBER_ID))
            assert code in client.get(reverse("diller:sandbox-messages")).content.decode()
        elif diller["SANDBOX"]:  # not allowed: the shop does not even talk to it
            with pytest.raises(NotConfigured):
                get_client()
        page = client.get(reverse("diller:sandbox-messages"))
    assert page.status_code == status


def test_segment_texts_from_diller_are_escaped(client):
    # Texts from the remote side are untrusted: the page must not render them as HTML.
    sandbox = embedded_sandbox()
    get_client().enroll_member(
        m.EnrollMemberRequest(
            phone=m.Phone(country_code="+47", number="45454545"), department_id="dept-webshop"
        )
    )
    sandbox.messages[-1].text = "<script>alert(1)</script>"
    html = client.get(reverse("diller:sandbox-messages")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


pytestmark = pytest.mark.django_db
