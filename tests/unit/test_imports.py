"""The project's import graph: no cycles (not even through function-level imports), and a pure core.

Every ``import``/``from`` statement anywhere in a module counts, top level or inside a function:
a lazy import hides a cycle from the interpreter, not from the reader.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("motcua", "producers", "stream_processors", "sinks", "schemas")
CORE = "stream_processors.core"
# Small pure libraries the core may use besides the stdlib (data, no I/O framework).
CORE_THIRD_PARTY = frozenset({"holidays"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_modules() -> dict[str, Path]:
    return {_module_name(path): path
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _imported_names(module: str, path: Path) -> Iterator[str]:
    """Absolute dotted names imported anywhere in a module (``from a import b``: a and a.b)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module a dotted name lands in (its longest module prefix), or None."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _with_parents(module: str) -> Iterator[str]:
    """A module and the packages Python imports first to reach it (``a.b.c``: a, a.b, a.b.c)."""
    parts = module.split(".")
    return (".".join(parts[:end]) for end in range(1, len(parts) + 1))


def _import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules (and their packages) it imports anywhere."""
    modules = _project_modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {_resolve(name, modules) for name in _imported_names(module, path)}
        reached = {m for t in targets if t for m in _with_parents(t) if m in modules}
        graph[module] = reached - set(_with_parents(module))
    return graph


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; returns the components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _strongly_connected(graph) == [["a", "b", "c"]]


def test_imports_inside_functions_and_relative_imports_count(tmp_path: Path):
    module = tmp_path / "lazy.py"
    module.write_text("import json\n"
                      "def f():\n"
                      "    from sinks.board import views\n"
                      "    from . import model\n"
                      "    from .metrics import BoardMetrics\n")
    names = set(_imported_names("sinks.board.lazy", module))
    assert {"json", "sinks.board.views", "sinks.board.model", "sinks.board.metrics"} <= names
    modules = _project_modules()
    assert _resolve("sinks.board.metrics.BoardMetrics", modules) == "sinks.board.metrics"
    assert _resolve("prometheus_client.Counter", modules) is None


def test_the_graph_covers_every_package():
    graph = _import_graph()
    assert {name.partition(".")[0] for name in graph} == set(PACKAGES)
    assert "stream_processors.core.catalog" in graph["stream_processors.core.catalog_loader"]


def test_no_import_cycles_among_the_project_packages():
    cycles = _strongly_connected(_import_graph())
    assert not cycles, "import cycles (function-level imports count too):\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles)


def test_the_core_imports_only_the_stdlib_itself_schemas_and_small_pure_libraries():
    modules = _project_modules()
    allowed_roots = {*sys.stdlib_module_names, *CORE_THIRD_PARTY, "schemas"}
    offenders = []
    for module, path in modules.items():
        if module != CORE and not module.startswith(CORE + "."):
            continue
        for name in _imported_names(module, path):
            if not name or name == CORE or name.startswith(CORE + "."):
                continue
            if name.partition(".")[0] not in allowed_roots:
                offenders.append(f"{module} imports {name}")
    assert not offenders, "the core must stay pure:\n" + "\n".join(sorted(set(offenders)))
