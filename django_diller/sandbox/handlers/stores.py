"""Store settings: the store itself, departments, segments and membership levels."""

from __future__ import annotations

import re
from typing import Any

from .. import render
from ..problems import conflict
from ..state import Department
from .base import Context, Handler, required_text


def get_all(ctx: Context) -> list[dict[str, Any]]:
    return [render.store(store) for store in ctx.state.stores.values()]


def get_store(ctx: Context) -> dict[str, Any]:
    return render.store(ctx.store)


def get_departments(ctx: Context) -> list[dict[str, Any]]:
    return [render.department(d) for d in ctx.store.departments]


def _department_id(name: str, taken: set[str]) -> str:
    base = "dept-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "new")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def create_department(ctx: Context) -> list[dict[str, Any]]:
    """Append a department and answer the store's full list (as Diller does)."""
    data = ctx.json_object()
    name = required_text(data, "name")
    taken = {d.id for d in ctx.store.departments}
    department_id = data.get("id") or _department_id(name, taken)
    if department_id in taken:
        raise conflict("id", f"Department {department_id!r} already exists.")
    ctx.store.departments.append(Department(department_id, name))
    return get_departments(ctx)


def get_segments(ctx: Context) -> list[dict[str, Any]]:
    return [render.segment(s) for s in ctx.store.segments]


def get_levels(ctx: Context) -> list[dict[str, Any]]:
    return [render.level(level) for level in sorted(ctx.store.levels, key=lambda lv: lv.points)]


HANDLERS: dict[str, Handler] = {
    "getAll": get_all,
    "get": get_store,
    "getDepartments": get_departments,
    "createDepartment": create_department,
    "getSegments": get_segments,
    "getStoreMembershipLevel": get_levels,
}
