"""The ``diller_sandbox`` management command (run without Django settings) and the seed."""

from __future__ import annotations

import io

import pytest

from django_diller.sandbox import (
    BAKERY_PRODUCT_IDS,
    COFFEE_PRODUCT_IDS,
    EQUIPMENT_PRODUCT_IDS,
    GIFT_CARD_PRODUCT_IDS,
    SEED_MEMBER_ID,
    TEA_PRODUCT_IDS,
    Sandbox,
)


def test_seed_products_match_the_example_catalogue():
    catalogue = pytest.importorskip("example_shop.demo_catalogue")
    by_category: dict[str, list[str]] = {}
    for product in catalogue.DEMO_PRODUCTS:
        by_category.setdefault(product.category, []).append(product.upc)
    assert tuple(by_category["Coffee"]) == COFFEE_PRODUCT_IDS
    assert tuple(by_category["Tea"]) == TEA_PRODUCT_IDS
    assert tuple(by_category["Bakery"]) == BAKERY_PRODUCT_IDS
    assert tuple(by_category["Equipment"]) == EQUIPMENT_PRODUCT_IDS
    assert tuple(by_category["Gift cards"]) == GIFT_CARD_PRODUCT_IDS


def test_ean13_check_digits():
    for upc in (*COFFEE_PRODUCT_IDS, *TEA_PRODUCT_IDS, *BAKERY_PRODUCT_IDS,
                *EQUIPMENT_PRODUCT_IDS, *GIFT_CARD_PRODUCT_IDS):  # fmt: skip
        digits = [int(d) for d in upc]
        total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
        assert (10 - total % 10) % 10 == digits[12], upc


def run_command(monkeypatch, *argv: str) -> tuple[str, Sandbox]:
    pytest.importorskip("django")
    from django_diller.management.commands import diller_sandbox

    seen: dict[str, Sandbox] = {}

    def fake_serve(sandbox, host, port, *, ready, verbose):
        seen["sandbox"] = sandbox
        ready(f"http://{host}:{port}")
        sandbox.on_message(
            type("M", (), {"channel": "sms", "to": "+4791234567", "text": "hello"})()
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(diller_sandbox, "serve_forever", fake_serve)
    out = io.StringIO()
    command = diller_sandbox.Command(stdout=out)
    parser = command.create_parser("manage.py", "diller_sandbox")
    options = vars(parser.parse_args(list(argv)))
    command.handle(**options)
    return out.getvalue(), seen["sandbox"]


def test_command_prints_url_and_credentials(monkeypatch):
    output, sandbox = run_command(
        monkeypatch, "--port", "9999", "--latency-ms", "250", "--error-rate", "0.1",
        "--rate-limit-rate", "0.2", "--retry-after", "5", "--timeout-rate", "0.05",
        "--drop-rate", "0.01",
    )  # fmt: skip
    assert "http://127.0.0.1:9999" in output
    assert "sandbox-client" in output
    assert "sandbox-secret" in output
    assert "[sms to +4791234567] hello" in output
    assert "stopped" in output
    faults = sandbox.faults
    assert (faults.latency, faults.error_rate, faults.rate_limit_rate) == (0.25, 0.1, 0.2)
    assert (faults.retry_after, faults.timeout_rate, faults.drop_rate) == (5, 0.05, 0.01)
    assert sandbox.validate_requests is True
    assert SEED_MEMBER_ID in sandbox.state.stores["demo-store"].members


def test_command_no_seed_no_validate(monkeypatch):
    _, sandbox = run_command(monkeypatch, "--no-seed", "--no-validate")
    assert sandbox.validate_requests is False
    assert sandbox.validate_responses is False
    assert sandbox.state.stores["demo-store"].members == {}


def test_command_rejects_bad_rates(monkeypatch):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run_command(monkeypatch, "--error-rate", "2")


def test_command_sets_the_duplicate_answer_style(monkeypatch):
    output, sandbox = run_command(monkeypatch, "--duplicate-answer", "400-problem")
    assert sandbox.duplicate_answer == "400-problem"
    assert "duplicates     answered 400-problem" in output
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid choice"):
        run_command(monkeypatch, "--duplicate-answer", "418")


def test_command_sets_the_enroll_and_activation_token_answers(monkeypatch):
    _output, sandbox = run_command(
        monkeypatch, "--enroll-existing", "refuse", "--activation-tokens", "cleared"
    )
    assert sandbox.settings.members.enroll_existing == "refuse"
    assert sandbox.settings.members.tokens_after_joining == "cleared"
    _output, sandbox = run_command(monkeypatch)
    assert sandbox.settings.members.enroll_existing == "return"
    assert sandbox.settings.members.tokens_after_joining == "kept"
