"""The demo as the README describes it: which customer is a club member and with which phone,
the event types a return needs, ``DEMO_ADDR``, and links in the sandbox's texts that open the
demo shop's own pages."""

import io
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import get_args
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import resolve
from oscar.core.loading import get_model

from django_diller.api import models as m
from django_diller.loyalty.connection import embedded_sandbox, get_client
from django_diller.sandbox import Sandbox
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from django_diller.sandbox.state import MessageKind
from example_shop.demo_customers import (
    DEMO_MEMBER_EMAIL,
    DEMO_MEMBER_NATIONAL_PHONE,
    DEMO_SHIPPING_ADDRESS,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PaymentEventType = get_model("order", "PaymentEventType")
ShippingEventType = get_model("order", "ShippingEventType")
SHOP_URL = "http://127.0.0.1:8123"
SANDBOX_IN_TESTS = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}
LINK = re.compile(r"https?://\S+|(?<!\S)/\S+")


def readme_demo_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## The demo")
    return readme[start : readme.index("\n## ", start + 1)]


def load_demo_shop() -> None:
    call_command("load_demo_shop", stdout=StringIO())


# the member -----------------------------------------------------------------------------------


def test_the_demo_customer_the_readme_names_is_the_sandboxs_member():
    load_demo_shop()
    customer = get_user_model().objects.get(email=DEMO_MEMBER_EMAIL)
    member = embedded_sandbox().state.stores[SEED_STORE_ID].members[SEED_MEMBER_ID]
    assert (customer.first_name, customer.last_name) == (member.first_name, member.last_name)
    assert member.phone.number == DEMO_MEMBER_NATIONAL_PHONE
    assert DEMO_SHIPPING_ADDRESS["phone_number"] == member.phone.e164

    section = readme_demo_section()
    assert DEMO_MEMBER_EMAIL in section
    spaced = f"{DEMO_MEMBER_NATIONAL_PHONE[:3]} {DEMO_MEMBER_NATIONAL_PHONE[3:5]} "
    spaced += DEMO_MEMBER_NATIONAL_PHONE[5:]
    assert spaced in section  # "912 34 567", as she types it
    assert "DEMO_ADDR" in section


def test_the_phone_the_readme_gives_finds_her_membership():
    from django_diller.staff.member_lookup import LookupKind, search

    as_typed = "912 34 567"
    assert as_typed.replace(" ", "") == DEMO_MEMBER_NATIONAL_PHONE
    assert [member.id for member in search(LookupKind.PHONE, as_typed)] == [SEED_MEMBER_ID]


# event types ----------------------------------------------------------------------------------


def test_the_demo_has_the_event_types_its_diller_settings_act_on():
    load_demo_shop()
    load_demo_shop()  # idempotent
    assert sorted(PaymentEventType.objects.values_list("name", flat=True)) == [
        "Refunded",
        "Settled",
    ]
    assert "Refunded" in readme_demo_section()


@override_settings(
    DILLER={
        **SANDBOX_IN_TESTS,
        "RETURN_ON_PAYMENT_EVENTS": [],
        "RETURN_ON_SHIPPING_EVENTS": ["Returned", "Returned"],
    }
)
def test_a_shop_that_returns_by_shipping_events_gets_those_types():
    load_demo_shop()
    load_demo_shop()
    assert list(ShippingEventType.objects.values_list("name", flat=True)) == ["Returned"]
    assert list(PaymentEventType.objects.values_list("name", flat=True)) == ["Settled"]


# links in texts -------------------------------------------------------------------------------


def text_everything() -> list:
    """Make the sandbox send each kind of text it has: welcome, join invitation, login code,
    new-phone code."""
    client = get_client()
    client.register_member(
        m.RegisterMemberRequest(
            phone=m.Phone(country_code="+47", number="40000131"),
            first_name="Ada",
            consent=m.Consent(gdpr_accepted=True),
            department_ids=["dept-webshop"],
        )
    )
    client.enroll_member(
        m.EnrollMemberRequest(
            phone=m.Phone(country_code="+47", number="40000132"), department_id="dept-webshop"
        )
    )
    client.send_login_otp(SEED_MEMBER_ID)
    client.reset_phone(SEED_MEMBER_ID, m.Phone(country_code="+47", number="40000133"))
    messages = embedded_sandbox().messages
    assert {message.kind for message in messages} == set(get_args(MessageKind))
    return messages


def links_in(messages) -> list[str]:
    return [link.rstrip(".,)") for message in messages for link in LINK.findall(message.text)]


@override_settings(DILLER={**SANDBOX_IN_TESTS, "SANDBOX_SHOP_URL": SHOP_URL})
def test_every_link_the_sandbox_texts_opens_a_page_of_the_demo_shop(client, django_user_model):
    shopper = django_user_model.objects.create_user("ada", "ada@example.com", "pw")
    links = links_in(text_everything())
    assert links, "the join invitation holds a link"
    for link in links:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == SHOP_URL, link
        match = resolve(parts.path)  # a page of the example shop
        assert match.view_name == "diller:activate"
        # The page asks a visitor to log in first, then opens for them.
        page = client.get(f"{parts.path}?{parts.query}")
        assert page.status_code == 302
        assert resolve(urlsplit(page["Location"]).path).view_name == "customer:login"
        client.force_login(shopper)
        assert client.get(f"{parts.path}?{parts.query}").status_code == 200, link
        client.logout()


@override_settings(DILLER=SANDBOX_IN_TESTS)
def test_without_the_shop_url_the_messages_page_opens_links_on_the_shops_own_host(client):
    links = links_in(text_everything())
    assert links and all(link.startswith("/") for link in links)
    html = client.get("/loyalty/sandbox/messages/").content.decode()
    assert 'href="http://testserver/loyalty/activate/?token=' in html


def test_the_http_sandbox_texts_links_to_the_shop_url(monkeypatch):
    from django_diller.management.commands import diller_sandbox

    started: list[Sandbox] = []

    def serve(sandbox, host, port, *, ready, verbose):
        started.append(sandbox)
        raise KeyboardInterrupt

    monkeypatch.setattr(diller_sandbox, "serve_forever", serve)
    command = diller_sandbox.Command(stdout=io.StringIO())
    parser = command.create_parser("manage.py", "diller_sandbox")
    command.handle(**vars(parser.parse_args(["--shop-url", SHOP_URL])))
    assert started[0].settings.activation_url == f"{SHOP_URL}/loyalty/activate/"
    with override_settings(DILLER={**SANDBOX_IN_TESTS, "SANDBOX_SHOP_URL": "http://demo:1"}):
        command.handle(**vars(parser.parse_args([])))
    assert started[1].settings.activation_url == "http://demo:1/loyalty/activate/"


def test_the_dev_settings_point_the_links_at_demo_addr():
    code = "from example_shop.settings import dev; print(dev.DILLER['SANDBOX_SHOP_URL'])"
    env = {**os.environ, "DEMO_ADDR": "127.0.0.1:8123"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    shown = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == SHOP_URL
    assert 'export DEMO_ADDR="$ADDR"' in (ROOT / "example_shop" / "demo.sh").read_text()
