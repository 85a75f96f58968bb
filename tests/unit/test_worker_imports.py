"""The stream processors do not import the CLI package ``motcua`` (the entry point passes the
connection in); ``stream_processors/bench`` is a CLI tool of its own and may."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "stream_processors"


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_worker_module_imports_motcua():
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in imported(p) if n.split(".")[0] == "motcua")
                 for p in ROOT.rglob("*.py") if "bench" not in p.relative_to(ROOT).parts}
    assert {p: names for p, names in offenders.items() if names} == {}
