"""The member's wallet is fetched ahead (on log-in and when the basket fills), so that the
coupon step costs no round trip to Diller while the shopper waits."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.wallet import is_cached
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import ESPRESSO, add_to_basket

pytestmark = pytest.mark.django_db
WALLET_CALLS = ("getMemberCoupons", "getMemberStampCards")


def wallet_calls() -> int:
    sandbox = embedded_sandbox()
    return sum(len(sandbox.requests_for(operation)) for operation in WALLET_CALLS)


def test_logging_in_fetches_the_members_wallet_ahead(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(member)
    assert is_cached(SEED_MEMBER_ID) and wallet_calls() == 2

    add_to_basket(client, ESPRESSO, 1)
    page = client.get(reverse("diller_oscar:coupons"), {"next": "/checkout/preview/"})
    assert page.status_code == 200 and "10 % off your purchase" in page.content.decode()
    assert wallet_calls() == 2  # the step took the prefetched wallet: no round trip


def test_filling_the_basket_fetches_it_once(member_client, django_capture_on_commit_callbacks):
    cache.clear()  # long after the log-in: its prefetch has expired
    with django_capture_on_commit_callbacks(execute=True):
        add_to_basket(member_client, ESPRESSO, 1)
        add_to_basket(member_client, ESPRESSO, 1)
    assert is_cached(SEED_MEMBER_ID) and wallet_calls() == 2


def test_a_shopper_who_is_not_a_member_fetches_nothing(
    client, shop, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user("s@example.com", "s@example.com", "pw")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.force_login(stranger)
        add_to_basket(client, ESPRESSO, 1)
    assert queued == [] and wallet_calls() == 0


def test_switched_off_nothing_is_fetched_ahead(
    client, member, settings, django_capture_on_commit_callbacks
):
    settings.DILLER = {**settings.DILLER, "PREFETCH_WALLET": False}
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.force_login(member)
        add_to_basket(client, ESPRESSO, 1)
    assert queued == [] and wallet_calls() == 0


def test_diller_down_while_prefetching_leaves_the_step_to_fetch_it(
    client, member, django_capture_on_commit_callbacks
):
    sandbox = embedded_sandbox()
    sandbox.faults.error_rate = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(member)  # the prefetch fails quietly; the log-in does not
    assert not is_cached(SEED_MEMBER_ID)

    sandbox.faults.error_rate = 0.0
    add_to_basket(client, ESPRESSO, 1)  # queued moments ago: not queued again
    before = wallet_calls()
    page = client.get(reverse("diller_oscar:coupons"), {"next": "/checkout/preview/"})
    assert page.status_code == 200 and wallet_calls() == before + 2
