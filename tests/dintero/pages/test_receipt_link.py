"""A guest's receipt link: with TOKEN_EXPIRE_DAYS, the thank-you page links to a shop page
naming the order signed; the page shows the receipt Dintero returns for its token, or that it
is being prepared; the token is kept from Dintero's answer and never shown, linked or logged."""

from __future__ import annotations

import logging
import re
import time

import pytest
from django.core import signing
from django.template import Context, Template
from django.test import override_settings
from django.urls import resolve, reverse

from django_diller.dintero import receipt_links
from django_diller.dintero.connection import embedded_sandbox
from django_diller.dintero.kinds import Kind
from django_diller.dintero.queueing import receipt_entry
from django_diller.dintero.tokens import ANSWER_KEY
from django_diller.models import OutboxEntry
from tests.oscar.orders import event

from .conftest import DINTERO, ESPRESSO, MUG

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("receivers")]
WITH_TOKENS = {**DINTERO, "TOKEN_EXPIRE_DAYS": 30}
BY_TOKEN = "aid_receipts_receipt_token_get"
State = OutboxEntry.State


@pytest.fixture
def tokens_on():
    with override_settings(DINTERO=WITH_TOKENS):
        yield embedded_sandbox()


def paid(place, commit, items, **kwargs):
    order = place(items, **kwargs)
    with commit():
        event(order, "Settled")
    return order


def link_url(order) -> str:
    return reverse("diller:receipt-link", args=[receipt_links.link_value(order.number)])


def linked_order_number(html: str) -> str | None:
    """The order number the page's receipt link names (its signature carries the second it was
    made, so the link is read back rather than compared with one made later)."""
    match = re.search(r'id="diller-receipt-link".*?href="([^"]+)"', html, re.S)
    assert match, "no receipt link on the page"
    found = resolve(match.group(1))
    assert found.view_name == "diller:receipt-link"
    return receipt_links.order_number_in(found.kwargs["value"])


def thank_you(client, order):
    session = client.session
    session["checkout_order_id"] = order.pk
    session.save()
    response = client.get(reverse("checkout:thank-you"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_guest_s_thank_you_page_links_to_the_receipt(tokens_on, client, place, commit):
    order = paid(place, commit, {ESPRESSO: 1})
    html = thank_you(client, order)
    assert 'id="diller-receipt-link"' in html
    assert linked_order_number(html) == order.number
    assert "Keep this link: it works for 30 days." in html
    token = receipt_entry(order.number).response[ANSWER_KEY]
    assert token not in html


def test_the_link_opens_the_receipt_read_from_dintero_by_its_token(
    tokens_on, client, place, commit, caplog
):
    order = paid(place, commit, {ESPRESSO: 2, MUG: 1})
    entry = receipt_entry(order.number)
    assert entry.state == State.SENT
    token = entry.response[ANSWER_KEY]  # kept from Dintero's answer to the create
    assert token.count(".") == 2  # a JWT
    with caplog.at_level(logging.DEBUG):
        response = client.get(link_url(order))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="diller-receipt"' in html and "Espresso beans 500 g" in html
    assert f'Order number</dt><dd class="col-sm-9 diller-receipt-order">{order.number}' in html
    total = f"NOK{order.total_incl_tax:,.2f}"
    assert re.search(rf"Total</th><td[^>]*><strong>{re.escape(total)}</strong>", html)
    (request,) = tokens_on.requests_for(BY_TOKEN)
    assert request.status == 200
    assert token not in html and token not in caplog.text
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_while_the_receipt_is_not_sent_the_page_says_it_is_being_prepared(
    tokens_on, client, place, commit
):
    order = place({MUG: 1})  # not paid: no receipt queued yet
    assert "Your receipt is being prepared." in client.get(link_url(order)).content.decode()
    with tokens_on.inject(error_rate=1.0):
        with commit():
            event(order, "Settled")
    assert receipt_entry(order.number).state == State.FAILED  # to be tried again
    html = client.get(link_url(order)).content.decode()
    assert "Your receipt is being prepared." in html
    assert not tokens_on.requests_for(BY_TOKEN)


def test_without_the_token_in_dintero_s_answer_it_is_found_by_the_receipt_number(
    tokens_on, client, place, commit
):
    tokens_on.options.create_answer = "entities"  # the ids only, as the contract promises
    order = paid(place, commit, {MUG: 1})
    assert ANSWER_KEY not in receipt_entry(order.number).response
    html = client.get(link_url(order)).content.decode()
    assert 'id="diller-receipt"' in html
    assert len(tokens_on.requests_for("aid_receipts_rid_get")) == 1
    assert len(tokens_on.requests_for(BY_TOKEN)) == 1
    client.get(link_url(order))  # cached: Dintero is not asked again
    assert len(tokens_on.requests_for(BY_TOKEN)) == 1


@pytest.mark.parametrize("state", [State.DEAD, State.SKIPPED])
def test_a_receipt_that_was_never_sent_can_t_be_shown(tokens_on, client, place, commit, state):
    order = paid(place, commit, {MUG: 1})
    OutboxEntry.objects.filter(kind=Kind.RECEIPT).update(state=state)
    html = client.get(link_url(order)).content.decode()
    assert "This receipt can't be shown here." in html
    assert not tokens_on.requests_for(BY_TOKEN)


def test_a_token_dintero_refuses_is_said_plainly_and_not_logged(
    tokens_on, client, place, commit, caplog
):
    order = paid(place, commit, {MUG: 1})
    token = receipt_entry(order.number).response[ANSWER_KEY]
    tokens_on.override_response(BY_TOKEN, 403, {"error": {"message": "The token has expired."}})
    with caplog.at_level(logging.DEBUG):
        html = client.get(link_url(order)).content.decode()
    assert "This receipt can't be shown here." in html
    assert "Dintero refused a receipt token" in caplog.text and token not in caplog.text


def test_when_dintero_can_t_be_reached_the_page_says_so(client, place, commit):
    with override_settings(DINTERO={**WITH_TOKENS, "RETRY_ATTEMPTS": 1}):
        order = paid(place, commit, {MUG: 1})
        embedded_sandbox().fail_next(1, 503)
        response = client.get(link_url(order))
    assert response.status_code == 200
    assert "Your receipts can&#x27;t be fetched right now." in response.content.decode()


def test_a_forged_or_expired_link_is_not_found(tokens_on, client, place, commit, monkeypatch):
    order = paid(place, commit, {MUG: 1})
    _payload, stamp, signature = receipt_links.link_value(order.number).split(":")
    another = receipt_links.link_value("999999").split(":")[0]
    forged = f"{another}:{stamp}:{signature}"  # another order's number, this one's signature
    other = signing.dumps(order.number, salt="another.salt")
    for bad in (forged, other, "nothing"):
        url = reverse("diller:receipt-link", args=[bad])
        assert client.get(url).status_code == 404, bad
    older = time.time() - 31 * 24 * 60 * 60  # older than TOKEN_EXPIRE_DAYS
    monkeypatch.setattr(signing.time, "time", lambda: older)
    expired = receipt_links.link_value(order.number)
    monkeypatch.undo()
    assert client.get(reverse("diller:receipt-link", args=[expired])).status_code == 404
    assert client.get(link_url(order)).status_code == 200


@pytest.mark.parametrize(
    "settings",
    [{}, DINTERO],  # Dintero off; on without receipt tokens
    ids=["dintero-off", "no-tokens"],
)
def test_no_link_and_no_page_without_receipt_tokens(client, place, commit, settings):
    with override_settings(DINTERO=settings):
        order = paid(place, commit, {MUG: 1})
        assert 'id="diller-receipt-link"' not in thank_you(client, order)
        assert client.get(link_url(order)).status_code == 404


def test_a_logged_in_buyer_gets_no_link(tokens_on, client, place, commit, customer):
    order = paid(place, commit, {MUG: 1}, user=customer)
    client.force_login(customer)
    assert 'id="diller-receipt-link"' not in thank_you(client, order)
    html = Template("{% load diller_dintero %}{% diller_receipt_link order %}").render(
        Context({"order": order})
    )
    assert html.strip() == ""


def test_the_link_is_offered_as_soon_as_the_order_is_placed(tokens_on, place):
    order = place({MUG: 1})
    html = Template("{% load diller_dintero %}{% diller_receipt_link order %}").render(
        Context({"order": order})
    )
    # the page says "being prepared" until payment
    assert linked_order_number(html) == order.number
