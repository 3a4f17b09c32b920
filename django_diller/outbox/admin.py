"""Django admin for the transaction outbox: see what was sent to Diller, retry what was not.

Staff never edit a row by hand: the payload is what was (or will be) sent, and Diller's answer
is evidence. Every field is read-only; a row changes only through the actions:

* **Retry selected**: pending, failed and dead rows go back to the queue with a fresh attempt
  count (:func:`~django_diller.outbox.engine.retry`) and, once the request's transaction is
  committed, a Celery task is started for each of them. Sent and skipped rows, and rows a
  worker holds right now, are left alone.
* **Send now**: the same, but delivered in the request itself (at most :data:`SEND_NOW_LIMIT`
  rows), reporting what came of each. A row that waits for an unsent row is not sent.

Both actions need the ``change`` permission on outbox entries; viewing needs ``view``.

Nobody adds rows here (they are written in the transaction of their cause). Only superusers
may delete, and never a row a worker holds: deleting an unsent row means Diller never hears
of that effect, which is right only for a row that should never have existed (a test order).
A row other rows wait for cannot be deleted before them.

The changelist opens with the number of pending, in-flight, failed and dead rows, each linking
to the list filtered on that state; ``{% load diller_outbox %}{% diller_outbox_counts %}``
shows the same on any admin page (the example shop puts it on the admin index).
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Left, StrIndex
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import engine as outbox
from . import registry
from .models import OutboxEntry
from .report import WATCHED, state_counts
from .tasks import queue_outbox_entries

State = OutboxEntry.State

if TYPE_CHECKING:  # the stubs make ModelAdmin generic; Django's class is not subscriptable
    ModelAdmin = admin.ModelAdmin[OutboxEntry]
else:
    ModelAdmin = admin.ModelAdmin

# Rows staff may put back in the queue: never sent ones, and given-up ones.
RETRYABLE = (State.PENDING, State.FAILED, State.DEAD)
# "Send now" talks to Diller inside the request: keep it short.
SEND_NOW_LIMIT = 25

STATE_COLOURS: dict[str, str] = {
    State.PENDING: "#205067",
    State.IN_FLIGHT: "#6a4c93",
    State.SENT: "#2e7d32",
    State.FAILED: "#b26a00",
    State.DEAD: "#b00020",
    State.SKIPPED: "#5f6368",
}


def _kick(pks: list[int]) -> None:
    """Start a Celery task for each row put back in the queue (after the commit), noted on
    the rows so that the sweep does not queue them a second time."""
    queue_outbox_entries(pks, at_commit=False)


def changelist_url(state: str | None = None) -> str:
    url = reverse("admin:diller_outboxentry_changelist")
    return f"{url}?state__exact={state}" if state else url


def watched_counts(current: str | None = None) -> list[dict[str, Any]]:
    """The watched states with their labels, counts and filtered-list links (one query)."""
    counts = state_counts()
    return [
        {
            "state": state.value,
            "label": state.label,
            "count": counts[state.value],
            "url": changelist_url(state.value),
            "colour": STATE_COLOURS[state],
            "current": state.value == current,
        }
        for state in WATCHED
    ]


SECRET_KEYS = ("token", "secret", "password")
# Keys whose value opens something (a voucher's session id redeems it): shown by their start.
PARTLY_SHOWN_KEYS = ("session",)


def masked(value: object) -> object:
    """``value`` with what a key names as a token, secret or password hidden, and a voucher's
    session id cut to its start: a payload or an answer may hold one (a receipt's token, which
    opens the receipt; a voucher's id, which redeems it), and staff need not read it whole."""
    if isinstance(value, dict):
        return {key: _masked_item(str(key).lower(), item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def _masked_item(key: str, item: object) -> object:
    if any(word in key for word in SECRET_KEYS):
        return "•••"
    if key in PARTLY_SHOWN_KEYS and isinstance(item, str) and not item.endswith("…"):
        return item[:4] + "…"
    return masked(item)


def pretty_json(value: object) -> str:
    """JSON as an escaped, indented ``<pre>`` block; a dash when there is none."""
    if value in (None, {}, []):
        return "-"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return format_html('<pre class="diller-json">{}</pre>', text)


class KindFilter(admin.SimpleListFilter):
    """The kinds by the labels their handlers registered."""

    title = _("kind")
    parameter_name = "kind__exact"

    def lookups(self, request: HttpRequest, model_admin: ModelAdmin) -> list[tuple[str, str]]:
        return registry.kinds()

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxEntry]
    ) -> QuerySet[OutboxEntry]:
        kind = self.value()
        return queryset.filter(kind=kind) if kind else queryset


# Causes written as "<what>:<its id>": filtered by what, whatever the id.
CAUSES_WITH_IDS = {
    "payment_event": _("a payment event"),
    "shipping_event": _("a shipping event"),
    "payment_transaction": _("a payment transaction"),
    "order_status": _("an order status"),
    "consent_record": _("a consent record"),
}


class CauseFilter(admin.SimpleListFilter):
    """The causes by what they are, one choice for every payment event rather than one for
    each (the plain field's filter grew by a choice per event)."""

    title = _("cause")
    parameter_name = "cause"

    def lookups(self, request: HttpRequest, model_admin: ModelAdmin) -> list[tuple[str, str]]:
        with_id = Case(
            When(source__contains=":", then=Left("source", StrIndex("source", Value(":")) - 1)),
            default=F("source"),
        )
        causes = (
            OutboxEntry.objects.annotate(cause=with_id)
            .order_by()
            .values_list("cause", flat=True)
            .distinct()
        )
        labelled = [(cause, str(CAUSES_WITH_IDS.get(cause, cause))) for cause in causes if cause]
        return sorted(labelled, key=lambda choice: choice[1])

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxEntry]
    ) -> QuerySet[OutboxEntry]:
        cause = self.value()
        if not cause:
            return queryset
        return queryset.filter(Q(source=cause) | Q(source__startswith=f"{cause}:"))


@admin.register(OutboxEntry)
class OutboxEntryAdmin(ModelAdmin):
    """Read-only rows, two actions, and the state counts above the list (see the module)."""

    list_display = (
        "order_number",
        "kind_label",
        "external_id",
        "state_label",
        "attempts",
        "next_attempt_at",
        "updated_at",
    )
    list_filter = ("state", KindFilter, CauseFilter)
    # Prefix searches can use the order number's index; a shop searches whole numbers anyway.
    search_fields = ("^order_number", "^external_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    actions = ("retry_selected", "send_now")
    change_list_template = "admin/django_diller/outboxentry_change_list.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "kind_label",
                    "external_id",
                    "order_number",
                    "store_id",
                    "member_id",
                    "source",
                    "state_label",
                    "attempts",
                    "next_attempt_at",
                    "leased_until",
                    "created_at",
                    "updated_at",
                    "sent_at",
                )
            },
        ),
        (_("Order of sending"), {"fields": ("depends_on_link", "dependents_links")}),
        (_("Outcome"), {"fields": ("last_error", "loyalty_dropped", "response_json")}),
        (_("Payload"), {"fields": ("payload_json",)}),
    )
    readonly_fields = (
        "kind_label",
        "state_label",
        "depends_on_link",
        "dependents_links",
        "loyalty_dropped",
        "response_json",
        "payload_json",
    )

    # -- permissions -------------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxEntry | None = None) -> bool:
        # A row's page is read-only for everybody; the change permission only unlocks the
        # list's actions (Django asks without a row for those).
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: OutboxEntry | None = None) -> bool:
        if not request.user.is_superuser:
            return False
        if obj is not None and obj.state == State.IN_FLIGHT:
            return False
        return super().has_delete_permission(request, obj)

    # -- the change page -----------------------------------------------------------------------

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, entry: OutboxEntry) -> str:
        return entry.get_kind_display()

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, entry: OutboxEntry) -> str:
        return format_html(
            '<span class="diller-outbox-state diller-outbox-state-{}" '
            'style="color: #fff; background: {}; padding: 1px 6px; border-radius: 3px; '
            'white-space: nowrap;">{}</span>',
            entry.state,
            STATE_COLOURS.get(entry.state, "#5f6368"),
            entry.get_state_display(),
        )

    @admin.display(description=_("waits for"))
    def depends_on_link(self, entry: OutboxEntry) -> str:
        if entry.depends_on is None:
            return "-"
        return self._link(entry.depends_on)

    @admin.display(description=_("waited for by"))
    def dependents_links(self, entry: OutboxEntry) -> str:
        dependents = entry.dependents.order_by("created_at", "pk")
        if not dependents:
            return "-"
        return format_html_join(
            "",
            '<div><a href="{}">{}</a></div>',
            (
                (reverse("admin:diller_outboxentry_change", args=[row.pk]), str(row))
                for row in dependents
            ),
        )

    @admin.display(description=_("sent without"))
    def loyalty_dropped(self, entry: OutboxEntry) -> str:
        """Coupons and rewards left out of a transaction so that it was not refused."""
        dropped = (entry.response or {}).get("loyalty_dropped") or []
        if isinstance(dropped, str):  # a remainder keeps the refusal's text
            dropped = [dropped]
        if not dropped:
            return "-"
        return format_html_join("", "<div>{}</div>", ((item,) for item in dropped))

    @admin.display(description=_("Diller's answer"))
    def response_json(self, entry: OutboxEntry) -> str:
        return pretty_json(masked(entry.response))

    @admin.display(description=_("payload as sent"))
    def payload_json(self, entry: OutboxEntry) -> str:
        return pretty_json(masked(entry.payload))

    @staticmethod
    def _link(entry: OutboxEntry) -> str:
        url = reverse("admin:diller_outboxentry_change", args=[entry.pk])
        return format_html('<a href="{}">{}</a>', url, str(entry))

    # -- the list ------------------------------------------------------------------------------

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "outbox_counts": watched_counts(current=request.GET.get("state__exact")),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Retry selected"), permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[OutboxEntry]) -> None:
        pks, left_alone = self._requeue(queryset)
        if pks:
            transaction.on_commit(partial(_kick, pks))
        messages.success(
            request,
            ngettext(
                "%(count)d entry was queued to be sent again.",
                "%(count)d entries were queued to be sent again.",
                len(pks),
            )
            % {"count": len(pks)},
        )
        self._report_left_alone(request, left_alone)

    @admin.action(description=_("Send now"), permissions=["change"])
    def send_now(self, request: HttpRequest, queryset: QuerySet[OutboxEntry]) -> None:
        selected = queryset.filter(state__in=RETRYABLE)
        if selected.count() > SEND_NOW_LIMIT:
            messages.error(
                request,
                _("Send at most %(limit)d entries at once; use “Retry selected” for more.")
                % {"limit": SEND_NOW_LIMIT},
            )
            return
        pks, left_alone = self._requeue(queryset)
        self._report_left_alone(request, left_alone)
        if not pks:
            return
        outcomes = {state: 0 for state in State.values}
        not_sent: list[int] = []
        unblocked: list[int] = []
        for pk in pks:
            rows = outbox.claim_due(entry_id=pk)
            if not rows:  # it waits for another row, or a worker took it first
                not_sent.append(pk)
                continue
            entry = outbox.deliver(rows[0])
            outcomes[entry.state] += 1
            if entry.state in outbox.DONE:  # what waited for it may go now
                unblocked += entry.dependents.exclude(pk__in=pks).values_list("pk", flat=True)
        if unblocked:
            transaction.on_commit(partial(_kick, unblocked))
        if any(outcomes.values()):
            summary = "; ".join(
                f"{State(state).label}: {count}" for state, count in outcomes.items() if count
            )
            failed = outcomes[State.FAILED] or outcomes[State.DEAD]
            messages.add_message(
                request,
                messages.WARNING if failed else messages.SUCCESS,
                _("Sent to Diller now: %(summary)s.") % {"summary": summary},
            )
        if not_sent:
            transaction.on_commit(partial(_kick, not_sent))
            messages.warning(
                request,
                ngettext(
                    "%(count)d entry waits for another entry, or a worker took it first; "
                    "it is in the queue.",
                    "%(count)d entries wait for another entry, or a worker took them first; "
                    "they are in the queue.",
                    len(not_sent),
                )
                % {"count": len(not_sent)},
            )

    @staticmethod
    def _requeue(queryset: QuerySet[OutboxEntry]) -> tuple[list[int], int]:
        """Put the retryable rows among ``queryset`` back in the queue: their ids, and how
        many of the selection were left alone."""
        with transaction.atomic():
            selected = list(queryset.select_for_update().values_list("pk", "state"))
            pks = [pk for pk, state in selected if state in RETRYABLE]
            requeued = OutboxEntry.objects.filter(pk__in=pks, state__in=RETRYABLE)
            outbox.retry(requeued)
        return pks, len(selected) - len(pks)

    @staticmethod
    def _report_left_alone(request: HttpRequest, count: int) -> None:
        if count:
            messages.info(
                request,
                ngettext(
                    "%(count)d entry was left alone: it was sent, skipped or is being sent.",
                    "%(count)d entries were left alone: they were sent, skipped or are being sent.",
                    count,
                )
                % {"count": count},
            )
