"""'My receipts': a member's receipts from Dintero, newest first, each opening its lines,
discounts and totals; only their own; a plain message when Dintero can't be reached; read
through a cache; and only while Dintero is on."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from django_diller.dintero import my_receipts
from django_diller.dintero.connection import embedded_sandbox
from django_diller.dintero.sandbox import (
    SANDBOX_ACCOUNT_ID,
    SEED_CUSTOMER_ID,
    SEED_CUSTOMER_RECEIPT_IDS,
    seed_receipt_uuid,
)
from django_diller.models import MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID
from tests.oscar.orders import DILLER

from .conftest import DINTERO, at, espresso_receipt, send_receipts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dintero_on")]
# A change of DINTERO starts a new embedded sandbox: tests that change it do so first.
LIST = "aid_receipts_customers_cid_get"
DETAIL = "aid_receipts_customers_cid_rid_get"


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def receipt_numbers(response) -> list[str]:
    return re.findall(r'class="diller-receipt-row[^"]*" data-receipt="([^"]+)"', response.text)


def test_the_member_s_receipts_are_listed_newest_first_with_their_totals(member_client):
    send_receipts(
        espresso_receipt("100001", at(1), SEED_MEMBER_ID),
        espresso_receipt("100003", at(3), SEED_MEMBER_ID, discount="25.80"),
        espresso_receipt("100002", at(2), SEED_MEMBER_ID),
        espresso_receipt("100009", at(4), "another-member"),
        espresso_receipt("100010", at(5), None),
    )
    response = member_client.get(reverse("diller:receipts"))
    assert response.status_code == 200
    assert receipt_numbers(response) == ["100003", "100002", "100001"]
    text = text_of(response)
    assert "NOK232.20" in text and "NOK258.00" in text  # the totals, with their currency
    assert "Kaffebrenneriet Web" in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_receipt_opens_with_its_lines_discounts_and_totals(member_client):
    (dintero_id,) = send_receipts(
        espresso_receipt("100004", at(4), SEED_MEMBER_ID, discount="25.80")
    )
    listing = member_client.get(reverse("diller:receipts"))
    url = reverse("diller:receipt", args=[dintero_id])
    assert f'href="{url}"' in listing.text

    response = member_client.get(url)
    assert response.status_code == 200
    text = text_of(response)
    assert "Receipt 100004" in text
    line = re.search(r'<tr class="diller-receipt-line">(.*?)</tr>', response.text, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", line) == [
        "Espresso beans 500 g",
        "2",
        "NOK129.00",
        "NOK258.00",
    ]
    assert "10 % off coffee" in text and "-NOK25.80" in text
    totals = text_of_part(response.text, "diller-receipt-totals")
    assert "Before discounts NOK258.00" in totals
    assert "Discounts -NOK25.80" in totals
    assert "Total NOK232.20" in totals
    assert "Of which VAT 25 % NOK46.44" in totals
    assert "Card NOK232.20" in totals


def text_of_part(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    end = html.index("</table>", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


def test_the_shop_s_receipt_number_opens_the_receipt_too(member_client):
    send_receipts(espresso_receipt("100005", at(5), SEED_MEMBER_ID))
    response = member_client.get(reverse("diller:receipt", args=["100005"]))
    assert response.status_code == 200 and "Receipt 100005" in text_of(response)


def test_the_money_is_written_in_the_shop_s_language(member_client):
    (dintero_id,) = send_receipts(espresso_receipt("100006", at(6), SEED_MEMBER_ID))
    member_client.cookies["django_language"] = "nb"
    response = member_client.get(reverse("diller:receipt", args=[dintero_id]))
    assert "258,00\xa0kr" in response.content.decode()


@pytest.mark.parametrize(
    "ref",
    [
        seed_receipt_uuid(SEED_CUSTOMER_RECEIPT_IDS[0]),
        SEED_CUSTOMER_RECEIPT_IDS[0],
        "no-such",
        "..",
    ],
    ids=["someone-else-s-id", "someone-else-s-number", "unknown", "dots"],
)
def test_someone_else_s_receipt_is_not_found(member_client, ref):
    account = embedded_sandbox().state.accounts[SANDBOX_ACCOUNT_ID]
    assert account.of_customer(SEED_CUSTOMER_ID)  # the seed's customer has receipts of their own
    assert member_client.get(reverse("diller:receipt", args=[ref])).status_code == 404


def test_a_receipt_dintero_answers_for_another_customer_is_never_shown(member_client):
    (dintero_id,) = send_receipts(espresso_receipt("100007", at(7), "another-member"))
    answer = embedded_sandbox().state.accounts[SANDBOX_ACCOUNT_ID].receipts[dintero_id].payload()
    embedded_sandbox().override_response(DETAIL, 200, answer)
    assert member_client.get(reverse("diller:receipt", args=[dintero_id])).status_code == 404


def test_with_customer_id_shop_the_receipts_are_the_account_s(member_client, member):
    with override_settings(DINTERO={**DINTERO, "CUSTOMER_ID": "shop"}):
        send_receipts(
            espresso_receipt("100011", at(1), str(member.pk)),
            espresso_receipt("100012", at(2), SEED_MEMBER_ID),
        )
        response = member_client.get(reverse("diller:receipts"))
        (request,) = embedded_sandbox().requests_for(LIST)
    assert receipt_numbers(response) == ["100011"]
    assert request.path.endswith(f"/receipts/customers/{member.pk}")


def test_a_member_without_receipts_is_told_so(member_client):
    response = member_client.get(reverse("diller:receipts"))
    assert response.status_code == 200
    assert "You have no receipts yet." in text_of(response)


@pytest.mark.parametrize("status", [503, 500])
def test_when_dintero_can_t_be_reached_the_pages_say_so(member_client, status):
    with override_settings(DINTERO={**DINTERO, "RETRY_ATTEMPTS": 1}):
        embedded_sandbox().fail_next(2, status)
        listing = member_client.get(reverse("diller:receipts"))
        detail = member_client.get(reverse("diller:receipt", args=["100001"]))
    for response in (listing, detail):
        assert response.status_code == 200
        assert "Your receipts can&#x27;t be fetched right now." in response.text
    assert "You have no receipts yet." not in listing.text


def test_a_refusal_is_a_plain_message_too(member_client):
    embedded_sandbox().override_response(LIST, 403, {"error": {"message": "Forbidden"}})
    response = member_client.get(reverse("diller:receipts"))
    assert response.status_code == 200
    assert "Something went wrong while fetching your receipts." in response.text


def test_the_list_and_a_receipt_are_read_from_dintero_once_while_cached(member_client):
    (dintero_id,) = send_receipts(espresso_receipt("100013", at(3), SEED_MEMBER_ID))
    sandbox = embedded_sandbox()
    for _ in range(3):
        assert receipt_numbers(member_client.get(reverse("diller:receipts"))) == ["100013"]
        member_client.get(reverse("diller:receipt", args=[dintero_id]))
    assert (len(sandbox.requests_for(LIST)), len(sandbox.requests_for(DETAIL))) == (1, 1)

    send_receipts(espresso_receipt("100014", at(4), SEED_MEMBER_ID))
    # Kept for RECEIPTS_CACHE_SECONDS: the new receipt shows once the list is read again.
    assert receipt_numbers(member_client.get(reverse("diller:receipts"))) == ["100013"]
    cache.clear()  # the time has passed
    assert receipt_numbers(member_client.get(reverse("diller:receipts"))) == ["100014", "100013"]
    assert len(sandbox.requests_for(LIST)) == 2


def test_no_cache_with_receipts_cache_seconds_zero(member_client):
    with override_settings(DINTERO={**DINTERO, "RECEIPTS_CACHE_SECONDS": 0}):
        (dintero_id,) = send_receipts(espresso_receipt("100016", at(3), SEED_MEMBER_ID))
        for _ in range(2):
            member_client.get(reverse("diller:receipts"))
            member_client.get(reverse("diller:receipt", args=[dintero_id]))
        sandbox = embedded_sandbox()
        assert (len(sandbox.requests_for(LIST)), len(sandbox.requests_for(DETAIL))) == (2, 2)


def test_each_member_has_a_cache_of_their_own(client, member_client, django_user_model):
    send_receipts(espresso_receipt("100015", at(3), SEED_MEMBER_ID))
    assert receipt_numbers(member_client.get(reverse("diller:receipts"))) == ["100015"]
    other = django_user_model.objects.create_user("other", "other@example.com", "pw")
    MemberLink.objects.create(
        user=other, store_id=DILLER["STORE_ID"], member_id="other-member", source=Source.PAGE
    )
    client.force_login(other)
    assert receipt_numbers(client.get(reverse("diller:receipts"))) == []


def test_many_receipts_are_read_page_by_page(member_client, monkeypatch):
    send_receipts(*[espresso_receipt(f"2000{n:02}", at(1 + n), SEED_MEMBER_ID) for n in range(5)])
    monkeypatch.setattr(my_receipts, "PAGE_SIZE", 2)
    numbers = receipt_numbers(member_client.get(reverse("diller:receipts")))
    assert numbers == ["200004", "200003", "200002", "200001", "200000"]
    assert len(embedded_sandbox().requests_for(LIST)) == 3


def test_the_member_page_links_to_my_receipts_only_while_dintero_is_on(member_client):
    link = f'href="{reverse("diller:receipts")}"'
    assert link in member_client.get(reverse("diller:me")).text
    with override_settings(DINTERO={}):
        assert link not in member_client.get(reverse("diller:me")).text


def test_the_pages_are_not_there_while_dintero_is_off(member_client):
    with override_settings(DINTERO={}):
        assert member_client.get(reverse("diller:receipts")).status_code == 404
        assert member_client.get(reverse("diller:receipt", args=["100001"])).status_code == 404
    assert not embedded_sandbox().requests_for(LIST)


def test_shoppers_log_in_and_join_first(client, customer):
    url = reverse("diller:receipts")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(customer)  # no membership
    assert client.get(url)["Location"] == reverse("diller:join")
