"""The seed, reset, options kept across it, the request log, and threads in-process."""

from __future__ import annotations

import threading

import pytest

from django_diller.dintero.sandbox import (
    SANDBOX_ACCOUNT_ID,
    SANDBOX_CLIENT_ID,
    SEED_ANONYMOUS_RECEIPT_ID,
    SEED_CUSTOMER_ID,
    SEED_CUSTOMER_RECEIPT_IDS,
    DinteroSandbox,
    ReceiptOptions,
    seed_receipt_uuid,
)

from .conftest import AID, RECEIPTS, START, receipt


def test_seed(sb):
    account = sb.state.accounts[SANDBOX_ACCOUNT_ID]
    assert SANDBOX_CLIENT_ID in account.clients
    assert [r.receipt_id for r in account.of_customer(SEED_CUSTOMER_ID)] == list(
        SEED_CUSTOMER_RECEIPT_IDS
    )
    anonymous = account.receipts[seed_receipt_uuid(SEED_ANONYMOUS_RECEIPT_ID)]
    assert anonymous.customer_id is None
    assert all(r.purchased < START for r in account.receipts.values())


def test_without_seed_the_account_is_there_but_empty(empty):
    assert empty.state.accounts[AID].receipts == {}
    assert SANDBOX_CLIENT_ID in empty.state.accounts[AID].clients


def test_reset_back_to_the_seed_keeping_options(sb, client):
    sb.duplicate_answer = "listed"
    sb.options.customer_list = "minimal"
    sb.add_account("P00000001", "prod-client", "prod-secret")
    client.post(RECEIPTS, json=[receipt("r-1")])
    sb.reset()
    assert len(sb.state.accounts[AID].receipts) == 4
    assert "P00000001" not in sb.state.accounts
    assert sb.options == ReceiptOptions(duplicate_answer="listed", customer_list="minimal")


def test_options_refuse_unknown_values():
    options = ReceiptOptions()
    for name, value in [
        ("create_answer", "all"),
        ("customer_list", "short"),
        ("last_page_cursor", "none"),
        ("owned_status", 409),
        ("attach_again", "maybe"),
        ("bad_token_status", 401),
        ("duplicate_answer", "200"),
    ]:
        with pytest.raises(ValueError):
            setattr(options, name, value)


def test_add_account_checks_the_id(sb):
    with pytest.raises(ValueError):
        sb.add_account("X1", "c", "s")


def test_request_log_has_times_operations_and_bodies(sb, client, clock):
    clock.advance(seconds=30)
    client.post(RECEIPTS, json=[receipt("r-1")])
    clock.advance(seconds=30)
    client.get(f"{RECEIPTS}/search", params={"receipt_id": "r-1"})
    client.get("/v1/nowhere")
    create, search, unknown = sb.requests[-3:]
    assert (create.operation_id, create.method, create.status) == ("aid_receipts_post", "POST", 200)
    assert create.json[0]["receipt_id"] == "r-1"
    assert create.response_json["duplicates"] == 0
    assert create.at == START.replace(second=30)
    assert search.at == START.replace(minute=1)
    assert search.query == {"receipt_id": "r-1"}
    assert unknown.operation_id is None and unknown.status == 404
    assert [r.status for r in sb.requests_for("aid_receipts_rid_get")] == [200]


def test_threads_in_process_stay_consistent(empty, blank):
    def worker(n: int) -> None:
        for i in range(10):
            blank.post(RECEIPTS, json=[receipt(f"shared-{i}"), receipt(f"own-{n}-{i}")])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    receipts = empty.state.accounts[AID].receipts.values()
    assert len(receipts) == 10 + 6 * 10
    assert len({r.seq for r in receipts}) == len(receipts)


def test_sandboxes_are_independent(clock):
    one, two = DinteroSandbox(clock=clock), DinteroSandbox(seed=False, clock=clock)
    assert len(one.state.accounts[AID].receipts) == 4
    assert two.state.accounts[AID].receipts == {}
