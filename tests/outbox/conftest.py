"""A send handler for the outbox tests, registered for one test (monkeypatch removes it)."""

import pytest

from django_diller.models import OutboxEntry
from django_diller.outbox import engine as outbox

KIND = OutboxEntry.Kind.SEND_TRANSACTION


@pytest.fixture
def handler(monkeypatch):
    """The external ids it was called with, and its outcome for the test to set: an exception
    to raise, or the answer (by default Diller's ``is_ok`` with the entry's external id)."""
    calls = []
    outcome = {"raise": None, "answer": None}

    def send(entry):
        calls.append(entry.external_id)
        if outcome["raise"] is not None:
            raise outcome["raise"]
        return outcome["answer"] or {"is_ok": True, "external_id": entry.external_id}

    monkeypatch.setitem(outbox.HANDLERS, KIND, send)
    return calls, outcome
