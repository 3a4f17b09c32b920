"""The club's page at the root of the loyalty URLs, the header's points, the account page and
the account navigation (issue 11, "Finding the club"), against the embedded sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from django_diller.members import club
from django_diller.members.club import PointsRule
from django_diller.models import MemberLink, Source
from django_diller.sandbox.seed import SEED_MEMBER_POINTS, SEED_STORE_ID, SEED_STORE_NAME

pytestmark = pytest.mark.django_db

CLUB = "/loyalty/"
HOME = "/catalogue/"  # where the shop's "/" sends visitors


def calls(sandbox, *operations: str) -> int:
    return sum(len(sandbox.requests_for(operation)) for operation in operations)


def store_calls(sandbox) -> int:
    return calls(sandbox, "get", "getStoreMembershipLevel")


def diller_down(sandbox):
    return sandbox.inject(error_rate=1.0)


def club_part(html: str) -> str:
    """The page's own content (not the shop's header and footer)."""
    start = html.index('<div class="diller diller-club')
    return html[start : html.index("<footer", start)]


# the points rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "amount", "points"),
    [
        ("1", "99.99", 99),  # whole points, rounded toward zero
        ("0.1", "378.00", 37),
        ("2.5", "10.10", 25),
        ("1", "0", 0),
        ("1", "-50", 0),
    ],
)
def test_the_rule_gives_whole_points_rounded_toward_zero(ratio, amount, points):
    assert PointsRule(Decimal(ratio), "NOK").points_for(Decimal(amount)) == points


@pytest.mark.parametrize(
    ("ratio", "earning"),
    [
        ("1", (Decimal(1), Decimal(1))),
        ("0.1", (Decimal(1), Decimal("10.00"))),
        ("0.3", (Decimal("0.3"), Decimal(1))),  # 1 point per 3.333… kr does not read well
        ("2.5", (Decimal("2.5"), Decimal(1))),
    ],
)
def test_the_rule_is_told_as_points_per_amount(ratio, earning):
    assert PointsRule(Decimal(ratio), "NOK").earning() == earning


# the club's page -----------------------------------------------------------------------------


def test_the_club_is_at_the_root_of_the_loyalty_urls():
    assert reverse("diller:club") == CLUB


def test_a_visitor_sees_what_members_get_and_is_asked_to_log_in_or_register(client):
    html = client.get(CLUB).content.decode()
    assert f"{SEED_STORE_NAME} loyalty club" in html
    assert "1 point for every NOK1.00 you spend." in html  # the seeded ratio is 1.0
    assert "And 100 points when you join." in html
    assert "Bronze" in html and "from 1,000 points" in html and "Gold" in html
    assert "Stamp cards:" in html and "Coupons for members:" in html
    assert 'href="https://example.com/privacy"' in html
    join = reverse("diller:join")
    assert f'href="/accounts/login/?next={join.replace("/", "%2F")}"' in html
    assert f'href="/accounts/register/?next={join.replace("/", "%2F")}"' in html
    assert 'id="diller-club-join"' not in html
    assert reverse("diller:me") not in html


def test_a_logged_in_shopper_without_membership_gets_the_join_button(shopper):
    html = shopper.get(CLUB).content.decode()
    assert f'href="{reverse("diller:join")}" id="diller-club-join"' in html
    assert 'id="diller-login"' not in html
    assert 'id="diller-club-my-loyalty"' not in html


def test_a_linked_member_gets_my_loyalty_and_their_points_instead_of_join(shopper, demo_link):
    html = shopper.get(CLUB).content.decode()
    assert f'href="{reverse("diller:me")}" class="nav-link' in html  # the header's points
    assert f'href="{reverse("diller:me")}" id="diller-club-my-loyalty"' in html
    assert f"You have {SEED_MEMBER_POINTS:,} points." in html
    assert "Level: <strong>Silver</strong>" in html
    assert 'id="diller-club-join"' not in html


def test_the_page_asks_diller_once_then_reads_the_cache(client, sandbox):
    client.get(CLUB)
    after_first = store_calls(sandbox)
    assert after_first == 2  # the store and its levels
    for _ in range(3):
        assert client.get(CLUB).status_code == 200
    assert store_calls(sandbox) == after_first


def test_with_diller_down_the_page_is_plain_and_not_asked_again_at_once(shopper, sandbox):
    with diller_down(sandbox):
        response = shopper.get(CLUB)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<h1>Loyalty club</h1>" in html
        assert f"{SEED_STORE_NAME} loyalty club" not in html
        content = club_part(html)
        assert "Points on your purchases." in content
        assert "NOK" not in content and "Bronze" not in content
        assert "privacy" not in content.lower()
        assert 'id="diller-club-join"' in content
        asked = len(sandbox.requests)
        assert shopper.get(CLUB).status_code == 200
        assert len(sandbox.requests) == asked  # the failure is remembered for a while


def test_a_store_without_points_or_stamps_does_not_promise_them(client, store_state):
    store_state.points_system.enabled = False
    store_state.stamps_enabled = False
    html = client.get(CLUB).content.decode()
    assert "for every" not in html and "Points on your purchases." not in html
    assert "Stamp cards:" not in html
    assert "Coupons for members:" in html


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        ("0.1", "1 point for every NOK10.00 you spend."),
        ("2.5", "2.5 points for every NOK1.00 you spend."),
    ],
)
def test_the_page_tells_the_stores_ratio(client, store_state, ratio, text):
    store_state.points_system.currency_points_ratio = Decimal(ratio)
    assert text in client.get(CLUB).content.decode()


def test_a_privacy_link_that_is_not_a_web_address_is_left_out(client, store_state):
    store_state.privacy_policy_url = "javascript:alert(1)"
    html = client.get(CLUB).content.decode()
    assert "javascript:" not in html
    assert 'id="diller-club-privacy"' not in html


# the header and the account pages -------------------------------------------------------------


def header_points(html: str) -> str | None:
    marker = 'id="diller-header-points"'
    if marker not in html:
        return None
    start = html.index(marker)
    return html[start : html.index("</a>", start)]


def test_the_header_shows_points_a_member_page_read_and_never_asks_diller_elsewhere(
    shopper, demo_link, sandbox
):
    asked = len(sandbox.requests)
    assert header_points(shopper.get(HOME).content.decode()) is None  # nothing read yet
    assert len(sandbox.requests) == asked

    shopper.get(reverse("customer:profile-view"))  # a member page reads the member
    asked = len(sandbox.requests)
    header = header_points(shopper.get(HOME).content.decode())
    assert header is not None and f"{SEED_MEMBER_POINTS:,} points" in header
    assert len(sandbox.requests) == asked


def test_the_header_on_a_loyalty_page_reads_the_points_through_the_cache(
    shopper, demo_link, sandbox
):
    header = header_points(shopper.get(reverse("diller:me")).content.decode())
    assert header is not None and f"{SEED_MEMBER_POINTS:,} points" in header
    fetched = calls(sandbox, "getMemberById")
    shopper.get(reverse("diller:join"))  # redirects a member; then another loyalty page:
    shopper.get(CLUB)
    assert calls(sandbox, "getMemberById") == fetched


def test_the_header_shows_no_points_to_shoppers_without_membership(shopper, sandbox):
    html = shopper.get(CLUB).content.decode()
    assert header_points(html) is None


def test_the_account_page_shows_the_members_points_and_level(shopper, demo_link):
    html = shopper.get(reverse("customer:profile-view")).content.decode()
    start = html.index('id="diller-account-points"')
    card = html[start : html.index("</div>", start)]
    assert f"{SEED_MEMBER_POINTS:,} points" in card
    assert "Level: <strong>Silver</strong>" in card
    assert f'href="{reverse("diller:me")}"' in card


def test_the_account_page_without_diller_says_the_points_cannot_be_shown(
    shopper, demo_link, sandbox
):
    with diller_down(sandbox):
        response = shopper.get(reverse("customer:profile-view"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your points can't be shown right now." in html


def test_the_account_navigation_leads_members_to_my_loyalty(shopper, demo_link):
    html = shopper.get(reverse("customer:order-list")).content.decode()
    assert f'<a href="{reverse("diller:me")}" class="nav-link" id="diller-account-nav">' in html
    assert ">My loyalty</a>" in html


def test_the_account_navigation_leads_others_to_the_club(shopper):
    html = shopper.get(reverse("customer:profile-view")).content.decode()
    assert f'<a href="{CLUB}" class="nav-link" id="diller-account-nav">Loyalty club</a>' in html
    assert "Join the loyalty club" in html  # the account page's invitation


def test_the_home_pages_loyalty_button_leads_to_the_club(client):
    html = client.get(HOME).content.decode()
    assert f'<a href="{CLUB}" class="btn btn-success" id="loyalty-banner-link">' in html
    assert client.get(CLUB).status_code == 200


@pytest.mark.parametrize("who", ["visitor", "shopper", "member"])
def test_every_page_of_the_shop_leads_to_the_club_but_a_members(request, client, who):
    """The club is found from any page (a product's, the basket), not only from the home
    page's banner; a member's header has their points instead, which lead to their page."""
    from io import StringIO

    from django.core.management import call_command
    from oscar.core.loading import get_model

    call_command("load_demo_shop", stdout=StringIO())
    browser = client if who == "visitor" else request.getfixturevalue("shopper")
    if who == "member":
        request.getfixturevalue("demo_link")
    product = get_model("catalogue", "Product").objects.filter(is_public=True).first()
    for url in (product.get_absolute_url(), reverse("basket:summary"), HOME):
        html = browser.get(url).content.decode()
        link = f'<a href="{CLUB}" class="nav-link mt-2 mt-lg-0" id="diller-header-club">'
        assert (link in html) is (who != "member"), url


@pytest.mark.parametrize("address", [None, "", "javascript:alert(1)"])
def test_the_privacy_link_without_a_web_address_leads_to_the_clubs_page(
    client, store_state, address
):
    """Diller's store may have no policy address, or one that is no web address: the link the
    checkout shows still leads somewhere, never to a script."""
    store_state.privacy_policy_url = address
    response = client.get(reverse("diller:privacy-policy"))
    assert response.status_code == 302 and response["Location"] == CLUB


def test_the_privacy_link_leads_to_the_stores_policy(client, store_state):
    store_state.privacy_policy_url = "https://example.com/privacy"
    assert client.get(reverse("diller:privacy-policy"))["Location"] == "https://example.com/privacy"


def test_a_member_page_keeps_the_points_rule_for_the_pages_that_never_ask(shopper, demo_link):
    assert club.cached_points_rule() is None
    shopper.get(reverse("customer:profile-view"))
    assert club.cached_points_rule() == PointsRule(Decimal("1.0"), "NOK", 100)


def test_a_membership_diller_no_longer_knows_does_not_hide_the_clubs_figures(shopper, user):
    MemberLink.objects.create(
        user=user, store_id=SEED_STORE_ID, member_id="gone-member", source=Source.PAGE
    )
    for _ in range(2):  # "not found" is an answer, not an outage: nothing is held back after it
        html = shopper.get(CLUB).content.decode()
        assert 'id="diller-club-my-loyalty"' in html
        assert 'id="diller-club-points"' not in html
        assert "1 point for every NOK1.00 you spend." in html
