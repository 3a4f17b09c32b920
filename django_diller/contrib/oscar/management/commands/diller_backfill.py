"""``manage.py diller_backfill --since DATE``: queue paid orders that never reached Diller.

For shops that install the plugin after they opened, or that lost entries to a bug: every
order placed in the period that counts as paid (by the ``SEND_ON_…`` settings), belongs to a
member and has no transaction entry yet is queued, as if its payment had just been taken;
the returns it had since are queued after it, so Diller ends up with what the buyer kept.
Cancelled orders (``CANCEL_ON_ORDER_STATUSES``) are left out. Running it twice queues nothing
new.
"""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from oscar.core.loading import get_model

from .....conf import app_settings
from .....loyalty.connection import current_store_id
from .....loyalty.kinds import Kind
from .....models import OutboxEntry
from ... import triggers
from ...payloads import order_member_id

Order = get_model("order", "Order")


def _day(value: str, option: str) -> datetime:
    day = parse_date(value or "")
    if day is None:
        raise CommandError(f"{option} must be a date like 2026-01-31, not {value!r}.")
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = "Queue the paid orders of members placed since a date that never reached Diller."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="First day (YYYY-MM-DD), inclusive.")
        parser.add_argument("--until", help="Last day (YYYY-MM-DD), exclusive. Default: now.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be queued; queue nothing."
        )

    def handle(self, *args, since: str, until: str | None, dry_run: bool, **options) -> None:
        start = _day(since, "--since")
        end = _day(until, "--until") if until else timezone.now()
        if end <= start:
            raise CommandError("--until must be after --since.")
        queued = set(
            OutboxEntry.objects.filter(kind=Kind.SEND_TRANSACTION).values_list(
                "order_number", flat=True
            )
        )
        orders = Order.objects.filter(date_placed__gte=start, date_placed__lt=end).exclude(
            status__in=app_settings.CANCEL_ON_ORDER_STATUSES
        )
        counts = {"considered": 0, "already queued": 0, "not paid": 0, "not members": 0}
        new = 0
        store_id = current_store_id() or ""
        for order in orders.order_by("date_placed").iterator():
            counts["considered"] += 1
            if str(order.number) in queued:
                counts["already queued"] += 1
            elif not triggers.has_send_trigger(order):
                counts["not paid"] += 1
            elif order_member_id(order, store_id) is None:
                counts["not members"] += 1
            elif not dry_run:
                with transaction.atomic():
                    triggers.backfill_order(order)
                new += 1
            else:
                new += 1
        verb = "would be queued" if dry_run else "queued"
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"{new} order(s) {verb} ({summary}).")
