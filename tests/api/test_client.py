"""The sync client against the sandbox: results, errors, retries, tokens and logs."""

import logging
import time
from decimal import Decimal

import pytest

from django_diller.api import (
    AccessToken,
    DillerAuthError,
    DillerClient,
    DillerNotFound,
    DillerRefused,
    DillerResponseError,
    DillerTimeout,
    DillerUnavailable,
    DillerValidationError,
    RetryPolicy,
    Timeouts,
)
from django_diller.api import models as m
from django_diller.api.auth import MemoryTokenStore
from django_diller.sandbox import SandboxTransport, running_server
from django_diller.sandbox.seed import (
    SEED_MEMBER_ID,
    SEED_MEMBER_PHONE,
    SEED_STORE_ID,
)

from .conftest import make_config


def new_member_request(number="98765432", email="ola@example.com") -> m.RegisterMemberRequest:
    return m.RegisterMemberRequest(
        phone=m.Phone(country_code="+47", number=number),
        first_name="Ola",
        last_name="Nordmann",
        email=email,
        consent=m.Consent(gdpr_accepted=True, save_order_history=True),
    )


def transaction(external_id="100042", total="250.00") -> m.CreateTransactionRequest:
    return m.CreateTransactionRequest(
        external_id=external_id,
        total=Decimal(total),
        total_tax=Decimal("32.61"),
        total_discount=Decimal("0"),
        currency="NOK",
        origin=m.Origin(system_id="django-diller", channel="OnlineStore"),
    )


# Results -------------------------------------------------------------------------------------
def test_reads_come_back_as_typed_models(client):
    store = client.get_store()
    assert isinstance(store, m.StoreResponse)
    assert store.id == SEED_STORE_ID
    assert store.currency == "NOK"
    assert isinstance(store.points_system.currency_points_ratio, Decimal)
    coupons = client.get_member_coupons(SEED_MEMBER_ID)
    assert coupons and all(isinstance(c, m.MemberCouponResponse) for c in coupons)


def test_search_needs_exactly_one_key(client):
    with pytest.raises(ValueError):
        client.search_members()
    with pytest.raises(ValueError):
        client.search_members(phone="1", email="a@example.com")
    found = client.search_members(phone=SEED_MEMBER_PHONE)
    assert [member.id for member in found] == [SEED_MEMBER_ID]


def test_for_store_addresses_another_store_with_the_same_tokens(client, sandbox):
    client.get_store()
    with pytest.raises(DillerNotFound):
        client.for_store("no-such-store").get_store()
    assert sandbox.token_requests == 1


# Errors ----------------------------------------------------------------------------------------
def test_not_found_is_its_own_error(client):
    with pytest.raises(DillerNotFound) as caught:
        client.get_member("no-such-member")
    assert caught.value.status == 404


def test_problem_details_become_field_errors_without_personal_data_in_the_message(client):
    client.register_member(new_member_request())
    with pytest.raises(DillerValidationError) as caught:
        client.register_member(new_member_request(email="other@example.com"))
    error = caught.value
    assert error.status == 409
    assert "phone" in error.field_errors
    assert "98765432" not in str(error)


def test_is_ok_false_is_a_refusal_with_dillers_reason(client):
    with pytest.raises(DillerRefused) as caught:
        client.validate_coupon(SEED_MEMBER_ID, "EXPIRED15")
    assert caught.value.details


def test_a_refusals_message_leaves_dillers_free_text_out():
    """Diller's reason may quote what was sent; messages reach logs, the reason only staff."""
    refusal = DillerRefused("No member with phone +4798765432", operation="getMember")
    assert "98765432" not in str(refusal) and str(refusal) == "getMember: refused"
    assert refusal.for_staff() == "getMember: refused: No member with phone +4798765432"
    assert DillerRefused("", operation="getMember").for_staff() == "getMember: refused"


def test_a_malformed_answer_names_the_field(client, sandbox):
    sandbox.override_response(
        "getMemberCoupons", 200, [{"code": "X", "title": "no dates", "type": "Standard"}]
    )
    with pytest.raises(DillerResponseError) as caught:
        client.get_member_coupons(SEED_MEMBER_ID)
    assert caught.value.field == "[0].valid_from"


def test_an_answer_that_is_not_json_is_a_response_error(client, sandbox):
    sandbox.override_response("getSegments", 200, raw=b"<html>oops</html>")
    with pytest.raises(DillerResponseError) as caught:
        client.get_segments()
    assert caught.value.field == "(body)"


# Tokens ----------------------------------------------------------------------------------------
def test_one_token_serves_many_calls(client, sandbox):
    for _ in range(20):
        client.get_segments()
    assert sandbox.token_requests == 1


def test_a_revoked_token_is_replaced_once(client, sandbox):
    client.get_segments()
    sandbox.revoke_tokens()
    assert client.get_segments()
    assert sandbox.token_requests == 2


class CountingStore(MemoryTokenStore):
    """The process's token store, counting its reads (each a round trip with Redis)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, key):
        self.reads += 1
        return super().get(key)


def test_the_token_is_kept_in_the_process_not_read_from_the_store_for_every_call(sandbox):
    store = CountingStore()
    with DillerClient(make_config(), token_store=store, transport=SandboxTransport(sandbox)) as c:
        for _ in range(20):
            c.get_segments()
    assert sandbox.token_requests == 1
    assert store.reads <= 3  # before the fetch, under its lock, and once after it


def test_a_refused_token_kept_in_the_process_is_not_used_again(sandbox):
    with DillerClient(make_config(), transport=SandboxTransport(sandbox)) as diller:
        diller.get_segments()
        sandbox.revoke_tokens()
        for _ in range(3):
            diller.get_segments()
    refused = [r for r in sandbox.requests if r.status == 401]
    assert len(refused) == 1  # the revoked token once, then only the new one
    assert sandbox.token_requests == 2


def test_a_newer_token_another_process_stored_is_taken_once_ours_is_refused(sandbox):
    store = MemoryTokenStore()
    config = make_config()
    with (
        DillerClient(config, token_store=store, transport=SandboxTransport(sandbox)) as ours,
        DillerClient(config, token_store=store, transport=SandboxTransport(sandbox)) as theirs,
    ):
        ours.get_segments()
        sandbox.revoke_tokens()
        theirs.get_segments()  # refused, fetches a new token into the shared store
        ours.get_segments()  # refused once, then takes the stored one without a fetch
    assert sandbox.token_requests == 2


def test_a_token_refused_twice_is_an_auth_error(client, sandbox):
    sandbox.override_response("getSegments", 401, {"title": "Unauthorized", "status": 401}, times=2)
    with pytest.raises(DillerAuthError):
        client.get_segments()
    assert sandbox.token_requests == 2


def test_wrong_credentials_are_an_auth_error_without_the_secret(sandbox):
    config = make_config(client_secret="not-the-secret")
    with DillerClient(config, transport=SandboxTransport(sandbox)) as diller:
        with pytest.raises(DillerAuthError) as caught:
            diller.get_stores()
    assert "not-the-secret" not in str(caught.value)


def test_a_token_about_to_expire_is_refreshed_ahead(client, sandbox):
    client.get_segments()
    store, key = client.tokens.store, client.tokens.key
    token = store.get(key)
    # 30 s left of an hour: inside the 60 s refresh margin, so it is replaced before it expires.
    store.set(key, AccessToken(token.value, time.time() + 30, lifetime=3600))
    client.get_segments()
    assert sandbox.token_requests == 2


def test_a_short_lived_token_is_still_used_for_most_of_its_life(sandbox):
    sandbox.token_lifetime = 30  # shorter than the 60 s refresh margin
    with DillerClient(make_config(), transport=SandboxTransport(sandbox)) as diller:
        for _ in range(5):
            diller.get_segments()
    assert sandbox.token_requests == 1


def test_an_overloaded_token_endpoint_is_retried_not_called_an_auth_failure(
    client, sandbox, sleeps
):
    with sandbox.inject(
        rate_limit_rate=1.0, retry_after=2, max_faults=1, only_operations={"token"}
    ):
        assert client.get_segments()
    assert sleeps == [2.0]
    with sandbox.inject(error_rate=1.0, only_operations={"token"}):
        client.tokens.store.set(client.tokens.key, AccessToken("expired", time.time() - 1))
        with pytest.raises(DillerUnavailable) as caught:
            client.get_segments()
    assert not isinstance(caught.value, DillerAuthError)


# Retries -----------------------------------------------------------------------------------------
def test_reads_are_retried_on_5xx_then_succeed(client, sandbox, sleeps):
    with sandbox.inject(error_rate=1.0, max_faults=2, only_operations={"getSegments"}):
        assert client.get_segments()
    assert len(sandbox.requests_for("getSegments")) == 3
    assert len(sleeps) == 2


def test_retries_are_bounded_in_count(client, sandbox, sleeps):
    with sandbox.inject(error_rate=1.0, only_operations={"getSegments"}):
        with pytest.raises(DillerUnavailable) as caught:
            client.get_segments()
    assert caught.value.status == 503
    assert len(sandbox.requests_for("getSegments")) == 3


def test_retries_are_bounded_in_total_time(sandbox, sleeps):
    config = make_config(retry=RetryPolicy(max_attempts=10, max_total=2.5))
    with DillerClient(config, transport=SandboxTransport(sandbox)) as diller:
        with sandbox.inject(rate_limit_rate=1.0, retry_after=1, only_operations={"getSegments"}):
            with pytest.raises(DillerUnavailable) as caught:
                diller.get_segments()
    assert caught.value.status == 429
    assert sleeps == [1.0, 1.0]  # a third wait would pass the 2.5 s limit


def test_429_retry_after_is_honoured_even_for_writes(client, sandbox, sleeps):
    with sandbox.inject(
        rate_limit_rate=1.0, retry_after=3, max_faults=1, only_operations={"createTransaction"}
    ):
        client.create_transaction(SEED_MEMBER_ID, transaction())
    assert sleeps == [3.0]
    assert len(sandbox.state.stores[SEED_STORE_ID].transactions) == 1


def test_writes_are_not_repeated_after_a_timeout(client, sandbox, sleeps):
    with sandbox.inject(timeout_rate=1.0, only_operations={"createTransaction"}):
        with pytest.raises(DillerTimeout):
            client.create_transaction(SEED_MEMBER_ID, transaction())
    # The sandbox processed it (the worst case): exactly one transaction, no blind resend.
    assert len(sandbox.requests_for("createTransaction")) == 1
    assert len(sandbox.state.stores[SEED_STORE_ID].transactions) == 1
    assert sleeps == []


def test_writes_are_not_repeated_after_a_dropped_connection(client, sandbox, sleeps):
    with sandbox.inject(drop_rate=1.0, only_operations={"registerMember"}):
        with pytest.raises(DillerTimeout):
            client.register_member(new_member_request())
    assert len(sandbox.requests_for("registerMember")) == 1


def test_reads_are_retried_after_timeouts_and_drops(client, sandbox, sleeps):
    with sandbox.inject(timeout_rate=0.5, drop_rate=0.5, max_faults=2, only_operations={"get"}):
        assert client.get_store().id == SEED_STORE_ID
    assert len(sandbox.requests_for("get")) == 3


def test_keyed_writes_are_retried_after_a_timeout(client, sandbox, sleeps):
    request = m.CouponReservationRequest(channel="OnlineStore", external_transaction_id="100042")
    with sandbox.inject(timeout_rate=1.0, max_faults=1, only_operations={"reserveCoupon"}):
        assert client.reserve_coupon(SEED_MEMBER_ID, "PCT10", request).is_ok


def test_an_unreachable_host_is_unavailable_even_for_writes(sleeps):
    config = make_config(base_url="http://127.0.0.1:9")  # nothing listens on the discard port
    with DillerClient(config) as diller, pytest.raises(DillerUnavailable) as caught:
        diller.create_transaction(SEED_MEMBER_ID, transaction())
    assert not isinstance(caught.value, DillerTimeout)


# Over a real socket ----------------------------------------------------------------------------
def test_over_http_a_dropped_connection_is_a_timeout_for_writes(sandbox, sleeps):
    with running_server(sandbox) as url, DillerClient(make_config(base_url=url)) as diller:
        assert diller.get_store().id == SEED_STORE_ID
        with sandbox.inject(drop_rate=1.0, only_operations={"createTransaction"}):
            with pytest.raises(DillerTimeout):
                diller.create_transaction(SEED_MEMBER_ID, transaction())
        with sandbox.inject(drop_rate=1.0, max_faults=1, only_operations={"getSegments"}):
            assert diller.get_segments()


def test_over_http_a_slow_answer_times_out(sandbox, sleeps):
    with running_server(sandbox) as url:
        config = make_config(base_url=url, timeouts=Timeouts(connect=1.0, read=0.3))
        diller = DillerClient(config)
        with sandbox.inject(latency=1.0, only_operations={"getSegments"}):
            with pytest.raises(DillerTimeout):
                diller.get_segments()
        assert len(sleeps) == 2  # a read is retried before giving up


# Logs --------------------------------------------------------------------------------------------
def test_logs_name_method_path_status_and_latency_but_no_personal_data(client, sandbox, caplog):
    caplog.set_level(logging.DEBUG, logger="django_diller")
    member = client.register_member(
        new_member_request(number="97778888", email="secret@example.com")
    )
    client.search_members(phone="+4797778888")
    client.search_members(email="secret@example.com")
    client.send_login_otp(member.id)
    code = sandbox.last_otp(member.id)
    client.verify_login_otp(member.id, code)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /api/v2.0/stores/{storeId}/members/search -> 200 in" in text
    token = client.tokens.get()
    for secret in ("97778888", "secret@example.com", str(code), member.id, "sandbox-secret", token):
        assert secret not in text


def test_an_unanswered_delete_that_already_happened_is_not_reported_as_not_found(
    client, sandbox, sleeps
):
    member = client.register_member(new_member_request())
    with sandbox.inject(drop_rate=1.0, max_faults=1, only_operations={"deleteMember"}):
        assert client.delete_member(member.id).is_ok
    assert [r.status for r in sandbox.requests_for("deleteMember")] == [200, 404]
    with pytest.raises(DillerNotFound):  # without a lost answer, a 404 is still a 404
        client.delete_member(member.id)


def test_dot_segments_cannot_redirect_a_request(client, sandbox):
    with pytest.raises(DillerNotFound):
        client.get_member("..")
    with pytest.raises(DillerRefused):
        client.validate_coupon(SEED_MEMBER_ID, "..")
    assert sandbox.requests[-1].operation_id == "validateCoupon"
    with pytest.raises(ValueError):
        client.validate_coupon(SEED_MEMBER_ID, "")


def test_a_gateway_timeout_on_a_write_means_the_effect_is_unknown(client, sandbox):
    sandbox.override_response("createTransaction", 504, {"title": "Gateway Timeout"})
    with pytest.raises(DillerTimeout):
        client.create_transaction(SEED_MEMBER_ID, transaction())


def test_no_secret_in_the_reprs_of_settings_objects(client):
    assert "sandbox-secret" not in repr(client.config)
    assert "sandbox-secret" not in repr(client.tokens.settings)
    assert client.tokens.get() not in repr(client.tokens.store.get(client.tokens.key))


def test_the_http_librarys_own_log_lines_carry_no_personal_data(client, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx2's included
    client.search_members(phone="+4791234567")
    client.search_members(email="demo.member@example.com")
    client.search_members(identifier_value="01017012345")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "HTTP Request" in text
    for secret in ("4791234567", "demo.member", "01017012345", SEED_MEMBER_ID):
        assert secret not in text


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        (
            "https://api.diller.no/api/v2.0/stores/s1/members/search?phone=%2B4791234567",
            "https://api.diller.no/api/v2.0/…",
        ),
        (
            "https://gw.shop.no/diller/api/v2.0/stores/s1/members/m-42",
            "https://gw.shop.no/diller/api/v2.0/…",
        ),
        (
            "https://gw.shop.no/diller/connect/token?x=1",
            "https://gw.shop.no/diller/connect/token/…",
        ),
        ("https://example.com/other?phone=1", "https://example.com/other?phone=1"),
    ],
)
def test_a_diller_url_is_cut_after_its_root_under_any_prefix(url, logged):
    """A proxy in ``BASE_URL`` may put the API under a path of its own."""
    from django_diller.api.logs import redact_url

    assert redact_url(url) == logged
