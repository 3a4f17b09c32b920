"""Activation, my loyalty page, editing and leaving."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from django_diller.api import models as m
from django_diller.contrib.oscar.adapter import OscarAdapter
from django_diller.loyalty.connection import get_client
from django_diller.models import ConsentRecord, MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_ID
from django_diller.signals import member_joined, member_left, member_updated

from .conftest import edit_data, join_and_activate, join_data, member_with_number

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The loyalty club can&#x27;t be reached right now."


@pytest.fixture
def signals_seen():
    seen: list[tuple[str, dict]] = []
    for name, signal in (("joined", member_joined), ("updated", member_updated),
                         ("left", member_left)):  # fmt: skip
        signal.connect(
            lambda sender, _name=name, **kw: seen.append((_name, kw)),
            weak=False,
            dispatch_uid=f"test-{name}",
        )
    yield seen
    for name, signal in (("joined", member_joined), ("updated", member_updated),
                         ("left", member_left)):  # fmt: skip
        signal.disconnect(dispatch_uid=f"test-{name}")


# activation ----------------------------------------------------------------------------------


def enroll(number: str = "45454545") -> str:
    member = get_client().enroll_member(
        m.EnrollMemberRequest(
            phone=m.Phone(country_code="+47", number=number), department_id="dept-webshop"
        )
    )
    return member.id


@pytest.mark.usefixtures("update_mode")
def test_activation_finishes_an_enrolled_profile(shopper, user, store_state, signals_seen):
    member_id = enroll()
    token = store_state.members[member_id].activation_token
    url = f"{reverse('diller:activate')}?token={token}"
    page = shopper.get(url)
    assert page.status_code == 200
    assert "phone" not in re.findall(r'name="([^"]+)"', page.content.decode())
    data = join_data(phone=None, segment_1="Kenya", receive_email="on")
    response = shopper.post(url, data)
    assert response["Location"] == reverse("diller:me")
    member = store_state.members[member_id]
    assert member.consent.gdpr_accepted is True
    assert member.consent.receive_email is True
    assert member.first_name == "Ola"
    assert member.segments[1].value == "Kenya"
    link = MemberLink.objects.get(user=user)
    assert (link.member_id, link.source) == (member_id, Source.ACTIVATION)
    assert ConsentRecord.objects.filter(member_id=member_id, source=Source.ACTIVATION).count() == 4
    assert signals_seen[0][0] == "joined"
    assert signals_seen[0][1]["source"] == Source.ACTIVATION


def test_an_unknown_activation_token_says_so(shopper):
    page = shopper.get(f"{reverse('diller:activate')}?token=nope")
    assert page.status_code == 200
    assert "diller-activation-invalid" in page.content.decode()
    assert not MemberLink.objects.exists()


def test_activation_needs_a_login(client, store_state):
    member_id = enroll()
    token = store_state.members[member_id].activation_token
    response = client.get(f"{reverse('diller:activate')}?token={token}")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# my loyalty ----------------------------------------------------------------------------------


def test_my_page_shows_points_level_coupons_and_stamp_cards(shopper, demo_link):
    page = shopper.get(reverse("diller:me"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>1,250</strong>" in html  # grouped, as the header writes points
    assert "Silver" in html
    assert "3,750 points to Gold" in html
    assert '<progress value="250" max="4000">' in html
    assert "10 % off your purchase" in html
    assert "<strong>10 %</strong>" in html
    assert "<strong>50 kr</strong>" in html
    assert "<strong>Free shipping</strong>" in html
    assert "1 use left" in html
    assert "Only for selected products" in html
    assert "15 % off (expired)" not in html
    assert "8 of 10 stamps" in html
    # The reward is announced only when one stamp is left: 4 of 5 buns, not 8 of 10 coffees.
    assert "Your next coffee is free!" not in html
    assert "Your next cinnamon bun is free!" in html
    card = html[html.index("Every 10th coffee free") :]
    card = card[: card.index("</li>")]
    assert card.count("diller-stamp-filled") == 8
    assert card.count("diller-stamp-empty") == 2


def test_another_user_sees_only_their_own_membership(client, demo_link, other_user):
    member = get_client().register_member(
        m.RegisterMemberRequest(
            phone=m.Phone(country_code="+47", number="47474747"),
            first_name="Per",
            consent=m.Consent(gdpr_accepted=True),
            department_ids=["dept-webshop"],
        )
    )
    MemberLink.objects.create(
        user=other_user, store_id="demo-store", member_id=member.id, source=Source.PAGE
    )
    client.force_login(other_user)
    html = client.get(reverse("diller:me")).content.decode()
    assert "<strong>100</strong>" in html  # the sign-up bonus, nothing of the demo member's
    assert "1,250" not in html
    assert "10 % off your purchase" not in html
    assert "8 of 10 stamps" not in html  # stamp cards are store-wide: theirs are empty
    assert "0 of 10 stamps" in html


def test_my_page_without_a_link_goes_to_join(shopper):
    assert shopper.get(reverse("diller:me"))["Location"] == reverse("diller:join")
    assert shopper.get(reverse("diller:me-edit"))["Location"] == reverse("diller:join")
    assert shopper.get(reverse("diller:me-leave"))["Location"] == reverse("diller:join")


def test_my_page_needs_a_login(client):
    assert "/accounts/login/" in client.get(reverse("diller:me"))["Location"]


def test_my_page_when_diller_is_down(shopper, demo_link, sandbox):
    with sandbox.inject(error_rate=1.0):
        page = shopper.get(reverse("diller:me"))
    assert page.status_code == 200
    assert UNAVAILABLE in page.content.decode()


# edit ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("update_mode")
def test_edit_a_segment(shopper, user, demo_link, store_state, signals_seen):
    response = shopper.post(
        reverse("diller:me-edit"), edit_data(segment_1="Sumatra", receive_sms=None)
    )
    assert response["Location"] == reverse("diller:me")
    member = store_state.members[SEED_MEMBER_ID]
    assert member.segments[1].value == "Sumatra"
    assert member.segments[6].value == "A"  # the hidden answer is kept
    assert member.consent.receive_sms is False
    assert member.consent.gdpr_accepted is True
    assert signals_seen == [
        (
            "updated",
            {
                "signal": member_updated,
                "user": user,
                "member_id": SEED_MEMBER_ID,
                "store_id": "demo-store",
                "changed": {"segment_1", "receive_sms"},
            },
        )
    ]
    latest = ConsentRecord.objects.filter(member_id=SEED_MEMBER_ID, consent="receive_sms").first()
    assert latest.given is False


@pytest.mark.usefixtures("update_mode")
def test_consent_rows_only_when_a_value_changes(shopper, demo_link):
    shopper.post(reverse("diller:me-edit"), edit_data())
    first = ConsentRecord.objects.count()
    shopper.post(reverse("diller:me-edit"), edit_data(city="Bergen"))
    assert ConsentRecord.objects.count() == first
    shopper.post(reverse("diller:me-edit"), edit_data(receive_email=None))
    assert ConsentRecord.objects.count() == first + 1


@pytest.mark.usefixtures("update_mode")
def test_clearing_an_optional_segment(shopper, demo_link, store_state):
    shopper.post(reverse("diller:me-edit"), edit_data(segment_4=None))
    assert 4 not in store_state.members[SEED_MEMBER_ID].segments


@pytest.mark.usefixtures("update_mode")
def test_nothing_changed_sends_no_signal(shopper, demo_link, signals_seen):
    shopper.post(reverse("diller:me-edit"), edit_data())
    assert signals_seen == []


@pytest.mark.usefixtures("update_mode")
def test_edit_when_diller_is_down_keeps_the_input(shopper, demo_link, sandbox, store_state):
    shopper.get(reverse("diller:me-edit"))
    real_get = get_client().get_member(SEED_MEMBER_ID)
    assert real_get.first_name == "Kari"
    with sandbox.inject(error_rate=1.0, only_operations={"updateMember"}):
        page = shopper.post(reverse("diller:me-edit"), edit_data(segment_1="Java"))
    assert page.status_code == 200
    html = page.content.decode()
    assert UNAVAILABLE in html
    assert 'value="Java"' in html
    assert store_state.members[SEED_MEMBER_ID].segments[1].value == "Kenya AA"


@pytest.mark.usefixtures("update_mode")
def test_edit_shows_dillers_field_error(shopper, demo_link, sandbox):
    sandbox.override_response(
        "updateMember",
        409,
        {"title": "Conflict", "status": 409, "errors": {"email": ["Already in use."]}},
    )
    page = shopper.post(reverse("diller:me-edit"), edit_data(email="taken@example.com"))
    assert page.status_code == 200
    assert "Already in use." in page.content.decode()


# leave ---------------------------------------------------------------------------------------


def test_leaving_asks_first(shopper, demo_link, store_state):
    page = shopper.get(reverse("diller:me-leave"))
    assert page.status_code == 200
    assert "diller-leave-form" in page.content.decode()
    assert not store_state.members[SEED_MEMBER_ID].is_deleted


def test_leave(shopper, user, demo_link, store_state, signals_seen):
    response = shopper.post(reverse("diller:me-leave"))
    assert response["Location"] == reverse("diller:join")
    assert store_state.members[SEED_MEMBER_ID].is_deleted
    assert not MemberLink.objects.exists()
    assert get_user_model().objects.filter(pk=user.pk).exists()
    withdrawn = ConsentRecord.objects.filter(member_id=SEED_MEMBER_ID, given=False)
    assert {r.consent for r in withdrawn} == {
        "gdpr_accepted", "save_order_history", "receive_sms", "receive_email"
    }  # fmt: skip
    assert signals_seen == [
        (
            "left",
            {
                "signal": member_left,
                "user": user,
                "member_id": SEED_MEMBER_ID,
                "store_id": "demo-store",
            },
        )
    ]


def test_leave_when_diller_is_down_keeps_the_link(shopper, demo_link, sandbox):
    with sandbox.inject(error_rate=1.0):
        page = shopper.post(reverse("diller:me-leave"))
    assert page.status_code == 200
    assert UNAVAILABLE in page.content.decode()
    assert MemberLink.objects.exists()


@pytest.mark.usefixtures("update_mode")
def test_a_joined_member_can_rejoin_after_leaving(shopper, user, sandbox, store_state):
    assert join_and_activate(shopper, sandbox)["Location"] == reverse("diller:me")
    shopper.post(reverse("diller:me-leave"))
    assert member_with_number(store_state, "98765432") is None
    assert not MemberLink.objects.exists()
    assert join_and_activate(shopper, sandbox)["Location"] == reverse("diller:me")
    assert (
        MemberLink.objects.get(user=user).member_id
        == member_with_number(store_state, "98765432").id
    )


def a_coupon(dtype: str, value: str) -> m.MemberCouponResponse:
    from datetime import UTC, datetime
    from decimal import Decimal

    return m.MemberCouponResponse(
        code="C",
        title="C",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_to=datetime(2027, 1, 1, tzinfo=UTC),
        type="Standard",
        discount_type=dtype,
        discount_value=Decimal(value),
    )


@pytest.mark.parametrize(
    ("language", "dtype", "value", "currency", "shown"),
    [
        ("en", "Percentage", "10", "NOK", "10 %"),
        ("en", "Percentage", "12.5", "NOK", "12.50 %"),
        ("en", "Fixed", "50.00", "NOK", "50 kr"),
        ("en", "Fixed", "49.5", "SEK", "49.50 kr"),
        ("en", "Fixed", "20", "EUR", "20 €"),
        ("en", "Fixed", "20", "GBP", "20 GBP"),
        ("en", "FreeShipping", "0", "NOK", "Free shipping"),
        ("nb", "Percentage", "12.5", "NOK", "12,50 %"),  # in the shopper's language
        ("nb", "Fixed", "49.5", "NOK", "49,50 kr"),
        ("sv", "Fixed", "49.5", "SEK", "49,50 kr"),
    ],
)
def test_coupon_values_as_shoppers_read_them(language, dtype, value, currency, shown):
    from django.utils import translation

    from django_diller.adapter import DefaultAdapter

    with translation.override(language):
        assert DefaultAdapter().coupon_value(a_coupon(dtype, value), currency) == shown


def test_my_page_asks_diller_for_coupons_and_stamp_cards_of_the_linked_member(
    shopper, demo_link, sandbox
):
    shopper.get(reverse("diller:me"))
    for operation in ("getMemberById", "getMemberCoupons", "getMemberStampCards"):
        requests = sandbox.requests_for(operation)
        assert len(requests) == 1
        assert SEED_MEMBER_ID in requests[0].path


class PlainValuesAdapter(OscarAdapter):
    """A shop that writes coupon values its own way."""

    def coupon_value(self, coupon, currency):
        return f"worth {coupon.discount_value} {currency}"


def test_a_store_without_a_currency_shows_amounts_in_the_shops(shopper, demo_link, store_state):
    store_state.currency = None  # Diller's answer leaves it out
    html = shopper.get(reverse("diller:me")).content.decode()
    assert "<strong>50 kr</strong>" in html  # the shop's NOK


def test_the_shops_adapter_writes_the_coupon_values(shopper, demo_link, settings):
    settings.DILLER = {
        **settings.DILLER,
        "ADAPTER": f"{__name__}.{PlainValuesAdapter.__qualname__}",
    }
    html = shopper.get(reverse("diller:me")).content.decode()
    assert "<strong>worth 50 NOK</strong>" in html
    assert "<strong>50 kr</strong>" not in html


def test_a_membership_deleted_at_diller_offers_the_way_out_not_try_again(
    shopper, demo_link, store_state, caplog
):
    from django.utils import timezone

    store_state.members[SEED_MEMBER_ID].deleted_at = timezone.now()  # Diller answers 404
    way_out = f"{reverse('diller:me-leave')}?gone=1"
    for page in ("diller:me", "diller:me-edit"):
        html = shopper.get(reverse(page)).content.decode()
        assert "no longer has your membership" in html, page
        assert "try again in a few minutes" not in html
        assert f'href="{way_out}"' in html
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    # The page says only the link ends: there is nothing left at the club to lose.
    html = shopper.get(way_out).content.decode()
    assert "no longer has the membership your account is linked to" in html
    assert "points, coupons and stamp cards are gone" not in html
    # Ending the link finishes here (Diller has nothing to delete); the shopper may join again.
    response = shopper.post(reverse("diller:me-leave"), {"gone": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("diller:join")
    assert "no longer linked to a loyalty membership" in response.content.decode()
    assert "You have left the loyalty club" not in response.content.decode()
    assert not MemberLink.objects.exists()
    assert shopper.get(reverse("diller:join")).status_code == 200


def test_the_header_drops_the_points_of_a_membership_deleted_at_diller(
    shopper, demo_link, store_state
):
    from django.utils import timezone

    from ..members.test_club_pages import header_points

    shopper.get(reverse("diller:me"))  # the header's points are kept for other pages
    assert header_points(shopper.get("/basket/").content.decode()) is not None
    store_state.members[SEED_MEMBER_ID].deleted_at = timezone.now()
    shopper.get(reverse("diller:me"))  # finds it gone
    assert header_points(shopper.get("/basket/").content.decode()) is None


def test_the_page_that_ends_only_the_link_never_deletes_a_membership_diller_still_has(
    shopper, demo_link, store_state
):
    way_out = f"{reverse('diller:me-leave')}?gone=1"
    html = shopper.get(way_out).content.decode()  # an old tab: Diller has the member
    assert "points, coupons and stamp cards are gone" in html  # the true words
    assert "Ending the link only removes it" not in html
    shopper.post(way_out, {"gone": "1"})  # the page that said only the link ends, posted
    assert not store_state.members[SEED_MEMBER_ID].is_deleted
    assert not MemberLink.objects.exists()


def test_a_coupon_list_not_found_is_not_a_membership_gone(shopper, demo_link, sandbox):
    problem = {"title": "Not Found", "status": 404}
    sandbox.override_response("getMemberCoupons", 404, problem)
    html = shopper.get(reverse("diller:me")).content.decode()
    assert "no longer has your membership" not in html
    assert "Please try again in a few minutes" in html


def test_the_leave_page_of_a_member_warns_of_what_is_lost(shopper, demo_link):
    html = shopper.get(reverse("diller:me-leave")).content.decode()
    assert "points, coupons and stamp cards are gone" in html
    assert 'name="gone"' not in html


def test_my_page_writes_a_coupons_last_day_as_the_checkout_does(shopper, demo_link, sandbox):
    """In words, in the shop's time zone ("Valid until March 1, 2027"): "03/01/2027" reads as
    the third of January to most of Europe."""
    from django.utils import timezone
    from django.utils.formats import date_format

    html = shopper.get(reverse("diller:me")).content.decode()
    coupons = get_client().get_member_coupons(SEED_MEMBER_ID)
    last_days = {
        date_format(timezone.localtime(c.valid_to), "DATE_FORMAT") for c in coupons if c.valid_to
    }
    assert last_days
    for last_day in last_days:
        assert f"Valid until {last_day}</p>" in html
