"""The Coupontools client: :class:`CoupontoolsClient`, one method per thing a till does.

Every method returns a typed answer (:mod:`~django_diller.coupontools.api.models`) or raises a
:mod:`~django_diller.coupontools.api.errors` error.

>>> config = CoupontoolsConfig(client_id=..., client_secret=...)
>>> with CoupontoolsClient(config) as coupontools:
...     session = coupontools.get_session("kkfiznr8Yp8630h82es8d")
...     coupontools.lock(session.session)
...     coupontools.validate(session.session, money_spent=Decimal("499.00"))
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import httpx2

from django_diller import __version__
from django_diller.api.calls import Attempts, PreparedCall
from django_diller.api.operations import Operation
from django_diller.api.retry import Deadline, DeadlinePassed, RetryPolicy
from django_diller.api.sending import Sender, Timeouts, http_options

from . import models as m
from .calls import COUPONTOOLS, FormCall, final_if_ok, prepare, read_answer
from .operations import DATA, UPDATE
from .wire import BodyFormat

DEFAULT_BASE_URL = "https://api.coupontools.com"
USER_AGENT = f"django-diller/{__version__}"
_THOUSANDTH = Decimal("0.001")


class SessionAction(StrEnum):
    """What an update does to a session."""

    LOCK = "lock"
    UNLOCK = "unlock"
    VALIDATE = "validate"
    VOID = "void"


@dataclass(frozen=True)
class UpdateParameters:
    """The update's parameter names and action values.

    The integration guide names only ``money_spent`` and the ``validate`` command; the rest are
    assumed (the contract's defaults), and each is a setting, so that a shop can match what its
    Coupontools account expects without a code change.
    """

    session: str = "couponsession"
    action: str = "action"
    money_spent: str = "money_spent"
    lock: str = "lock"
    unlock: str = "unlock"
    validate: str = "validate"
    void: str = "void"

    def __post_init__(self) -> None:
        names = (self.session, self.action, self.money_spent)
        values = (self.lock, self.unlock, self.validate, self.void)
        if not all(isinstance(text, str) and text.strip() for text in names + values):
            raise ValueError("every update parameter name and action value must be given")
        if len(set(names)) != len(names) or len(set(values)) != len(values):
            raise ValueError("the update's parameter names and action values must differ")

    def value_of(self, action: SessionAction) -> str:
        value: str = getattr(self, action.value)
        return value


@dataclass(frozen=True)
class CoupontoolsConfig:
    """How to reach Coupontools.

    ``base_url``: the host (a sandbox's or a proxy's address instead); the paths carry
    ``/v3``. ``body``: the requests' encoding, ``"form"`` (the default) or ``"json"``.
    ``session_parameter``: the look-up's parameter (the guide's ``couponsession``);
    ``update``: the update's names. ``expiration_zone``: the zone ``expiration_date`` is read
    in (it has no ``_utc`` suffix and its zone is not documented; UTC unless told).
    """

    client_id: str
    client_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    body: BodyFormat = "form"
    session_parameter: str = "couponsession"
    update: UpdateParameters = field(default_factory=UpdateParameters)
    expiration_zone: tzinfo = UTC
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        for name in ("client_id", "client_secret"):
            value = getattr(self, name)
            # A header value: no line breaks, nothing outside printable ASCII.
            if not value or not value.isascii() or not value.isprintable():
                raise ValueError(f"{name} must be printable ASCII text")
        if self.body not in ("form", "json"):
            raise ValueError('body must be "form" or "json"')
        if not self.session_parameter.strip():
            raise ValueError("session_parameter must be given")
        if not self.base_url.lower().startswith(("https://", "http://")):
            raise ValueError("base_url must be an http(s) URL")


def format_money_spent(amount: Decimal | int) -> str:
    """``amount`` as ``money_spent`` takes it: three decimals, a point, rounded half up
    (``Decimal("12.3455")`` is ``"12.346"``)."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError("money_spent is a Decimal (never a float)")
    value = Decimal(amount)
    if not value.is_finite() or value < 0:
        raise ValueError("money_spent must be a finite amount, zero or more")
    rounded = value.quantize(_THOUSANDTH, rounding=ROUND_HALF_UP)
    return f"{abs(rounded):f}"  # abs: "-0.000" would be refused


def _session_id(code: str) -> str:
    if not isinstance(code, str) or not code.strip():
        raise ValueError("a session id is required")
    return code


class _NoToken(Exception):
    """Never raised: Coupontools takes no token (the sending loop asks for the class)."""


class CoupontoolsClient(Sender):
    """Synchronous Coupontools client, for views, tasks and commands. Thread-safe.

    ``transport``: an httpx2 transport (a sandbox's in-process transport, or
    ``httpx2.MockTransport`` in tests). Sending and trying again are Diller's client's
    (:class:`~django_diller.api.sending.Sender`): only the look-up is tried again after a lost
    answer or a 5xx; an update only when it certainly never reached Coupontools.
    """

    provider = COUPONTOOLS
    token_unavailable = _NoToken

    def __init__(
        self, config: CoupontoolsConfig, *, transport: httpx2.BaseTransport | None = None
    ) -> None:
        self.config = config
        options = http_options(config.base_url, config.timeouts, USER_AGENT)
        options["headers"] = {
            **options["headers"],
            "X-Client-Id": config.client_id,
            "X-Client-Secret": config.client_secret,
        }
        self._http = httpx2.Client(transport=transport, **options)

    # --- Operations ----------------------------------------------------------------------------

    def get_session(self, code: str) -> m.CouponSession:
        """``couponsession_data``: the session, its state and its campaign."""
        session = _session_id(code)
        result: m.CouponSession = self._call(
            DATA, session, {self.config.session_parameter: session}
        )
        return result

    def lock(self, code: str) -> m.UpdateResult:
        """Lock the session while a checkout pays for it."""
        return self.update(code, SessionAction.LOCK)

    def unlock(self, code: str) -> m.UpdateResult:
        """Unlock the session: the checkout ended without payment."""
        return self.update(code, SessionAction.UNLOCK)

    def validate(self, code: str, money_spent: Decimal | None = None) -> m.UpdateResult:
        """Mark the session used, with the checkout's total (``money_spent``, sent as
        ``0.000``) for Coupontools' reports."""
        return self.update(code, SessionAction.VALIDATE, money_spent=money_spent)

    def void(self, code: str) -> m.UpdateResult:
        """Void the session."""
        return self.update(code, SessionAction.VOID)

    def update(
        self,
        code: str,
        action: SessionAction,
        *,
        money_spent: Decimal | None = None,
    ) -> m.UpdateResult:
        """``couponsession_update``: ``action`` on the session (``money_spent`` with
        ``validate`` only)."""
        action = SessionAction(action)
        if money_spent is not None and action is not SessionAction.VALIDATE:
            raise ValueError("money_spent goes with validate only")
        names = self.config.update
        session = _session_id(code)
        fields = {names.session: session, names.action: names.value_of(action)}
        if money_spent is not None:
            fields[names.money_spent] = format_money_spent(money_spent)
        result: m.UpdateResult = self._call(UPDATE, session, fields)
        return result

    # --- Sending -------------------------------------------------------------------------------

    def _call(self, operation: Operation, session: str, fields: dict[str, str]) -> Any:
        call = prepare(operation, fields, self.config.body, session=session)
        deadline = None if self.deadline is None else Deadline(self.deadline)
        return self._attempts(call, deadline, self.config.retry)

    def _send_once(self, call: PreparedCall, deadline: Deadline | None = None) -> httpx2.Response:
        # No token to fetch or refresh: one request per attempt, its credentials in headers.
        return final_if_ok(self._http.send(self._request(call, "", deadline)))

    def _answer(self, call: PreparedCall, response: httpx2.Response, attempts: Attempts) -> Any:
        session = call.session if isinstance(call, FormCall) else ""
        return read_answer(
            call.operation,
            response,
            session=session,
            expiration_zone=self.config.expiration_zone,
        )

    def _pause(
        self, delay: float, deadline: Deadline | None, call: PreparedCall, attempts: Attempts
    ) -> None:
        """Sleep ``delay``; under a deadline, give up at once if it would pass meanwhile."""
        if deadline is None:
            time.sleep(delay)
            return
        try:
            deadline.sleep(delay)
        except DeadlinePassed:
            raise self._too_late(call, deadline, attempts) from None
