"""A send handler for the outbox tests, registered for one test (monkeypatch removes it)."""

import pytest

from django_diller.loyalty.kinds import Kind
from django_diller.outbox import registry

KIND = Kind.SEND_TRANSACTION


class Recorder(registry.Handler):
    """Records the external ids it is called with; raises or answers as the test says."""

    kind = KIND

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.outcome: dict = {"raise": None, "answer": None}

    def send(self, entry):
        self.calls.append(entry.external_id)
        if self.outcome["raise"] is not None:
            raise self.outcome["raise"]
        return self.outcome["answer"] or {"is_ok": True, "external_id": entry.external_id}


@pytest.fixture
def handler(monkeypatch):
    """The external ids it was called with, and its outcome for the test to set: an exception
    to raise, or the answer (by default Diller's ``is_ok`` with the entry's external id)."""
    recorder = Recorder()
    monkeypatch.setitem(registry.HANDLERS, KIND, recorder)
    return recorder.calls, recorder.outcome
