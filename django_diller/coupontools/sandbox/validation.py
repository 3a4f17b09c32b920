"""Request and response validation against ``coupontools-v3.yaml``.

Diller's sandbox's :class:`~django_diller.sandbox.validation.Contract` does the work; here it
answers in Coupontools' terms. A request that breaks the contract gets the guide's error for the
first parameter at fault (``couponsession``, then ``action``, then ``money_spent``): 200 when
it is missing, 300 (``couponsession``) or 301 (another) when its value is not allowed. An answer
under a status the contract does not list is checked against its ``default`` response.

The contract's request bodies are the same fields as a form or as JSON; the JSON schema checks
either (the sandbox reads a form into a mapping of strings first).
"""

from __future__ import annotations

import functools

from django_diller.coupontools.openapi import load_spec
from django_diller.sandbox import validation

from .errors import CoupontoolsError, SandboxContractError, invalid, missing

ERROR_SCHEMA = "#/components/schemas/ErrorAnswer"
# The parameters in the order their errors are reported.
PARAMETER_ORDER = ("couponsession", "action", "money_spent")
REQUIRED = "This field is required."


def first_error(errors: dict[str, list[str]]) -> CoupontoolsError:
    """The guide's error for the first parameter at fault in ``errors`` (field -> messages)."""
    ranked = sorted(
        errors,
        key=lambda name: PARAMETER_ORDER.index(name) if name in PARAMETER_ORDER else 99,
    )
    name = ranked[0] if ranked else "couponsession"
    if name == "body":  # no parameters at all
        return missing("couponsession")
    if REQUIRED in errors.get(name, []):
        return missing(name)
    return invalid(name)


class Contract(validation.Contract):
    """Compiled validators for both operations of the document."""

    error_answer = ("application/json", ERROR_SCHEMA)

    def invalid(self, errors: dict[str, list[str]]) -> CoupontoolsError:
        return first_error(errors)


@functools.cache
def contract() -> Contract:
    """The compiled contract (built once per process)."""
    return Contract(load_spec())


__all__ = ["Contract", "SandboxContractError", "contract", "first_error"]
