"""Who sends each kind of outbox entry, and which of their errors are worth a retry.

A provider (the module that talks to an outside system) registers a :class:`Handler` per kind
of entry it writes, and the exception types of its client that mean "try again later"
(:func:`transient_errors`) or "this will never work" (:func:`permanent_errors`). The engine
knows nothing else of the provider.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from .models import OutboxEntry


class Handler:
    """Sends the entries of one ``kind``.

    ``after_dead``: an entry of this kind still goes when the entry it waits for is dead (the
    handler copes with what the outside system then answers). ``courtesy``: what waits for an
    entry of this kind goes ahead when it is dead (nothing depends on its effect).

    The engine builds the payload once (:meth:`build_payload`), stores it on the entry, and
    then calls :meth:`send` on every attempt, both inside :meth:`sending`. A handler must be
    idempotent on the entry's ``external_id``: after a lost answer the entry is sent again.
    """

    kind: ClassVar[str]
    label: ClassVar[str] = ""  # what staff read for the kind; the kind itself when empty
    after_dead: ClassVar[bool] = False
    courtesy: ClassVar[bool] = False

    def build_payload(self, entry: OutboxEntry) -> dict[str, Any]:
        """The body to send, built on the first attempt (it may set ``entry.member_id``).
        An empty body is not stored: the entry has none."""
        return {}

    def send(self, entry: OutboxEntry) -> object:
        """Send the entry; the answer (kept on the entry when it is a dict or a list)."""
        raise NotImplementedError

    def sending(self, entry: OutboxEntry) -> AbstractContextManager[object]:
        """The context both steps run in (a deadline for the provider's calls, say)."""
        return nullcontext()

    def announce(self, entry: OutboxEntry) -> None:
        """Called once the attempt's outcome is recorded (``entry.state`` says which)."""


HANDLERS: dict[str, Handler] = {}
_TRANSIENT: list[type[BaseException]] = []
_PERMANENT: list[type[BaseException]] = []

H = TypeVar("H", bound=type[Handler])


def register(handler_class: H) -> H:
    """Register a handler class for its ``kind`` (usable as a class decorator); a later one
    for the same kind replaces the earlier."""
    HANDLERS[handler_class.kind] = handler_class()
    return handler_class


def handler_for(kind: str) -> Handler | None:
    return HANDLERS.get(kind)


_UNKNOWN: list[Handler] = []


def announce_unknown_kinds_with(handler: Handler) -> None:
    """Who announces what happened to an entry of a kind no handler is registered for (it is
    dead: staff must see it): a provider that writes entries names its handler, so that its
    failure signal still fires for a kind it no longer registers."""
    _UNKNOWN[:] = [handler]


def announcer_for(kind: str) -> Handler | None:
    """The handler that announces an entry's outcome: its kind's, else the one for unknown
    kinds, if any."""
    return HANDLERS.get(kind) or (_UNKNOWN[0] if _UNKNOWN else None)


def label(kind: str) -> str:
    """What staff read for ``kind``."""
    handler = HANDLERS.get(kind)
    return str(handler.label or kind) if handler is not None else kind


def kinds() -> list[tuple[str, str]]:
    """``(kind, label)`` of every registered kind, by label (the admin's filter)."""
    return sorted(((kind, label(kind)) for kind in HANDLERS), key=lambda pair: pair[1])


def goes_after_dead(kind: str) -> bool:
    handler = HANDLERS.get(kind)
    return handler is not None and handler.after_dead


def is_courtesy(kind: str) -> bool:
    handler = HANDLERS.get(kind)
    return handler is not None and handler.courtesy


def classify_errors(
    *,
    transient: tuple[type[BaseException], ...] = (),
    permanent: tuple[type[BaseException], ...] = (),
) -> None:
    """Register a provider's exceptions: ``transient`` ones (an outage, a lost answer) leave
    the entry ``failed`` and tried again after a backoff; ``permanent`` ones (a refusal)
    leave it ``dead`` with the error's text. A transient type wins over a permanent base
    class it derives from."""
    _TRANSIENT.extend(error for error in transient if error not in _TRANSIENT)
    _PERMANENT.extend(error for error in permanent if error not in _PERMANENT)


def transient_errors() -> tuple[type[BaseException], ...]:
    return tuple(_TRANSIENT)


def permanent_errors() -> tuple[type[BaseException], ...]:
    return tuple(_PERMANENT)
