"""Request and response validation against ``dintero-receipts.yaml``.

Diller's sandbox's :class:`~django_diller.sandbox.validation.Contract` does the work (the
document's ``$ref`` s to ``components`` are followed, parameters coerced by their schema type,
bodies the contract requires insisted on); here it answers in Dintero's terms. Any error answer
the contract does not list for an operation (a 405, a 429, a 503, a 400 where only 401 and 403
are listed) must still be Dintero's ``Error``, and a request that breaks the contract is a 400
``validation_error`` naming each field.
"""

from __future__ import annotations

import functools
from typing import Any

from django_diller.dintero.openapi import load_spec
from django_diller.sandbox import validation

from .errors import DinteroError, SandboxContractError

ERROR_SCHEMA = "#/components/schemas/Error"


def _errors_list(errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [{"field": name, "message": " ".join(texts)} for name, texts in errors.items()]


class Contract(validation.Contract):
    """Compiled validators for every operation in the document."""

    error_answer = ("application/json", ERROR_SCHEMA)

    def invalid(self, errors: dict[str, list[str]]) -> DinteroError:
        return DinteroError(
            400, validation.summary(errors), code="validation_error", errors=_errors_list(errors)
        )


@functools.cache
def contract() -> Contract:
    """The compiled contract (built once per process)."""
    return Contract(load_spec())


__all__ = ["Contract", "SandboxContractError", "contract"]
