"""The package's shape, as an import graph: lower layers never import higher ones, and the
packages import one another without cycles.

Every module of ``django_diller`` is parsed (not imported); each import, relative ones resolved,
function-level and ``TYPE_CHECKING`` ones included, is an edge between the units below. An
edge is allowed when :data:`MAY_IMPORT` lists it, or :data:`EXCEPTIONS` names it with a reason.
docs/architecture.md draws the same map.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import django_diller

ROOT = Path(django_diller.__file__).parent
PACKAGE = "django_diller"

# Top-level modules and packages of django_diller, by unit. The root package holds only the
# version, and any unit may read it.
CORE = {"conf", "models", "signals", "phones", "countries", "token_cache", "migrations"}
CORE |= {"accounts", "links", "inserts", "settings_checks", "shared_clients", "request_memo"}
CORE |= {"commit_waiting"}
WEB = {"views", "urls", "templatetags", "admin", "admin_non_eligible", "management", "tasks"}
# The app's wiring: AppConfig.ready() connects receivers and registers handlers; the system
# checks look at everything.
WEB |= {"receivers", "apps", "checks"}

# Layer 1 is pure (no Django, no Oscar); layer 2 the emulator; layer 3 the Django core and the
# provider's shop-side services; layer 4 the web; layer 5 the Oscar integration.
LAYER_1 = {"api", "discounts", "openapi"}
LAYER_3 = {"core", "outbox", "loyalty", "adapter", "members", "staff"}
# Dintero's receipts, a provider of its own: its client, contract and receipt mapping are pure
# (layer 1), its emulator layer 2, and its shop-side services (settings, connection, outbox
# handlers) layer 3.
DINTERO_PARTS = {"api", "openapi", "receipts", "sandbox"}
DINTERO_1 = {"dintero.api", "dintero.openapi", "dintero.receipts"}
DINTERO = DINTERO_1 | {"dintero.sandbox", "dintero"}
# Coupontools' vouchers, in the same shape: client, contract and the parsing of codes and values
# (layer 1), the emulator (layer 2), the shop-side services (layer 3).
COUPONTOOLS_PARTS = {"api", "openapi", "vouchers", "sandbox"}
COUPONTOOLS_1 = {"coupontools.api", "coupontools.openapi", "coupontools.vouchers"}
COUPONTOOLS = COUPONTOOLS_1 | {"coupontools.sandbox", "coupontools"}
# The chain's discount rules and the API its back office calls: the rules are pure (layer 1),
# the app (model, audit, admin, the REST API) layer 3.
DISCOUNTAPI = {"discountapi.rules", "discountapi"}
PROVIDER_PARTS = {
    "dintero": DINTERO_PARTS,
    "coupontools": COUPONTOOLS_PARTS,
    "discountapi": {"rules"},
}
MAY_IMPORT: dict[str, set[str]] = {
    "root": set(),
    "api": {"root"},
    "discounts": {"root"},
    "openapi": {"root"},
    "sandbox": {"root", "api", "openapi"},
    "core": {"root", "api", "discounts"},
    # The outbox is generic: it knows no provider and no page.
    "outbox": {"root", "core"},
    # The Diller provider's shop-side services (its sandbox for DILLER["SANDBOX"]).
    "loyalty": {"root", "api", "discounts", "core", "outbox", "sandbox"},
    # The shop's answers to what the plugin asks (products, payments, client address): a shop
    # swaps it; its defaults may read the loyalty services (Diller's non-eligible list).
    "adapter": {"root", "api", "discounts", "core", "loyalty"},
    "members": {"root", "api", "discounts", "core", "outbox", "loyalty", "adapter"},
    "staff": {"root", "api", "core", "outbox", "loyalty", "adapter"},
    # The Dintero client reuses the Diller client's provider-neutral token store and retries.
    "dintero.api": {"root", "api"},
    "dintero.openapi": {"root", "openapi"},
    "dintero.receipts": {"root"},
    # The emulator reuses the Diller sandbox's provider-neutral parts (codec, router, faults).
    "dintero.sandbox": {"root", "sandbox", "dintero.api", "dintero.openapi"},
    "dintero": {"root", "api", "core", "outbox"} | DINTERO - {"dintero"},
    "coupontools.api": {"root", "api"},
    "coupontools.openapi": {"root", "openapi"},
    "coupontools.vouchers": {"root"},
    "coupontools.sandbox": {"root", "sandbox", "coupontools.api", "coupontools.openapi"},
    "coupontools": {"root", "api", "discounts", "core", "outbox"} | COUPONTOOLS - {"coupontools"},
    "discountapi.rules": {"root"},
    "discountapi": {"root", "core", "discountapi.rules"},
    "web": {"root", "sandbox", "web"} | LAYER_1 | LAYER_3 | DINTERO | COUPONTOOLS | DISCOUNTAPI,
    "contrib.oscar": {"root", "sandbox", "web"}
    | LAYER_1
    | LAYER_3
    | DINTERO
    | COUPONTOOLS
    | DISCOUNTAPI,
}
# Packages that import neither Django nor Oscar (nor Celery), wherever they are installed.
PURE = {"api": {"django", "oscar", "celery"}, "discounts": {"django", "oscar", "celery"}}
PURE |= {"openapi": {"django", "oscar", "celery"}, "sandbox": {"django", "oscar", "celery"}}
PURE |= {unit: {"django", "oscar", "celery"} for unit in DINTERO - {"dintero"}}
PURE |= {unit: {"django", "oscar", "celery"} for unit in COUPONTOOLS - {"coupontools"}}
PURE["discountapi.rules"] = {"django", "oscar", "celery"}

# (importing module, imported unit): why this edge against the layers is right.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("django_diller.models", "outbox"): "Django finds the app's models through its models module",
}


@dataclass(frozen=True)
class Edge:
    importer: str  # a module of django_diller
    imported: str  # a module of django_diller, or a top-level outside name
    lazy: bool  # inside a function or an ``if TYPE_CHECKING:`` block

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported}" + (" (lazy)" if self.lazy else "")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def unit_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    top = parts[1]
    if top in PROVIDER_PARTS:
        return f"{top}.{parts[2]}" if len(parts) > 2 and parts[2] in PROVIDER_PARTS[top] else top
    if top == "contrib":
        return "contrib.oscar"
    if top in CORE:
        return "core"
    if top in WEB:
        return "web"
    return top


def _lazy_nodes(tree: ast.Module) -> set[int]:
    """The ids of the import nodes inside a function or an ``if TYPE_CHECKING:`` block."""
    lazy: set[int] = set()
    for node in ast.walk(tree):
        typing_only = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or typing_only:
            lazy |= {id(inner) for inner in ast.walk(node) if inner is not node}
    return lazy


def edges() -> list[Edge]:
    known = modules()
    found = []
    for module, path in known.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy = _lazy_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join([*base, node.module] if node.module else base)
                else:
                    target = node.module or ""
                # ``from . import views``: the submodule, when it is one.
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
                names = subs or [target]
            else:
                continue
            for name in names:
                inside = name == PACKAGE or name.startswith(PACKAGE + ".")
                imported = name if inside else name.partition(".")[0]
                found.append(Edge(module, imported, id(node) in lazy))
    return found


def is_package_edge(edge: Edge) -> bool:
    return edge.imported == PACKAGE or edge.imported.startswith(PACKAGE + ".")


def against_the_layers() -> list[Edge]:
    return [
        edge
        for edge in edges()
        if is_package_edge(edge)
        and unit_of(edge.imported) != unit_of(edge.importer)
        and unit_of(edge.imported) not in MAY_IMPORT[unit_of(edge.importer)]
        and (edge.importer, unit_of(edge.imported)) not in EXCEPTIONS
    ]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_unit_is_known():
    units = {unit_of(module) for module in modules()}
    assert units <= set(MAY_IMPORT), f"a package no layer holds: {units - set(MAY_IMPORT)}"


def test_no_import_goes_against_the_layers():
    wrong = sorted(map(str, against_the_layers()))
    assert wrong == [], "imports against the layers:\n" + "\n".join(wrong)


def test_the_units_import_one_another_without_cycles():
    graph: dict[str, set[str]] = defaultdict(set)
    by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
    for edge in edges():
        a, b = unit_of(edge.importer), unit_of(edge.imported)
        if is_package_edge(edge) and a != b and (edge.importer, b) not in EXCEPTIONS:
            graph[a].add(b)
            by_pair[a, b].append(str(edge))
    found = cycles(graph)
    culprits = [
        line
        for component in found
        for (a, b), lines in sorted(by_pair.items())
        if a in component and b in component and b not in MAY_IMPORT[a]  # the backward ones
        for line in lines
    ]
    assert found == [], "cycles through:\n" + "\n".join(culprits)


def test_the_pure_packages_import_neither_django_nor_oscar():
    wrong = sorted(
        str(edge)
        for edge in edges()
        if not is_package_edge(edge) and edge.imported in PURE.get(unit_of(edge.importer), ())
    )
    assert wrong == [], "\n".join(wrong)


def test_every_exception_is_still_needed():
    used = {
        (edge.importer, unit_of(edge.imported))
        for edge in edges()
        if is_package_edge(edge) and unit_of(edge.imported) != unit_of(edge.importer)
    }
    assert sorted(set(EXCEPTIONS) - used) == []


def test_the_graph_sees_relative_and_lazy_imports():
    """A check on the checker: known edges of the package are found as they are written."""
    found = {(e.importer, e.imported, e.lazy) for e in edges()}
    assert ("django_diller.api.client", "django_diller.api.methods", False) in found
    assert ("django_diller.api.client", PACKAGE, False) in found
    assert any(e.importer == "django_diller.apps" and e.lazy for e in edges())
