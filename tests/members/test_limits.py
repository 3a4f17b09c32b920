"""The shopper pages' limits under parallel requests (atomic counters in the shared cache), the
client address they count per (configurable behind a proxy), and the check that warns when
the cache counting them is per process."""

from __future__ import annotations

import threading
from collections import Counter
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse

from django_diller.members.activation import find_by_activation_token
from django_diller.members.code_link import start_code_link, verify_code_link
from django_diller.members.errors import RateLimited, TooManyAttempts, WrongCode
from django_diller.members.limits import client_ip
from django_diller.members.pending import MAX_WRONG_CODES, PENDING_LINK_SESSION_KEY
from django_diller.members.quotas import count_sms
from django_diller.members.service import MemberService
from django_diller.sandbox.seed import SEED_MEMBER_ID
from tests.system_checks import REAL, diller_ids

from .conftest import join_data

pytestmark = pytest.mark.django_db

PARALLEL = 20


def in_parallel(work, count: int = PARALLEL) -> list:
    """Run ``work(n)`` in ``count`` threads released at the same moment; what each returned
    or raised. (The tests slow Diller's answers down, so that the requests overlap: a limit
    that read its counter before asking Diller and wrote it after would let them all in.)"""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(n: int) -> None:
        barrier.wait()
        try:
            outcomes[n] = work(n)
        except Exception as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def kinds(outcomes: list) -> Counter:
    return Counter(type(outcome).__name__ for outcome in outcomes)


def a_request(user, session=None, address: str = "10.0.0.1"):
    return SimpleNamespace(user=user, session=dict(session or {}), META={"REMOTE_ADDR": address})


def test_wrong_codes_sent_in_parallel_reach_diller_five_times_at_most(user, sandbox):
    """Twenty guesses at once, from twenty sessions holding the same pending link: five are
    checked by Diller, the others are refused before Diller is asked, and the right code is
    refused afterwards too (the link is void)."""
    service = MemberService()
    first = a_request(user)
    start_code_link(service, first, service.client.get_member(SEED_MEMBER_ID))
    pending = first.session[PENDING_LINK_SESSION_KEY]
    right = sandbox.last_otp(SEED_MEMBER_ID)
    wrong = f"{(right + 1) % 900_000 + 100_000:06d}"

    with sandbox.inject(latency=0.05, only_operations={"loginOtpVerification"}):
        outcomes = in_parallel(
            lambda n: verify_code_link(
                service, a_request(user, {PENDING_LINK_SESSION_KEY: dict(pending)}), wrong
            )
        )
    assert kinds(outcomes) == {"WrongCode": MAX_WRONG_CODES - 1, "TooManyAttempts": 16}
    assert len(sandbox.requests_for("loginOtpVerification")) == MAX_WRONG_CODES
    assert sorted(o.attempts_left for o in outcomes if isinstance(o, WrongCode)) == [1, 2, 3, 4]
    with pytest.raises(TooManyAttempts):
        verify_code_link(service, a_request(user, {PENDING_LINK_SESSION_KEY: pending}), str(right))


def test_activation_tokens_guessed_in_parallel_reach_diller_ten_times_at_most(sandbox):
    service = MemberService()
    with sandbox.inject(latency=0.05, only_operations={"getMemberByFilter"}):
        outcomes = in_parallel(
            lambda n: find_by_activation_token(service, f"guess-{n}", client_address="10.0.0.2")
        )
    assert kinds(outcomes) == {"NoneType": 10, "RateLimited": 10}
    assert len(sandbox.requests_for("getMemberByFilter")) == 10
    # another address has its own count
    assert find_by_activation_token(service, "guess", client_address="10.0.0.3") is None


def test_a_found_token_does_not_count_as_a_guess(sandbox, store_state):
    from .conftest import enroll_at_counter

    token = store_state.members[enroll_at_counter("45454545")].activation_token
    service = MemberService()
    for _ in range(15):
        assert find_by_activation_token(service, token, client_address="10.0.0.4") is not None
    assert find_by_activation_token(service, "guess", client_address="10.0.0.4") is None


def test_sms_asked_for_in_parallel_are_sent_three_times_at_most_per_phone():
    outcomes = in_parallel(lambda n: count_sms("+4798765432", f"10.1.0.{n}"))
    assert kinds(outcomes) == {"NoneType": 3, "RateLimited": PARALLEL - 3}
    with pytest.raises(RateLimited):
        count_sms("+4798765432", "10.1.1.1")


def test_sms_asked_for_in_parallel_are_sent_ten_times_at_most_per_address():
    outcomes = in_parallel(lambda n: count_sms(f"+47412345{n:02d}", "10.2.0.1"))
    assert kinds(outcomes) == {"NoneType": 10, "RateLimited": PARALLEL - 10}


# the client address --------------------------------------------------------------------------


def request_from(remote: str = "10.9.9.9", **headers: str):
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_the_address_is_remote_addr_unless_a_header_is_configured():
    assert client_ip(request_from(HTTP_X_FORWARDED_FOR="203.0.113.9")) == "10.9.9.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client sent is left of it
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        (2, "203.0.113.9", "10.9.9.9"),  # fewer hops than proxies: not through them
        (1, "not an address", "10.9.9.9"),
        (1, "", "10.9.9.9"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_proxies_the_address_is_the_one_the_shops_proxy_saw(proxies, forwarded, expected):
    diller = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}
    with override_settings(
        DILLER={**diller, "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR", "CLIENT_IP_PROXIES": proxies}
    ):
        assert client_ip(request_from(HTTP_X_FORWARDED_FOR=forwarded)) == expected


def test_the_join_pages_limit_counts_the_configured_address(shopper, sandbox):
    diller = {
        "SANDBOX": True,
        "SANDBOX_WITHOUT_DEBUG": True,
        "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
    }
    with override_settings(DILLER=diller):
        shopper.get(reverse("diller:join"))
        cache.set("diller:otp:ip:203.0.113.9", 10, 3600)
        refused = shopper.post(reverse("diller:join"), join_data(), HTTP_X_REAL_IP="203.0.113.9")
        assert "Too many codes have been sent" in refused.content.decode()
        allowed = shopper.post(reverse("diller:join"), join_data(), HTTP_X_REAL_IP="203.0.113.10")
        assert allowed["Location"] == reverse("diller:join-verify")


# the system check ------------------------------------------------------------------------------


@pytest.mark.parametrize("alias", ["default", "dummy"])
def test_a_per_process_rate_limit_cache_is_flagged(alias):
    assert "diller.W010" in diller_ids(**REAL, RATE_LIMIT_CACHE=alias)
    assert "diller.W010" not in diller_ids(debug=True, **REAL, RATE_LIMIT_CACHE=alias)


def test_the_rate_limits_use_the_shared_token_cache_unless_told_otherwise():
    assert diller_ids(**REAL) == []
    assert "diller.W010" in diller_ids(**{**REAL, "TOKEN_CACHE": "default"})


@pytest.mark.parametrize(
    "change",
    [
        {"RATE_LIMIT_CACHE": "nowhere"},
        {"CLIENT_IP_PROXIES": 0},
        {"CLIENT_IP_PROXIES": "1"},
        {"CLIENT_IP_HEADER": 5},
        {"CLIENT_IP_HEADER": ""},
    ],
)
def test_broken_limit_settings_are_errors(change):
    assert "diller.E012" in diller_ids(**{**REAL, **change})


def test_a_proxy_setting_passes_the_checks():
    ok = {**REAL, "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR", "CLIENT_IP_PROXIES": 2}
    assert diller_ids(**ok) == []
