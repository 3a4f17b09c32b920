"""How many outbox rows are in each state, for staff: one query, whatever the table's size."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import OutboxEntry

# What staff watch: rows still to send, being sent, waiting for a retry, given up.
WATCHED = (
    OutboxEntry.State.PENDING,
    OutboxEntry.State.IN_FLIGHT,
    OutboxEntry.State.FAILED,
    OutboxEntry.State.DEAD,
)


def state_counts(entries: QuerySet[OutboxEntry] | None = None) -> dict[str, int]:
    """``{state: number of rows}`` for every state (zero included), in one aggregate query."""
    entries = OutboxEntry.objects.all() if entries is None else entries
    counts = entries.aggregate(
        **{state.value: Count("pk", filter=Q(state=state)) for state in OutboxEntry.State}
    )
    return {state: counts[state] or 0 for state in OutboxEntry.State.values}
