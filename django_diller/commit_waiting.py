"""Work that waits on a database connection for its transaction's commit, each piece with the
``on_commit`` callback that does it: the outbox's entries to queue, the carrier offers' uses to
count.

While a transaction is open its callbacks are all in the connection's ``run_on_commit`` (Django
takes them out when it commits, before running them), each with the savepoints open when it was
registered. A piece whose callback is missing went with a rollback. A piece whose callback was
registered inside the savepoint open now goes with that savepoint, should it be rolled back, so
it may be done before the commit, inside that savepoint (see
:mod:`django_diller.contrib.oscar.order_commit`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Waiting(Generic[K, V]):
    """The pieces of one kind waiting on each connection: key → (value, callback), kept on the
    connection under ``attribute``, in the order they were last added."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute

    def _on(self, connection: Any) -> dict[K, tuple[V, Callable[[], None]]]:
        pieces: dict[K, tuple[V, Callable[[], None]]] | None = getattr(
            connection, self.attribute, None
        )
        if pieces is None:
            pieces = {}
            setattr(connection, self.attribute, pieces)
        return pieces

    def add(self, connection: Any, key: K, value: V, callback: Callable[[], None]) -> None:
        """Keep a piece whose ``callback`` is registered for the commit (register it first); the
        pieces a rollback took the callbacks of are dropped."""
        pieces = self._on(connection)
        registered = {callback for _sids, callback, _robust in connection.run_on_commit}
        for gone in [k for k, (_value, queued) in pieces.items() if queued not in registered]:
            del pieces[gone]
        pieces.pop(key, None)  # in the order of its latest adding
        pieces[key] = (value, callback)

    def in_open_savepoint(self, connection: Any) -> list[K]:
        """The pieces whose callbacks were registered in the savepoint open now (or in the
        transaction, when none is): those that may be done now, inside it. None outside a
        transaction: its callbacks ran as they were registered."""
        innermost = set(connection.savepoint_ids)
        registered = {callback: set(sids) for sids, callback, _robust in connection.run_on_commit}
        return [
            key
            for key, (_value, callback) in self._on(connection).items()
            if callback in registered and innermost <= registered[callback]
        ]

    def value(self, connection: Any, key: K) -> V:
        return self._on(connection)[key][0]

    def pop(self, connection: Any, key: K) -> V | None:
        """The piece's value, and it is no longer waiting (None: it was not)."""
        piece = self._on(connection).pop(key, None)
        return None if piece is None else piece[0]

    def take_all(self, connection: Any) -> list[K]:
        """Every piece waiting, no longer waiting (the commit is done: their callbacks run)."""
        pieces = self._on(connection)
        keys = list(pieces)
        pieces.clear()
        return keys
