"""Request and response validation against ``diller-openapi.yaml``.

Validators are compiled once per process (:func:`contract`). Path and query parameters arrive as
text and are coerced by their schema type (``boolean``: ``true``/``false``; ``integer``: digits)
before validation. Request bodies may carry fields the contract does not know (the real API
ignores them); everything else must match. Numbers are Decimals here, so ``float``/``double``
accept any non-boolean number, ``date-time`` means RFC 3339 with a time zone and ``date`` an ISO
date.

:class:`Contract` knows no provider: a subclass names the error answer any operation may give
(:attr:`Contract.error_answer`) and the error a request that breaks the contract raises
(:meth:`Contract.invalid`); Dintero's sandbox has one. Parameters, bodies and responses given as
a local ``$ref`` are followed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator._format import is_int32, is_int64

from django_diller.openapi import load_spec

from .codec import is_rfc3339
from .problems import ApiProblem, SandboxContractError
from .routing import HTTP_METHODS

_INTEGER = re.compile(r"^[+-]?\d+$")


def _is_number_format(instance: object) -> bool:
    """Any JSON number is a valid float/double (the type keyword already refused the rest)."""
    return True


def _is_date_time(instance: object) -> bool:
    return not isinstance(instance, str) or is_rfc3339(instance)


def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    try:
        date.fromisoformat(instance)
    except ValueError:
        return False
    return len(instance) == 10


def _format_checker() -> FormatChecker:
    """The formats a value can be checked for; the others (``uuid``, ``uri``, ISO codes) are
    descriptions, as the documents use them."""
    checker = FormatChecker(formats=())
    checker.checks("int32")(is_int32)
    checker.checks("int64")(is_int64)
    checker.checks("float")(_is_number_format)
    checker.checks("double")(_is_number_format)
    checker.checks("date-time")(_is_date_time)
    checker.checks("date")(_is_date)
    return checker


@dataclass
class Parameter:
    name: str
    location: str  # path | query
    required: bool
    schema: dict[str, Any]
    validator: OAS30Validator


@dataclass
class OperationContract:
    operation_id: str
    parameters: list[Parameter]
    body: OAS30Validator | None
    body_required: bool
    responses: dict[str, tuple[str | None, OAS30Validator | None]] = field(default_factory=dict)

    def response_for(self, status: int) -> tuple[str | None, OAS30Validator | None] | None:
        return self.responses.get(str(status)) or self.responses.get("default")


def field_name(path: Iterable[Any]) -> str:
    """``["details", 0, "quantity"]`` -> ``"details[0].quantity"``."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def _error_field(error: ValidationError, root: str) -> str:
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [n for n in error.validator_value if n not in error.instance]
        if missing:
            path.append(missing[0])
    name = field_name(path)
    if root and name:
        return f"{root}.{name}" if not name.startswith("[") else f"{root}{name}"
    return name or root or "body"


def _error_message(error: ValidationError) -> str:
    if error.validator == "required":
        return "This field is required."
    if error.validator == "type":
        return f"Must be of type {error.validator_value}; got {error.instance!r}."
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{error.instance!r} is not one of: {allowed}."
    if error.validator == "format":
        return f"{error.instance!r} is not a valid {error.validator_value}."
    return error.message


def collect_errors(
    validator: OAS30Validator, instance: Any, root: str = ""
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        errors.setdefault(_error_field(error, root), []).append(_error_message(error))
    return errors


class Contract:
    """Compiled validators for every operation in the spec."""

    # The answer any operation may give for an error, even one whose contract lists no error
    # response (Diller's updateDependents): problem details, checked against ApiError.
    error_answer = ("application/problem+json", "#/components/schemas/ApiError")

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components = spec.get("components", {})
        self.format_checker = _format_checker()
        self.operations: dict[str, OperationContract] = {}
        media_type, schema = self.error_answer
        self.error = (media_type, self._validator({"$ref": schema}))
        for item in spec["paths"].values():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    self.operations[operation["operationId"]] = self._compile(operation, shared)

    def invalid(self, errors: dict[str, list[str]]) -> Exception:
        """The 400 for a request that breaks the contract (``errors``: field -> messages)."""
        return ApiProblem(400, summary(errors), errors=errors)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """``node`` with its local ``$ref`` (if any) followed."""
        seen = 0
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or seen > 10:
                raise ValueError(f"cannot follow {ref!r}")
            target: Any = self.spec
            for part in ref[2:].split("/"):
                target = target[part]
            node = target
            seen += 1
        return node

    def _validator(self, schema: dict[str, Any]) -> OAS30Validator:
        root = {"allOf": [schema], "components": self.components}
        return OAS30Validator(root, format_checker=self.format_checker)

    def _compile(self, operation: dict[str, Any], shared: list[dict]) -> OperationContract:
        parameters = []
        for raw in [*shared, *operation.get("parameters", [])]:
            param = self.resolve(raw)
            if param["in"] in ("path", "query"):
                schema = param.get("schema", {})
                parameters.append(
                    Parameter(
                        param["name"],
                        param["in"],
                        bool(param.get("required")),
                        schema,
                        self._validator(schema),
                    )
                )
        body = None
        request_body = self.resolve(operation.get("requestBody", {}))
        content = request_body.get("content", {})
        if "application/json" in content:
            body = self._validator(content["application/json"].get("schema", {}))
        responses: dict[str, tuple[str | None, OAS30Validator | None]] = {}
        for status, raw in operation.get("responses", {}).items():
            media = self.resolve(raw).get("content") or {}
            if not media:
                responses[str(status)] = (None, None)
                continue
            media_type, spec = next(iter(media.items()))
            responses[str(status)] = (media_type, self._validator(spec.get("schema", {})))
        return OperationContract(
            operation["operationId"],
            parameters,
            body,
            bool(request_body.get("required")),
            responses,
        )

    # requests -----------------------------------------------------------------------------

    def parameters(
        self,
        operation_id: str,
        path_params: Mapping[str, str],
        query: Mapping[str, str],
        *,
        validate: bool = True,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Coerce (and validate) path and query parameters; raises :meth:`invalid`.

        Query parameters the operation does not name are dropped.
        """
        op = self.operations[operation_id]
        errors: dict[str, list[str]] = {}
        out: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
        for param in op.parameters:
            raw = (path_params if param.location == "path" else query).get(param.name)
            if raw is None:
                if param.required and validate:
                    errors[param.name] = ["This parameter is required."]
                continue
            try:
                value = _coerce(raw, param.schema)
            except ValueError as exc:
                if validate:
                    errors[param.name] = [str(exc)]
                else:
                    out[param.location][param.name] = raw
                continue
            if validate:
                found = collect_errors(param.validator, value, param.name)
                if found:
                    errors.update(found)
                    continue
            out[param.location][param.name] = value
        if errors:
            raise self.invalid(errors)
        return out["path"], out["query"]

    def body(self, operation_id: str, body: Any) -> None:
        op = self.operations[operation_id]
        if op.body is None:
            return
        if body is None:
            if op.body_required:
                raise self.invalid({"body": ["A JSON body is required."]})
            return
        errors = collect_errors(op.body, body)
        if errors:
            raise self.invalid(errors)

    # responses ----------------------------------------------------------------------------

    def check_response(
        self, operation_id: str, status: int, content_type: str | None, body: Any
    ) -> None:
        """Raise :class:`SandboxContractError` if this answer breaks the contract."""
        op = self.operations[operation_id]
        expected = op.response_for(status)
        if expected is None and status >= 400:
            expected = self.error
        if expected is None:
            raise SandboxContractError(f"{operation_id}: status {status} is not in the contract")
        media_type, validator = expected
        if media_type is None:
            if body is not None:
                raise SandboxContractError(
                    f"{operation_id}: status {status} must have no body, got {body!r}"
                )
            return
        base_type = (content_type or "").split(";")[0].strip()
        if base_type != media_type:
            raise SandboxContractError(
                f"{operation_id}: status {status} must be {media_type}, not {base_type!r}"
            )
        if validator is not None:
            errors = collect_errors(validator, body)
            if errors:
                raise SandboxContractError(
                    f"{operation_id}: response {status} breaks the contract: {errors}"
                )


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type", "string")
    if kind == "boolean":
        lowered = raw.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise ValueError(f"{raw!r} is not a boolean; use true or false.")
    if kind == "integer":
        if not _INTEGER.match(raw.strip()):
            raise ValueError(f"{raw!r} is not an integer.")
        return int(raw)
    if kind == "number":
        try:
            return Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError(f"{raw!r} is not a number.") from exc
    return raw


def summary(errors: dict[str, list[str]]) -> str:
    """One line naming each field at fault and what is wrong with it."""
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


@functools.cache
def contract() -> Contract:
    """The compiled contract (built once per process)."""
    return Contract(load_spec())
