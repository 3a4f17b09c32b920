"""Match a method and path against the contract's path templates.

When several templates match, the one whose literal segments come first wins, so
``/members/search`` and ``/members/enroll`` beat ``/members/{memberId}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .problems import ApiProblem

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Route:
    template: str
    segments: tuple[str, ...]
    operations: dict[str, str]  # upper-case method -> operationId

    @property
    def specificity(self) -> tuple[bool, ...]:
        return tuple(not _is_param(segment) for segment in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for pattern, actual in zip(self.segments, parts, strict=True):
            if _is_param(pattern):
                if not actual:
                    return None
                params[pattern[1:-1]] = actual
            elif pattern != actual:
                return None
        return params


@dataclass(frozen=True)
class RouteMatch:
    operation_id: str
    template: str
    path_params: dict[str, str]


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def split_path(path: str) -> list[str]:
    """Split a raw path into percent-decoded segments (a trailing slash is ignored)."""
    return [unquote(part) for part in path.strip("/").split("/")]


class Router:
    def __init__(self, spec: dict[str, Any]) -> None:
        routes = []
        for template, item in spec["paths"].items():
            operations = {
                method.upper(): operation["operationId"]
                for method, operation in item.items()
                if method in HTTP_METHODS
            }
            routes.append(Route(template, tuple(template.strip("/").split("/")), operations))
        # Most literal first: a literal segment beats a parameter at the same position.
        self.routes = sorted(routes, key=lambda r: r.specificity, reverse=True)

    def resolve(self, method: str, path: str) -> RouteMatch:
        """The operation for ``method path``; raises a 404 or 405 :class:`ApiProblem`."""
        parts = split_path(path)
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(parts)
            if params is None:
                continue
            operation_id = route.operations.get(method.upper())
            if operation_id is not None:
                return RouteMatch(operation_id, route.template, params)
            allowed.extend(m for m in route.operations if m not in allowed)
        if allowed:
            raise ApiProblem(
                405,
                f"{method.upper()} is not allowed on {path}.",
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        raise ApiProblem(404, f"No API route matches {path}.")
