"""``manage.py diller_sync``: send the outbox's due rows to Diller now, from a shell or cron.

Without options it delivers every due row (pending, failed whose wait is over, in flight whose
worker died) and prints how many, then the number of rows in each state. ``--retry-failed``
and ``--retry-dead`` first put those rows back in the queue with a fresh attempt count;
``--order`` limits that to one order's rows. The output names no member nor payload.

Exit status: 0, or 3 when dead rows remain afterwards (they need staff: see the admin's
outbox list), so that a cron job's monitoring notices; 1 on any other error.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...models import OutboxEntry
from ...outbox import engine as outbox
from ...outbox.report import state_counts

DEAD_ROWS_REMAIN = 3


class Command(BaseCommand):
    help = (
        "Delivers the Diller outbox's due rows and prints the number of rows in each state. "
        "Exits 3 when dead rows remain afterwards, 1 on other errors."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="First put failed rows back in the queue (now, with a fresh attempt count).",
        )
        parser.add_argument(
            "--retry-dead",
            action="store_true",
            help="First put dead rows back in the queue (now, with a fresh attempt count).",
        )
        parser.add_argument(
            "--order",
            metavar="NUMBER",
            help="Retry only this order's rows (needs --retry-failed or --retry-dead); "
            "every due row is still delivered.",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            metavar="N",
            help="Deliver at most N rows (default: every row that is due).",
        )

    def handle(self, *args, **options) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        states = []
        if options["retry_failed"]:
            states.append(OutboxEntry.State.FAILED)
        if options["retry_dead"]:
            states.append(OutboxEntry.State.DEAD)
        if options["order"] and not states:
            raise CommandError("--order needs --retry-failed or --retry-dead")

        if states:
            entries = OutboxEntry.objects.filter(state__in=states)
            if options["order"]:
                entries = entries.filter(order_number=options["order"])
            retried = outbox.retry(entries)
            self.stdout.write(f"retried: {retried}")

        delivered = outbox.drain(limit=options["limit"])
        self.stdout.write(f"delivered: {delivered}")

        counts = state_counts()
        for state in OutboxEntry.State:
            self.stdout.write(f"{state.value}: {counts[state.value]}")
        if counts[OutboxEntry.State.DEAD]:
            raise CommandError(
                f"{counts[OutboxEntry.State.DEAD]} dead rows need staff attention",
                returncode=DEAD_ROWS_REMAIN,
            )
