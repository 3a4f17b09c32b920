"""Where a call to Diller comes from: the one place that builds ``origin`` and names the web
shop's channel."""

from __future__ import annotations

from typing import Any

from ..api import models as wire
from ..conf import app_settings
from .connection import current_department_id

CHANNEL = "OnlineStore"  # the web shop, as Diller's reports group sales and sign-ups


def origin(department_id: str | None = None, *, employee_id: str | None = None) -> wire.Origin:
    """The typed ``origin`` of a member or enrolment call: this system, the web shop's
    department (the configured one unless given) and, for staff actions, the employee."""
    return wire.Origin(
        system_id=str(app_settings.SYSTEM_ID),
        department_id=department_id or current_department_id() or None,
        channel=CHANNEL,
        employee_id=employee_id,
    )


def placement() -> dict[str, Any]:
    """``origin`` and ``department_id`` of a transaction body (plain JSON, as stored on the
    outbox entry): the department only when one is configured."""
    department = current_department_id()
    where: dict[str, Any] = {"system_id": app_settings.SYSTEM_ID, "channel": CHANNEL}
    if not department:
        return {"origin": where}
    return {"origin": {**where, "department_id": department}, "department_id": department}
