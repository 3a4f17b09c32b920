"""``python manage.py diller_sandbox``: run the Diller API sandbox over HTTP until Ctrl-C."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_diller.loyalty.connection import shop_activation_link
from django_diller.sandbox import (
    CANCEL_AFTER_REFUNDS,
    DUPLICATE_ANSWERS,
    HELD_STAMPS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SEED_DEPARTMENT_ID,
    SEED_MEMBER_ID,
    SEED_MEMBER_PHONE,
    SEED_STORE_ID,
    Sandbox,
    SentMessage,
    serve_forever,
)
from django_diller.sandbox.cli import RATE_OPTIONS, fault_settings
from django_diller.sandbox.state import OTP_DIGITS_RANGE


class Command(BaseCommand):
    help = (
        "Run the Diller Retailer API sandbox (a stateful, in-memory emulator) on a local port, "
        "optionally slow or unreliable. Texts it 'sends' are printed here."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--latency-ms", type=int, default=0, help="Delay before every answer.")
        parser.add_argument(
            "--error-rate", type=float, default=0.0, help="Share of calls answered 503 (0..1)."
        )
        parser.add_argument(
            "--rate-limit-rate",
            type=float,
            default=0.0,
            help="Share of calls answered 429 with Retry-After (0..1).",
        )
        parser.add_argument(
            "--retry-after", type=int, default=1, help="Seconds sent in Retry-After."
        )
        parser.add_argument(
            "--timeout-rate",
            type=float,
            default=0.0,
            help="Share of calls processed but answered only after --timeout-seconds (0..1).",
        )
        parser.add_argument("--timeout-seconds", type=float, default=30.0)
        parser.add_argument(
            "--drop-rate",
            type=float,
            default=0.0,
            help="Share of calls processed, then the connection closed unanswered (0..1).",
        )
        parser.add_argument(
            "--hang-rate",
            type=float,
            default=0.0,
            help="Share of calls neither processed nor answered: the connection is held until "
            "the client gives up, at most --timeout-seconds (0..1).",
        )
        parser.add_argument("--fault-seed", type=int, default=None, help="Repeatable faults.")
        parser.add_argument(
            "--no-validate",
            action="store_true",
            help="Do not check requests and responses against the OpenAPI contract.",
        )
        parser.add_argument(
            "--no-seed", action="store_true", help="Start without the demo member and offers."
        )
        parser.add_argument(
            "--duplicate-answer",
            choices=DUPLICATE_ANSWERS,
            default="200-text",
            help="How a resent transaction, refund or cancel is answered: HTTP 200 is_ok=false "
            "with a text, HTTP 409 problem details, or HTTP 400 problem details naming the id.",
        )
        parser.add_argument(
            "--cancel-after-refunds",
            choices=CANCEL_AFTER_REFUNDS,
            default="net",
            help="What a cancel reverses of a transaction with refunds: what is left (net) or "
            "the whole purchase's points again (whole).",
        )
        parser.add_argument(
            "--held-stamps",
            choices=HELD_STAMPS,
            default="apart",
            help="Whether a stamp held for a pending order shows on the member's card before the "
            "order's transaction counts it: apart (no) or counted (one stamp more meanwhile).",
        )
        parser.add_argument(
            "--member-updates",
            choices=("merge", "replace"),
            default="merge",
            help="A member PUT changes only what it sends (merge) or replaces the member and "
            "the consent object with what it sends (replace).",
        )
        parser.add_argument(
            "--duplicate-phone-status",
            type=int,
            choices=(400, 409),
            default=409,
            help="The problem status when registering a phone a member already has.",
        )
        parser.add_argument(
            "--otp-digits", type=int, default=6, help="Digits of the one-time codes texted (4-9)."
        )
        parser.add_argument(
            "--wrong-code-answer",
            choices=("action", "problem"),
            default="action",
            help="A wrong one-time code is refused with HTTP 200 is_ok=false (action) or with "
            "HTTP 400 problem details naming otp_code (problem).",
        )
        parser.add_argument(
            "--enroll-existing",
            choices=("return", "refuse"),
            default="return",
            help="Enrolling a phone a member holds: answer that member, or refuse it.",
        )
        parser.add_argument(
            "--activation-tokens",
            choices=("kept", "cleared"),
            default="kept",
            help="Whether an activation token still finds its member once they joined.",
        )
        parser.add_argument(
            "--shop-url",
            default=None,
            help="The shop's address, e.g. http://127.0.0.1:8000, that links in texts point at "
            "(default: DILLER['SANDBOX_SHOP_URL']).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in RATE_OPTIONS:
            if not 0.0 <= options[name] <= 1.0:
                raise CommandError(f"--{name.replace('_', '-')} must be between 0 and 1.")
        if options["latency_ms"] < 0 or options["retry_after"] < 0:
            raise CommandError("--latency-ms and --retry-after must not be negative.")
        if options["otp_digits"] not in OTP_DIGITS_RANGE:
            raise CommandError("--otp-digits must be between 4 and 9.")
        validate = not options["no_validate"]
        sandbox = Sandbox(
            seed=not options["no_seed"],
            validate_requests=validate,
            validate_responses=validate,
            on_message=self._show_message,
            duplicate_answer=options["duplicate_answer"],
            activation_url=shop_activation_link(options["shop_url"]),
        )
        sandbox.held_stamps = options["held_stamps"]
        sandbox.cancel_after_refunds = options["cancel_after_refunds"]
        members = sandbox.settings.members
        members.updates = options["member_updates"]
        members.duplicate_phone_status = options["duplicate_phone_status"]
        members.otp_digits = options["otp_digits"]
        members.enroll_existing = options["enroll_existing"]
        members.tokens_after_joining = options["activation_tokens"]
        members.wrong_code_answer = options["wrong_code_answer"]
        sandbox.faults.update(**fault_settings(options))
        try:
            serve_forever(
                sandbox,
                options["host"],
                options["port"],
                ready=lambda url: self._banner(url, sandbox),
                verbose=options["verbosity"] >= 1,
            )
        except KeyboardInterrupt:
            self.stdout.write("\nDiller sandbox stopped.")
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc

    def _banner(self, url: str, sandbox: Sandbox) -> None:
        faults = sandbox.faults
        lines = [
            f"Diller sandbox listening on {url}",
            f"  token URL      {url}/connect/token",
            f"  client id      {SANDBOX_CLIENT_ID}",
            f"  client secret  {SANDBOX_CLIENT_SECRET}",
            f"  store id       {SEED_STORE_ID}",
            f"  department id  {SEED_DEPARTMENT_ID}",
        ]
        if sandbox.seeded:
            lines.append(f"  demo member    {SEED_MEMBER_ID} (phone {SEED_MEMBER_PHONE})")
        lines += [
            f"  validation     {'on' if sandbox.validate_requests else 'off'}",
            f"  duplicates     answered {sandbox.duplicate_answer}",
            f"  held stamps    {sandbox.held_stamps}",
            f"  cancel         after refunds: {sandbox.cancel_after_refunds}",
            f"  faults         latency {faults.latency * 1000:.0f} ms, error {faults.error_rate},"
            f" 429 {faults.rate_limit_rate} (Retry-After {faults.retry_after}s),"
            f" timeout {faults.timeout_rate}, drop {faults.drop_rate}, hang {faults.hang_rate}",
            f"  members        updates {sandbox.settings.members.updates},"
            f" taken phone {sandbox.settings.members.duplicate_phone_status},"
            f" {sandbox.settings.members.otp_digits}-digit codes",
            f"  messages       {url}/_sandbox/messages",
            "",
            "Point the shop at it, e.g.:",
            f"  export DILLER_BASE_URL={url}",
            f"  export DILLER_CLIENT_ID={SANDBOX_CLIENT_ID}",
            f"  export DILLER_CLIENT_SECRET={SANDBOX_CLIENT_SECRET}",
            f"  export DILLER_STORE_ID={SEED_STORE_ID}",
            f"  export DILLER_DEPARTMENT_ID={SEED_DEPARTMENT_ID}",
            "",
            "Quit with CONTROL-C.",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _show_message(self, message: SentMessage) -> None:
        self.stdout.write(f"[{message.channel} to {message.to}] {message.text}")
        self.stdout.flush()
