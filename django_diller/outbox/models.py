"""The outbox's table: one remote effect per row, written in the transaction of its cause."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registry import label


class OutboxEntry(models.Model):
    """One remote effect an outside system must receive, written in the same transaction as
    its cause.

    Workers claim due rows (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL) and lease them,
    so two workers never send the same row; a row whose worker died is taken again once its
    lease runs out. ``external_id`` makes each intended effect unique: enqueuing it twice
    gives the same row. ``kind`` names the handler that sends it (:mod:`.registry`).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        IN_FLIGHT = "in_flight", _("in flight")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will retry")
        DEAD = "dead", _("dead")
        SKIPPED = "skipped", _("skipped, nothing to send")

    kind = models.CharField(_("kind"), max_length=30)
    external_id = models.CharField(_("external id"), max_length=150)
    order_number = models.CharField(_("order number"), max_length=128, db_index=True)
    store_id = models.CharField(_("store id"), max_length=100)
    member_id = models.CharField(_("member id"), max_length=100, blank=True)
    source = models.CharField(
        _("cause"),
        max_length=80,
        blank=True,
        help_text=_("What caused it: a payment event, an order status, a refund, a backfill."),
    )
    depends_on = models.ForeignKey(
        "self",
        verbose_name=_("waits for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dependents",
        help_text=_("Sent only after this entry was sent (a cancel waits for its transaction)."),
    )
    payload = models.JSONField(
        _("payload as sent"),
        default=dict,
        blank=True,
        help_text=_("Built from the order on the first attempt, then sent unchanged on retries."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    task_due_at = models.DateTimeField(
        _("task due at"),
        null=True,
        blank=True,
        help_text=_(
            "When the delivery task queued for it should run; the sweep queues another "
            "only if that is long past."
        ),
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    response = models.JSONField(_("Diller's answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        app_label = "diller"
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox entries")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "external_id"], name="diller_one_entry_per_effect"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id} ({self.get_state_display()})"

    def get_kind_display(self) -> str:
        """What staff read for the kind: the label its handler registered (the kind itself
        when no handler is registered for it)."""
        return label(self.kind)
