"""Many clients racing for one voucher, on threads: exactly one lock, exactly one validation,
in-process and over real sockets."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import httpx2

from django_diller.coupontools.sandbox import (
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_AMOUNT_100,
    CoupontoolsSandbox,
)

from .conftest import SHOP, UPDATE, make_client

WORKERS = 20


def race(work: Callable[[int], dict]) -> list[dict]:
    """Run ``work(n)`` on WORKERS threads started together; their answers."""
    answers: list[dict] = [{}] * WORKERS
    barrier = threading.Barrier(WORKERS)

    def run(n: int) -> None:
        barrier.wait()
        answers[n] = work(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def outcomes(answers: list[dict]) -> Counter:
    return Counter(a["status"].get("error_code", "OK") for a in answers)


def add_clients(sb: CoupontoolsSandbox) -> None:
    for n in range(WORKERS):
        sb.add_client(f"till-{n}", f"secret-{n}")


def till_headers(n: int) -> dict[str, str]:
    return {"X-Client-Id": f"till-{n}", "X-Client-Secret": f"secret-{n}"}


def test_twenty_clients_lock_one_voucher_in_process(sb):
    add_clients(sb)

    def lock(n: int) -> dict:
        with make_client(sb, till_headers(n)) as client:
            body = {"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"}
            return client.post(UPDATE, data=body).json()

    answers = race(lock)
    assert outcomes(answers) == {"OK": 1, 517: WORKERS - 1}
    winner = next(n for n, a in enumerate(answers) if a["status"]["status"] == "OK")
    assert sb.session(SEED_VOUCHER_AMOUNT).locked_by == f"till-{winner}"


def test_one_client_on_twenty_threads_validates_once(sb, shop):
    def validate(n: int) -> dict:
        body = {"couponsession": SEED_VOUCHER_AMOUNT_100, "action": "validate"}
        return shop.post(UPDATE, data={**body, "money_spent": f"{n}.000"}).json()

    answers = race(validate)
    assert outcomes(answers) == {"OK": 1, 514: WORKERS - 1}
    winner = next(n for n, a in enumerate(answers) if a["status"]["status"] == "OK")
    assert sb.session(SEED_VOUCHER_AMOUNT_100).money_spent == winner


def test_twenty_clients_over_http(sb, server):
    add_clients(sb)

    def lock_then_validate(n: int) -> dict:
        with httpx2.Client(base_url=server, headers=till_headers(n), timeout=10.0) as client:
            body = {"couponsession": SEED_VOUCHER_AMOUNT, "action": "lock"}
            answer = client.post(UPDATE, data=body)
            locked = answer.json()
            assert "status" in locked, (answer.status_code, locked)
            if locked["status"]["status"] != "OK":
                return locked
            return client.post(UPDATE, data={**body, "action": "validate"}).json()

    answers = race(lock_then_validate)
    counted = outcomes(answers)
    assert counted["OK"] == 1
    # Refused while the winner held it, or after it used it up.
    assert counted[517] + counted[514] == WORKERS - 1
    assert sb.session(SEED_VOUCHER_AMOUNT).state(sb.clock()) == "validated"
    assert len(sb.requests_for("couponsession_update")) == WORKERS + 1


def test_the_log_keeps_every_request_of_a_race(sb, shop):
    with make_client(sb, SHOP) as client:
        race(lambda n: client.post(UPDATE, data={"couponsession": "x", "action": "unlock"}).json())
    assert [r.response_json["status"]["error_code"] for r in sb.requests] == [513] * WORKERS
