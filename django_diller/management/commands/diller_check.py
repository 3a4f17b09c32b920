"""``manage.py diller_check``: can this shop reach its Diller store? Exit code 1 if not."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...api import DillerError
from ...loyalty.connection import NotConfigured, current_department_id, get_client
from ...staff.setup import describe_error


class Command(BaseCommand):
    help = "Checks the Diller token, store, department and segments; exits 1 with the reason."

    def handle(self, *args, **options) -> None:
        step = "connection"
        try:
            client = get_client()
            step = "token"
            client.tokens.get()
            self.stdout.write(self.style.SUCCESS("token: ok"))
            step = "store"
            if not client.store_id:
                raise CommandError("diller_check failed at store: no store is configured")
            store = client.get_store()
            self.stdout.write(
                self.style.SUCCESS(f"store: ok ({store.store_name}, {store.currency})")
            )
            step = "department"
            department_id = current_department_id()
            departments = {d.id: d for d in client.get_departments()}
            if not department_id:
                raise CommandError("diller_check failed at department: none is configured")
            if department_id not in departments:
                raise CommandError(
                    f"diller_check failed at department: {department_id!r} is not a department "
                    "of the store"
                )
            self.stdout.write(
                self.style.SUCCESS(f"department: ok ({departments[department_id].name})")
            )
            step = "segments"
            segments = client.get_segments()
            visible = sum(1 for s in segments if s.is_visible_to_follower)
            self.stdout.write(
                self.style.SUCCESS(f"segments: ok ({len(segments)}, {visible} shown to members)")
            )
        except (DillerError, NotConfigured) as exc:
            raise CommandError(f"diller_check failed at {step}: {describe_error(exc)}") from None
